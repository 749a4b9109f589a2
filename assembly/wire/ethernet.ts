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

// Tag stack (802.1Q 9.5; 802.1ad adds the S-tag TPID 0x88A8). Tags are numbered from the outside
// in: tag 0 follows the source address, tag 1 follows tag 0. Once eth_tags_check has passed,
// eth_tag_count, eth_tag_type, eth_tag_vid and eth_payload_type read inside len.

/** Most tags a frame may carry: a C-tag, and an S-tag outside it (QinQ). */
@inline export const ETH_TAGS_MAX: i32 = 2;

@inline export function eth_is_tag_type(type: u32): bool {
  return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ;
}

/**
 * Checks the tag stack of a frame that passed eth_check: every tag and the type after the last
 * fit in len (else eth_rx_runt) and there are at most ETH_TAGS_MAX (else eth_rx_qinq_triple).
 */
export function eth_tags_check(frame: usize, len: i32): Counter {
  let at = <i32>ETH_TYPE;
  for (let tags = 0; eth_is_tag_type(get16(frame + <usize>at)); tags++) {
    if (tags == ETH_TAGS_MAX) return Counter.eth_rx_qinq_triple;
    if (len < at + VLAN_TAG_BYTES + 2) return Counter.eth_rx_runt;
    at += VLAN_TAG_BYTES;
  }
  return Counter.OK;
}

/** Tags in front of the payload type, 0..ETH_TAGS_MAX. Call after eth_tags_check. */
export function eth_tag_count(frame: usize): i32 {
  let tags = 0;
  while (tags < ETH_TAGS_MAX && eth_is_tag_type(eth_tag_type(frame, tags))) tags++;
  return tags;
}

/** TPID of tag index (0x8100 C-tag, 0x88A8 S-tag). */
@inline export function eth_tag_type(frame: usize, index: i32): u32 {
  return get16(frame + ETH_TYPE + <usize>(index * VLAN_TAG_BYTES));
}

/** VLAN ID of tag index (the TCI without PCP and DEI). */
@inline export function eth_tag_vid(frame: usize, index: i32): u32 {
  return get16(frame + ETH_TYPE + 2 + <usize>(index * VLAN_TAG_BYTES)) & 0x0fff;
}

/** Type field after the last of tags tags. */
@inline export function eth_payload_type(frame: usize, tags: i32): u32 {
  return eth_tag_type(frame, tags);
}

/** Header bytes (addresses, tags, type) in front of the payload. */
@inline export function eth_header_bytes(tags: i32): i32 {
  return ETH_HEADER_BYTES + tags * VLAN_TAG_BYTES;
}

/** Writes tag index with TPID tpid, PCP 0, DEI 0 and vid (the addresses stay). */
export function eth_emit_tag(frame: usize, index: i32, tpid: u32, vid: u32): void {
  const at = frame + ETH_TYPE + <usize>(index * VLAN_TAG_BYTES);
  put16(at, tpid);
  put16(at + 2, vid & 0x0fff);
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
