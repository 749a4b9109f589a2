import { Counter } from "../../../assembly/lib/counters";
import {
  ipv4_check, ipv4_dont_fragment, ipv4_dst, ipv4_emit, ipv4_frag_offset, ipv4_header_len, ipv4_ident,
  ipv4_is_fragment, ipv4_is_loopback, ipv4_is_multicast, ipv4_is_reserved, ipv4_is_this_network, ipv4_mask,
  ipv4_more_fragments, ipv4_protocol, ipv4_src, ipv4_total_len, ipv4_ttl, IP_PROTO_ICMP, IP_PROTO_IGMP, IP_PROTO_UDP,
} from "../../../assembly/wire/ipv4";
import { clone, first_difference, ip4, prefilled } from "../helpers/bytes";

// Echo request 192.0.2.10 -> 192.0.2.2: ident 0x1c46, DF, TTL 64, header checksum 0x9a8a;
// ICMP echo id 0x1234 seq 1, data "abcd". 32 bytes.
const ECHO = memory.data<u8>([
  0x45, 0x00, 0x00, 0x20, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x01, 0x9a, 0x8a,
  0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02, 0x02,
  0x08, 0x00, 0x21, 0x04, 0x12, 0x34, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64,
]);
// IHL 6 with a Router Alert option (94 04 00 00): IGMP to 224.0.0.22, TTL 1, total 28
// (4 payload bytes, which the header checksum does not cover).
const WITH_OPTION = memory.data<u8>([
  0x46, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0x00, 0x00, 0x01, 0x02, 0xd6, 0xed,
  0xc0, 0x00, 0x02, 0x0a, 0xe0, 0x00, 0x00, 0x16, 0x94, 0x04, 0x00, 0x00,
  0x22, 0x00, 0xf9, 0xf6,
]);
// A middle fragment: MF set, offset 185 (1480 bytes), total 1500 (header only here).
const FRAGMENT_HEADER = memory.data<u8>([
  0x45, 0x00, 0x05, 0xdc, 0x42, 0x42, 0x20, 0xb9, 0x40, 0x11, 0x8e, 0x09,
  0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02, 0x02,
]);

function check_with(offset: usize, value: u8, len: i32): Counter {
  const buf = clone(ECHO, 32);
  store<u8>(buf + offset, value);
  return ipv4_check(buf, len);
}

