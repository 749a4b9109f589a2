// ARP for IPv4 over Ethernet (RFC 826).
//
//   0     2     4    5    6    8     14    18    24    28
//   | htype | ptype | hlen | plen | op | sha | spa | tha | tpa |
import { get16, get32, put16, put32, copy, fill } from "../lib/bytes";
import { Counter } from "../lib/counters";
import { ETHERTYPE_IPV4 } from "./ethernet";

@inline const HTYPE: usize = 0;
@inline const PTYPE: usize = 2;
@inline const HLEN: usize = 4;
@inline const PLEN: usize = 5;
@inline const OP: usize = 6;
@inline export const ARP_SHA: usize = 8;
@inline const SPA: usize = 14;
@inline export const ARP_THA: usize = 18;
@inline const TPA: usize = 24;
@inline export const ARP_BYTES: i32 = 28;

@inline export const ARP_OP_REQUEST: u32 = 1;
@inline export const ARP_OP_REPLY: u32 = 2;
@inline const HTYPE_ETHERNET: u32 = 1;

export function arp_check(ptr: usize, len: i32): Counter {
  if (len < ARP_BYTES) return Counter.arp_rx_bad;
  if (get16(ptr + HTYPE) != HTYPE_ETHERNET || get16(ptr + PTYPE) != ETHERTYPE_IPV4) return Counter.arp_rx_bad;
  if (load<u8>(ptr + HLEN) != 6 || load<u8>(ptr + PLEN) != 4) return Counter.arp_rx_bad;
  const op = get16(ptr + OP);
  if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) return Counter.arp_rx_bad;
  return Counter.OK;
}

@inline export function arp_op(ptr: usize): u32 { return get16(ptr + OP); }
@inline export function arp_sender_mac(ptr: usize): usize { return ptr + ARP_SHA; }
@inline export function arp_sender_addr(ptr: usize): u32 { return get32(ptr + SPA); }
@inline export function arp_target_mac(ptr: usize): usize { return ptr + ARP_THA; }
@inline export function arp_target_addr(ptr: usize): u32 { return get32(ptr + TPA); }

/** Writes a whole ARP packet. A null target MAC (0) is emitted as zeros (requests). */
export function arp_emit(ptr: usize, op: u32, sha: usize, spa: u32, tha: usize, tpa: u32): void {
  put16(ptr + HTYPE, HTYPE_ETHERNET);
  put16(ptr + PTYPE, ETHERTYPE_IPV4);
  store<u8>(ptr + HLEN, 6);
  store<u8>(ptr + PLEN, 4);
  put16(ptr + OP, op);
  copy(ptr + ARP_SHA, sha, 6);
  put32(ptr + SPA, spa);
  if (tha == 0) fill(ptr + ARP_THA, 0, 6);
  else copy(ptr + ARP_THA, tha, 6);
  put32(ptr + TPA, tpa);
}
