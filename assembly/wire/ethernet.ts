// Ethernet II header (IEEE 802.3 framing with a type field, RFC 894) and the 802.1Q tag.
//
//   0      6      12        14
//   | dst  | src  | type    | payload...
//   | dst  | src  | 0x8100  | TCI (PCP:3 DEI:1 VID:12) | type | payload...   (802.1Q)
//   | dst  | src  | 0x88A8  | TCI | 0x8100 | TCI | type | payload...         (QinQ, 802.1ad)
import { get16, put16, copy, fill } from "../lib/bytes";
import { Counter } from "../lib/counters";
import { ETH_HEADER_BYTES, VLAN_TAG_BYTES } from "../config";

@inline export const ETH_DST: usize = 0;
@inline export const ETH_SRC: usize = 6;
@inline export const ETH_TYPE: usize = 12;
@inline export const ETH_ADDR_BYTES: i32 = 6;

@inline export const ETHERTYPE_IPV4: u32 = 0x0800;
@inline export const ETHERTYPE_ARP: u32 = 0x0806;
@inline export const ETHERTYPE_VLAN: u32 = 0x8100;
@inline export const ETHERTYPE_QINQ: u32 = 0x88a8;

/** Frames must hold at least the header; TAP frames arrive unpadded, so no 60-byte minimum. */
export function eth_check(len: i32): Counter {
  return len < ETH_HEADER_BYTES ? Counter.eth_rx_runt : Counter.OK;
}

@inline export function eth_type(frame: usize): u32 {
  return get16(frame + ETH_TYPE);
}

@inline export function eth_is_broadcast(addr: usize): bool {
  return load<u32>(addr) == 0xffffffff && load<u16>(addr + 4) == 0xffff;
}

@inline export function eth_is_multicast(addr: usize): bool {
  return (load<u8>(addr) & 1) != 0;
}

/** True when a tag is present and the 4 tag bytes plus the inner type fit in len. */
export function vlan_check(frame: usize, len: i32): Counter {
  return len < ETH_HEADER_BYTES + VLAN_TAG_BYTES ? Counter.eth_rx_runt : Counter.OK;
}

/** VLAN ID of the tag that follows the outer type field. */
@inline export function vlan_id(frame: usize): u32 {
  return get16(frame + ETH_TYPE + 2) & 0x0fff;
}

/** Type field after the first tag. */
@inline export function vlan_inner_type(frame: usize): u32 {
  return get16(frame + ETH_TYPE + 4);
}

/**
 * A second tag follows the first: an outer S-tag (0x88A8, 802.1ad) or a stacked 0x8100 whose
 * inner type is itself a tag type. Call after vlan_check (only the first tag is read).
 */
export function vlan_is_double(frame: usize): bool {
  const outer = eth_type(frame);
  if (outer == ETHERTYPE_QINQ) return true;
  const inner = vlan_inner_type(frame);
  return outer == ETHERTYPE_VLAN && (inner == ETHERTYPE_VLAN || inner == ETHERTYPE_QINQ);
}

/** Writes a 0x8100 tag with PCP 0, DEI 0 and vid at the type field (the addresses stay). */
export function vlan_emit(frame: usize, vid: u32): void {
  put16(frame + ETH_TYPE, ETHERTYPE_VLAN);
  put16(frame + ETH_TYPE + 2, vid & 0x0fff);
}

export function eth_emit(frame: usize, dst: usize, src: usize, type: u32): void {
  copy(frame + ETH_DST, dst, ETH_ADDR_BYTES);
  copy(frame + ETH_SRC, src, ETH_ADDR_BYTES);
  put16(frame + ETH_TYPE, type);
}

export function eth_emit_broadcast_dst(frame: usize): void {
  fill(frame + ETH_DST, 0xff, ETH_ADDR_BYTES);
}

/** IPv4 multicast group -> 01:00:5e + low 23 bits (RFC 1112 6.4). */
export function eth_emit_multicast_dst(frame: usize, group: u32): void {
  store<u8>(frame, 0x01);
  store<u8>(frame, 0x00, 1);
  store<u8>(frame, 0x5e, 2);
  store<u8>(frame, <u8>((group >> 16) & 0x7f), 3);
  store<u8>(frame, <u8>(group >> 8), 4);
  store<u8>(frame, <u8>group, 5);
}
