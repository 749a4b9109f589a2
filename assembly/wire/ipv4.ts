// IPv4 header (RFC 791).
//
//   0        1       2          4        6              8     9       10        12    16    20
//   | ver/ihl | tos  | total len | ident  | flags/offset | ttl | proto | checksum | src | dst | options...
import { get16, get32, put16, put32 } from "../lib/bytes";
import { checksum, finish } from "../lib/checksum";
import { Counter } from "../lib/counters";

@inline const VER_IHL: usize = 0;
@inline const TOS: usize = 1;
@inline const TOTAL_LENGTH: usize = 2;
@inline const IDENT: usize = 4;
@inline const FLAGS_OFFSET: usize = 6;
@inline const TTL: usize = 8;
@inline const PROTOCOL: usize = 9;
@inline const CHECKSUM: usize = 10;
@inline const SRC: usize = 12;
@inline const DST: usize = 16;
@inline export const IPV4_HEADER_BYTES: i32 = 20;

@inline export const IP_PROTO_ICMP: u32 = 1;
@inline export const IP_PROTO_IGMP: u32 = 2;
@inline export const IP_PROTO_TCP: u32 = 6;
@inline export const IP_PROTO_UDP: u32 = 17;

@inline const FLAG_DF: u32 = 0x4000;
@inline const FLAG_MF: u32 = 0x2000;
@inline const OFFSET_MASK: u32 = 0x1fff;

@inline export const IPV4_BROADCAST: u32 = 0xffffffff;

/**
 * Validates version, header length, total length against the bytes present (Ethernet may
 * pad after the datagram) and the header checksum.
 */
export function ipv4_check(ptr: usize, len: i32): Counter {
  if (len < IPV4_HEADER_BYTES) return Counter.ipv4_rx_short;
  const ver_ihl = load<u8>(ptr + VER_IHL);
  if (ver_ihl >> 4 != 4) return Counter.ipv4_rx_bad_version;
  const header_len = <i32>(ver_ihl & 0x0f) << 2;
  if (header_len < IPV4_HEADER_BYTES || header_len > len) return Counter.ipv4_rx_bad_header_length;
  const total = <i32>get16(ptr + TOTAL_LENGTH);
  if (total < header_len || total > len) return Counter.ipv4_rx_bad_total_length;
  if (checksum(ptr, header_len) != 0) return Counter.ipv4_rx_bad_checksum;
  return Counter.OK;
}

@inline export function ipv4_header_len(ptr: usize): i32 { return <i32>(load<u8>(ptr + VER_IHL) & 0x0f) << 2; }
@inline export function ipv4_total_len(ptr: usize): i32 { return <i32>get16(ptr + TOTAL_LENGTH); }
@inline export function ipv4_ident(ptr: usize): u32 { return get16(ptr + IDENT); }
@inline export function ipv4_dont_fragment(ptr: usize): bool { return (get16(ptr + FLAGS_OFFSET) & FLAG_DF) != 0; }
@inline export function ipv4_more_fragments(ptr: usize): bool { return (get16(ptr + FLAGS_OFFSET) & FLAG_MF) != 0; }
/** Fragment offset in bytes. */
@inline export function ipv4_frag_offset(ptr: usize): i32 { return <i32>(get16(ptr + FLAGS_OFFSET) & OFFSET_MASK) << 3; }
@inline export function ipv4_is_fragment(ptr: usize): bool { return (get16(ptr + FLAGS_OFFSET) & (FLAG_MF | OFFSET_MASK)) != 0; }
@inline export function ipv4_ttl(ptr: usize): u32 { return load<u8>(ptr + TTL); }
@inline export function ipv4_protocol(ptr: usize): u32 { return load<u8>(ptr + PROTOCOL); }
@inline export function ipv4_src(ptr: usize): u32 { return get32(ptr + SRC); }
@inline export function ipv4_dst(ptr: usize): u32 { return get32(ptr + DST); }

/** Computes the header checksum over the header length the header itself states. */
function set_header_checksum(ptr: usize): void {
  put16(ptr + CHECKSUM, 0);
  put16(ptr + CHECKSUM, checksum(ptr, ipv4_header_len(ptr)));
}