describe("ipv4 view", () => {
  it("accepts and deconstructs an echo request datagram", () => {
    expect<Counter>(ipv4_check(ECHO, 32)).toBe(Counter.OK);
    expect<i32>(ipv4_header_len(ECHO)).toBe(20);
    expect<i32>(ipv4_total_len(ECHO)).toBe(32);
    expect<u32>(ipv4_ident(ECHO)).toBe(0x1c46);
    expect<bool>(ipv4_dont_fragment(ECHO)).toBe(true);
    expect<bool>(ipv4_more_fragments(ECHO)).toBe(false);
    expect<i32>(ipv4_frag_offset(ECHO)).toBe(0);
    expect<bool>(ipv4_is_fragment(ECHO)).toBe(false);
    expect<u32>(ipv4_ttl(ECHO)).toBe(64);
    expect<u32>(ipv4_protocol(ECHO)).toBe(IP_PROTO_ICMP);
    expect<u32>(ipv4_src(ECHO)).toBe(ip4(192, 0, 2, 10));
    expect<u32>(ipv4_dst(ECHO)).toBe(ip4(192, 0, 2, 2));
  });

  it("accepts a header with options (IHL 6) and reports its length", () => {
    expect<Counter>(ipv4_check(WITH_OPTION, 28)).toBe(Counter.OK);
    expect<i32>(ipv4_header_len(WITH_OPTION)).toBe(24);
    expect<u32>(ipv4_protocol(WITH_OPTION)).toBe(IP_PROTO_IGMP);
    expect<u32>(ipv4_dst(WITH_OPTION)).toBe(ip4(224, 0, 0, 22));
  });

  it("checksums the options too", () => {
    const buf = clone(WITH_OPTION, 28);
    store<u8>(buf + 22, 0x01);
    expect<Counter>(ipv4_check(buf, 28)).toBe(Counter.ipv4_rx_bad_checksum);
  });

  it("accepts trailing Ethernet padding after the datagram", () => {
    const buf = prefilled(46);
    memory.copy(buf, ECHO, 32);
    memory.fill(buf + 32, 0, 14);
    expect<Counter>(ipv4_check(buf, 46)).toBe(Counter.OK);
    expect<i32>(ipv4_total_len(buf)).toBe(32);
  });

  it("reads fragment flags and offset", () => {
    // Only the header is here: the 1500-byte total length is not backed by bytes.
    expect<Counter>(ipv4_check(FRAGMENT_HEADER, 20)).toBe(Counter.ipv4_rx_bad_total_length);
    expect<bool>(ipv4_more_fragments(FRAGMENT_HEADER)).toBe(true);
    expect<bool>(ipv4_dont_fragment(FRAGMENT_HEADER)).toBe(false);
    expect<i32>(ipv4_frag_offset(FRAGMENT_HEADER)).toBe(1480);
    expect<bool>(ipv4_is_fragment(FRAGMENT_HEADER)).toBe(true);
    expect<u32>(ipv4_protocol(FRAGMENT_HEADER)).toBe(IP_PROTO_UDP);
    // The last fragment: MF clear, offset still set.
    const buf = clone(FRAGMENT_HEADER, 20);
    store<u8>(buf + 6, 0x00);
    expect<bool>(ipv4_is_fragment(buf)).toBe(true);
    store<u8>(buf + 7, 0x00);
    expect<bool>(ipv4_is_fragment(buf)).toBe(false);
  });

  it("rejects fewer than 20 bytes as short", () => {
    expect<Counter>(ipv4_check(ECHO, 19)).toBe(Counter.ipv4_rx_short);
    expect<Counter>(ipv4_check(ECHO, 0)).toBe(Counter.ipv4_rx_short);
  });

  it("rejects a version other than 4", () => {
    expect<Counter>(check_with(0, 0x65, 32)).toBe(Counter.ipv4_rx_bad_version);
    expect<Counter>(check_with(0, 0x05, 32)).toBe(Counter.ipv4_rx_bad_version);
  });

  it("rejects IHL below 5", () => {
    expect<Counter>(check_with(0, 0x44, 32)).toBe(Counter.ipv4_rx_bad_header_length);
    expect<Counter>(check_with(0, 0x40, 32)).toBe(Counter.ipv4_rx_bad_header_length);
  });

  it("rejects IHL that reaches past the bytes present", () => {
    // IHL 15 = 60 bytes, only 32 present.
    expect<Counter>(check_with(0, 0x4f, 32)).toBe(Counter.ipv4_rx_bad_header_length);
    // IHL 6 = 24 bytes with only 22 present.
    expect<Counter>(ipv4_check(WITH_OPTION, 22)).toBe(Counter.ipv4_rx_bad_header_length);
  });

  it("rejects a total length below the header length", () => {
    expect<Counter>(check_with(3, 19, 32)).toBe(Counter.ipv4_rx_bad_total_length);
    expect<Counter>(check_with(3, 0, 32)).toBe(Counter.ipv4_rx_bad_total_length);
    // With options: total 20 < IHL 24.
    const buf = clone(WITH_OPTION, 28);
    store<u8>(buf + 3, 20);
    expect<Counter>(ipv4_check(buf, 28)).toBe(Counter.ipv4_rx_bad_total_length);
  });

  it("rejects a total length beyond the bytes present (truncated datagram)", () => {
    expect<Counter>(ipv4_check(ECHO, 31)).toBe(Counter.ipv4_rx_bad_total_length);
    expect<Counter>(ipv4_check(ECHO, 20)).toBe(Counter.ipv4_rx_bad_total_length);
    expect<Counter>(check_with(2, 0x01, 32)).toBe(Counter.ipv4_rx_bad_total_length); // 288
  });

  it("rejects a corrupted header by its checksum", () => {
    expect<Counter>(check_with(15, 0x0b, 32)).toBe(Counter.ipv4_rx_bad_checksum); // source .11
    expect<Counter>(check_with(8, 0x3f, 32)).toBe(Counter.ipv4_rx_bad_checksum); // TTL
    expect<Counter>(check_with(11, 0x8b, 32)).toBe(Counter.ipv4_rx_bad_checksum); // checksum itself
  });

  it("does not checksum the payload", () => {
    expect<Counter>(check_with(31, 0x00, 32)).toBe(Counter.OK);
  });
});

