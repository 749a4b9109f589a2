import { Counter } from "../../../assembly/lib/counters";
import {
  eth_check, eth_emit, eth_emit_broadcast_dst, eth_emit_multicast_dst, eth_emit_tag, eth_header_bytes, eth_is_broadcast,
  eth_is_multicast, eth_payload_type, eth_tag_count, eth_tag_type, eth_tag_vid, eth_tags_check, eth_type,
  ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_QINQ, ETHERTYPE_VLAN,
} from "../../../assembly/wire/ethernet";
import { first_difference, ip4, prefilled } from "../helpers/bytes";

// 52:54:00:12:34:56 -> 02:00:00:00:00:01, IPv4.
const UNTAGGED = memory.data<u8>([
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x00,
]);
// Broadcast, 802.1Q tag PCP 5, DEI 0, VID 100 (TCI 0xa064), inner type ARP.
const TAGGED = memory.data<u8>([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
  0x81, 0x00, 0xa0, 0x64, 0x08, 0x06,
]);
// VID 4095 with DEI set (TCI 0x1fff): the ID keeps 12 bits only.
const TAGGED_MAX_VID = memory.data<u8>([
  0x01, 0x00, 0x5e, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
  0x81, 0x00, 0x1f, 0xff, 0x08, 0x00,
]);
// QinQ: S-tag PCP 3 VID 10 (TCI 0x600a), then C-tag VID 20, IPv4.
const QINQ = memory.data<u8>([
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
  0x88, 0xa8, 0x60, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x00,
]);
// Two stacked 0x8100 tags (pre-802.1ad QinQ): VID 200 outside, VID 100 inside, ARP.
const STACKED = memory.data<u8>([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
  0x81, 0x00, 0x00, 0xc8, 0x81, 0x00, 0x00, 0x64, 0x08, 0x06,
]);
// Three tags: S-tag 10, C-tag 20, C-tag 30, IPv4.
const TRIPLE = memory.data<u8>([
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
  0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x81, 0x00, 0x00, 0x1e, 0x08, 0x00,
]);