/** Writes an option-less header and its checksum. */
export function ipv4_emit(ptr: usize, total_len: i32, ident: u32, dont_fragment: bool, ttl: u32, protocol: u32, src: u32, dst: u32): void {
  store<u8>(ptr + VER_IHL, 0x45);
  store<u8>(ptr + TOS, 0);
  put16(ptr + TOTAL_LENGTH, <u32>total_len);
  put16(ptr + IDENT, ident);
  put16(ptr + FLAGS_OFFSET, dont_fragment ? FLAG_DF : 0);
  store<u8>(ptr + TTL, <u8>ttl);
  store<u8>(ptr + PROTOCOL, <u8>protocol);
  put32(ptr + SRC, src);
  put32(ptr + DST, dst);
  set_header_checksum(ptr);
}

/**
 * Turns the first fragment's header at ptr into the header of the reassembled datagram: total
 * length set, MF and offset cleared (DF kept), checksum redone.
 */
export function ipv4_set_reassembled(ptr: usize, total_len: i32): void {
  put16(ptr + TOTAL_LENGTH, <u32>total_len);
  put16(ptr + FLAGS_OFFSET, get16(ptr + FLAGS_OFFSET) & FLAG_DF);
  set_header_checksum(ptr);
}

/** The Router Alert option (RFC 2113 2.1): type 148, length 4, value 0 "examine packet". */
@inline export const IPV4_ROUTER_ALERT_BYTES: i32 = 4;

/** Appends Router Alert to a header ipv4_emit just wrote (total_len counted the option). */
export function ipv4_emit_router_alert(ptr: usize): void {
  store<u8>(ptr + VER_IHL, 0x46);
  store<u8>(ptr + <usize>IPV4_HEADER_BYTES, 0x94);
  store<u8>(ptr + <usize>IPV4_HEADER_BYTES + 1, <u8>IPV4_ROUTER_ALERT_BYTES);
  put16(ptr + <usize>IPV4_HEADER_BYTES + 2, 0);
  set_header_checksum(ptr);
}

/** An address that can name one host: not 0/8, loopback, multicast, reserved or the broadcast. */
export function ipv4_is_unicast(addr: u32): bool {
  return !(ipv4_is_this_network(addr) || ipv4_is_loopback(addr) || ipv4_is_multicast(addr) ||
    ipv4_is_reserved(addr) || addr == IPV4_BROADCAST);
}

/** 224.0.0.0/4 */
@inline export function ipv4_is_multicast(addr: u32): bool { return (addr >>> 28) == 0xe; }
/** 240.0.0.0/4 except the limited broadcast address. */
@inline export function ipv4_is_reserved(addr: u32): bool { return (addr >>> 28) == 0xf && addr != IPV4_BROADCAST; }
/** 127.0.0.0/8 must never appear on a wire (RFC 1122 3.2.1.3). */
@inline export function ipv4_is_loopback(addr: u32): bool { return (addr >>> 24) == 127; }
/** 0.0.0.0/8: "this network", valid only as a source while an address is being obtained. */
@inline export function ipv4_is_this_network(addr: u32): bool { return (addr >>> 24) == 0; }

@inline export function ipv4_mask(prefix: i32): u32 {
  return prefix == 0 ? 0 : 0xffffffff << <u32>(32 - prefix);
}

/**
 * Rewrites a copied header as one fragment: no options (IHL 5; only the first fragment may
 * carry them), total length, offset in bytes (a multiple of 8), MF, DF clear (RFC 791 3.2),
 * then the checksum.
 */
export function ipv4_emit_fragment(ptr: usize, total_len: i32, offset_bytes: i32, more: bool): void {
  store<u8>(ptr + VER_IHL, 0x45);
  put16(ptr + TOTAL_LENGTH, <u32>total_len);
  put16(ptr + FLAGS_OFFSET, (<u32>offset_bytes >> 3) | (more ? FLAG_MF : 0));
  set_header_checksum(ptr);
}

/** TTL less one with the checksum updated incrementally (RFC 1624 eqn. 3; RFC 1812 5.3.1). */
export function ipv4_decrement_ttl(ptr: usize): void {
  const old_word = get16(ptr + TTL);
  const new_word = old_word - 0x100;
  store<u8>(ptr + TTL, <u8>(new_word >> 8));
  // HC' = ~(~HC + ~m + m')
  put16(ptr + CHECKSUM, finish((~get16(ptr + CHECKSUM) & 0xffff) + (~old_word & 0xffff) + (new_word & 0xffff)));
}

/** 169.254.0.0/16, never forwarded (RFC 3927 7). */
@inline export function ipv4_is_link_local(addr: u32): bool { return (addr >>> 16) == 0xa9fe; }