describe("ipv4 emit", () => {
  it("builds the echo request header byte for byte and parses it back", () => {
    const buf = prefilled(36);
    memory.copy(buf + 20, ECHO + 20, 12);
    ipv4_emit(buf, 32, 0x1c46, true, 64, IP_PROTO_ICMP, ip4(192, 0, 2, 10), ip4(192, 0, 2, 2));
    expect<i32>(first_difference(buf, ECHO, 32)).toBe(-1);
    expect<u32>(load<u8>(buf + 32)).toBe(0xa5);
    expect<Counter>(ipv4_check(buf, 32)).toBe(Counter.OK);
  });

  it("writes only 20 bytes and a valid checksum without DF", () => {
    const buf = prefilled(24);
    ipv4_emit(buf, 20, 0xffff, false, 255, IP_PROTO_UDP, ip4(198, 51, 100, 1), ip4(255, 255, 255, 255));
    expect<u32>(load<u8>(buf + 20)).toBe(0xa5);
    expect<Counter>(ipv4_check(buf, 20)).toBe(Counter.OK);
    expect<bool>(ipv4_dont_fragment(buf)).toBe(false);
    expect<bool>(ipv4_is_fragment(buf)).toBe(false);
    expect<u32>(ipv4_ident(buf)).toBe(0xffff);
    expect<u32>(ipv4_ttl(buf)).toBe(255);
    expect<u32>(ipv4_dst(buf)).toBe(0xffffffff);
  });
});

describe("ipv4 address classes", () => {
  it("computes masks from prefix lengths", () => {
    expect<u32>(ipv4_mask(0)).toBe(0);
    expect<u32>(ipv4_mask(1)).toBe(0x80000000);
    expect<u32>(ipv4_mask(24)).toBe(0xffffff00);
    expect<u32>(ipv4_mask(31)).toBe(0xfffffffe);
    expect<u32>(ipv4_mask(32)).toBe(0xffffffff);
  });

  it("classifies special ranges at their edges", () => {
    expect<bool>(ipv4_is_multicast(ip4(224, 0, 0, 0))).toBe(true);
    expect<bool>(ipv4_is_multicast(ip4(239, 255, 255, 255))).toBe(true);
    expect<bool>(ipv4_is_multicast(ip4(223, 255, 255, 255))).toBe(false);
    expect<bool>(ipv4_is_multicast(ip4(240, 0, 0, 0))).toBe(false);
    expect<bool>(ipv4_is_reserved(ip4(240, 0, 0, 0))).toBe(true);
    expect<bool>(ipv4_is_reserved(ip4(255, 255, 255, 254))).toBe(true);
    expect<bool>(ipv4_is_reserved(0xffffffff)).toBe(false);
    expect<bool>(ipv4_is_loopback(ip4(127, 255, 0, 1))).toBe(true);
    expect<bool>(ipv4_is_loopback(ip4(128, 0, 0, 1))).toBe(false);
    expect<bool>(ipv4_is_this_network(ip4(0, 1, 2, 3))).toBe(true);
    expect<bool>(ipv4_is_this_network(ip4(1, 0, 0, 0))).toBe(false);
  });
});