describe("ethernet header", () => {
  it("reads an untagged frame", () => {
    expect<Counter>(eth_check(14)).toBe(Counter.OK);
    expect<u32>(eth_type(UNTAGGED)).toBe(ETHERTYPE_IPV4);
    expect<bool>(eth_is_broadcast(UNTAGGED)).toBe(false);
    expect<bool>(eth_is_multicast(UNTAGGED)).toBe(false);
    expect<bool>(eth_is_multicast(UNTAGGED + 6)).toBe(false);
  });

  it("rejects a frame shorter than the header as a runt", () => {
    expect<Counter>(eth_check(13)).toBe(Counter.eth_rx_runt);
    expect<Counter>(eth_check(0)).toBe(Counter.eth_rx_runt);
  });

  it("reads an untagged frame as no tags, its type after the addresses", () => {
    expect<Counter>(eth_tags_check(UNTAGGED, 14)).toBe(Counter.OK);
    expect<i32>(eth_tag_count(UNTAGGED)).toBe(0);
    expect<u32>(eth_payload_type(UNTAGGED, 0)).toBe(ETHERTYPE_IPV4);
    expect<i32>(eth_header_bytes(0)).toBe(14);
  });

  it("reads an 802.1Q tag: VLAN id without PCP/DEI, and the inner type", () => {
    expect<u32>(eth_type(TAGGED)).toBe(ETHERTYPE_VLAN);
    expect<Counter>(eth_tags_check(TAGGED, 18)).toBe(Counter.OK);
    expect<i32>(eth_tag_count(TAGGED)).toBe(1);
    expect<u32>(eth_tag_type(TAGGED, 0)).toBe(ETHERTYPE_VLAN);
    expect<u32>(eth_tag_vid(TAGGED, 0)).toBe(100);
    expect<u32>(eth_payload_type(TAGGED, 1)).toBe(ETHERTYPE_ARP);
    expect<i32>(eth_header_bytes(1)).toBe(18);
    expect<bool>(eth_is_broadcast(TAGGED)).toBe(true);
    expect<bool>(eth_is_multicast(TAGGED)).toBe(true);
  });

  it("masks VLAN id 4095 out of a TCI with DEI set", () => {
    expect<u32>(eth_tag_vid(TAGGED_MAX_VID, 0)).toBe(4095);
    expect<u32>(eth_payload_type(TAGGED_MAX_VID, 1)).toBe(ETHERTYPE_IPV4);
    expect<bool>(eth_is_multicast(TAGGED_MAX_VID)).toBe(true);
    expect<bool>(eth_is_broadcast(TAGGED_MAX_VID)).toBe(false);
  });

  it("rejects a tagged frame cut inside the tag or inner type", () => {
    expect<Counter>(eth_tags_check(TAGGED, 17)).toBe(Counter.eth_rx_runt);
    expect<Counter>(eth_tags_check(TAGGED, 14)).toBe(Counter.eth_rx_runt);
  });

  it("reads QinQ: the S-tag (0x88A8) outside, then the C-tag, then the type", () => {
    expect<Counter>(eth_tags_check(QINQ, 22)).toBe(Counter.OK);
    expect<i32>(eth_tag_count(QINQ)).toBe(2);
    expect<u32>(eth_tag_type(QINQ, 0)).toBe(ETHERTYPE_QINQ);
    expect<u32>(eth_tag_vid(QINQ, 0)).toBe(10);
    expect<u32>(eth_tag_type(QINQ, 1)).toBe(ETHERTYPE_VLAN);
    expect<u32>(eth_tag_vid(QINQ, 1)).toBe(20);
    expect<u32>(eth_payload_type(QINQ, 2)).toBe(ETHERTYPE_IPV4);
    expect<i32>(eth_header_bytes(2)).toBe(22);
  });

  it("reads two stacked 0x8100 tags as QinQ too", () => {
    expect<Counter>(eth_tags_check(STACKED, 22)).toBe(Counter.OK);
    expect<i32>(eth_tag_count(STACKED)).toBe(2);
    expect<u32>(eth_tag_vid(STACKED, 0)).toBe(200);
    expect<u32>(eth_tag_vid(STACKED, 1)).toBe(100);
    expect<u32>(eth_payload_type(STACKED, 2)).toBe(ETHERTYPE_ARP);
  });

  it("rejects a double-tagged frame cut inside the inner tag or the type after it", () => {
    for (let len = 18; len < 22; len++) expect<Counter>(eth_tags_check(QINQ, len)).toBe(Counter.eth_rx_runt);
    expect<Counter>(eth_tags_check(QINQ, 17)).toBe(Counter.eth_rx_runt);
  });

  it("refuses a third tag, however long the frame", () => {
    expect<Counter>(eth_tags_check(TRIPLE, 26)).toBe(Counter.eth_rx_qinq_triple);
    expect<Counter>(eth_tags_check(TRIPLE, 22)).toBe(Counter.eth_rx_qinq_triple);
  });

  it("does not take an almost-broadcast address for broadcast", () => {
    const addr = memory.data<u8>([0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
    expect<bool>(eth_is_broadcast(addr)).toBe(false);
    const addr2 = memory.data<u8>([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect<bool>(eth_is_broadcast(addr2)).toBe(false);
    expect<bool>(eth_is_multicast(addr2)).toBe(false);
  });
});

describe("ethernet emit", () => {
  it("builds the untagged header byte for byte, touching nothing after it", () => {
    const buf = prefilled(20);
    eth_emit(buf, UNTAGGED, UNTAGGED + 6, ETHERTYPE_IPV4);
    expect<i32>(first_difference(buf, UNTAGGED, 14)).toBe(-1);
    expect<u32>(load<u8>(buf + 14)).toBe(0xa5);
    expect<u32>(eth_type(buf)).toBe(ETHERTYPE_IPV4);
  });

  it("keeps a destination written in place (source of the copy is the frame itself)", () => {
    const buf = prefilled(20);
    memory.copy(buf, UNTAGGED, 6);
    eth_emit(buf, buf, UNTAGGED + 6, ETHERTYPE_IPV4);
    expect<i32>(first_difference(buf, UNTAGGED, 14)).toBe(-1);
  });

  it("writes the broadcast destination only", () => {
    const buf = prefilled(8);
    eth_emit_broadcast_dst(buf);
    expect<bool>(eth_is_broadcast(buf)).toBe(true);
    expect<u32>(load<u8>(buf + 6)).toBe(0xa5);
  });

  it("maps IPv4 groups to 01:00:5e plus the low 23 bits", () => {
    const buf = prefilled(8);
    eth_emit_multicast_dst(buf, ip4(224, 0, 0, 251));
    expect<i32>(first_difference(buf, memory.data<u8>([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb, 0xa5]), 7)).toBe(-1);
    eth_emit_multicast_dst(buf, ip4(239, 255, 255, 250));
    expect<i32>(first_difference(buf, memory.data<u8>([0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa, 0xa5]), 7)).toBe(-1);
    // 224.128.0.1 and 224.0.0.1 share a MAC: the 24th bit is dropped.
    eth_emit_multicast_dst(buf, ip4(224, 128, 0, 1));
    expect<i32>(first_difference(buf, memory.data<u8>([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]), 6)).toBe(-1);
  });

  it("writes an S-tag and a C-tag in place, PCP and DEI 0, the type after them untouched", () => {
    const buf = prefilled(24);
    memory.copy(buf, QINQ, 22);
    eth_emit_tag(buf, 0, ETHERTYPE_QINQ, 0xf00a); // only 12 bits of the VID are kept
    eth_emit_tag(buf, 1, ETHERTYPE_VLAN, 20);
    const expected = memory.data<u8>([0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x00, 0xa5]);
    expect<i32>(first_difference(buf + 12, expected, 11)).toBe(-1);
    expect<i32>(first_difference(buf, QINQ, 12)).toBe(-1);
  });
});
