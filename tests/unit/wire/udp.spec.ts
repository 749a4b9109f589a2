import { Counter } from "../../../assembly/lib/counters";
import { udp_check, udp_dst_port, udp_emit, udp_length, udp_src_port } from "../../../assembly/wire/udp";
import { clone, first_difference, ip4, prefilled } from "../helpers/bytes";

const PEER = ip4(192, 0, 2, 10);
const US = ip4(192, 0, 2, 2);

// 192.0.2.10:5000 -> 192.0.2.2:7, "hello", checksum 0x2466.
const HELLO = memory.data<u8>([
  0x13, 0x88, 0x00, 0x07, 0x00, 0x0d, 0x24, 0x66, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
]);
// Same ports, payload 0x683e, length 10: the computed checksum is 0, so it is sent as 0xffff.
const ALL_ONES = memory.data<u8>([0x13, 0x88, 0x00, 0x07, 0x00, 0x0a, 0xff, 0xff, 0x68, 0x3e]);

function check_with(offset: usize, value: u8, len: i32): Counter {
  const buf = clone(HELLO, 13);
  store<u8>(buf + offset, value);
  return udp_check(buf, len, PEER, US);
}

describe("udp view", () => {
  it("accepts and deconstructs a datagram", () => {
    expect<Counter>(udp_check(HELLO, 13, PEER, US)).toBe(Counter.OK);
    expect<u32>(udp_src_port(HELLO)).toBe(5000);
    expect<u32>(udp_dst_port(HELLO)).toBe(7);
    expect<i32>(udp_length(HELLO)).toBe(13);
  });

  it("ignores IP payload bytes after the UDP length", () => {
    const buf = prefilled(20);
    memory.copy(buf, HELLO, 13);
    expect<Counter>(udp_check(buf, 20, PEER, US)).toBe(Counter.OK);
  });

  it("rejects fewer than 8 bytes as short", () => {
    expect<Counter>(udp_check(HELLO, 7, PEER, US)).toBe(Counter.udp_rx_short);
    expect<Counter>(udp_check(HELLO, 0, PEER, US)).toBe(Counter.udp_rx_short);
  });

  it("rejects a length field below 8", () => {
    expect<Counter>(check_with(5, 7, 13)).toBe(Counter.udp_rx_bad_length);
    expect<Counter>(check_with(5, 0, 13)).toBe(Counter.udp_rx_bad_length);
  });

  it("rejects a length field beyond the bytes present", () => {
    expect<Counter>(udp_check(HELLO, 12, PEER, US)).toBe(Counter.udp_rx_bad_length);
    expect<Counter>(check_with(5, 14, 13)).toBe(Counter.udp_rx_bad_length);
    expect<Counter>(check_with(4, 0xff, 13)).toBe(Counter.udp_rx_bad_length);
  });

  it("rejects a corrupted payload or header by checksum", () => {
    expect<Counter>(check_with(12, 0x70, 13)).toBe(Counter.udp_rx_bad_checksum);
    expect<Counter>(check_with(1, 0x89, 13)).toBe(Counter.udp_rx_bad_checksum);
  });

  it("covers the pseudo-header: wrong addresses fail the checksum", () => {
    expect<Counter>(udp_check(HELLO, 13, PEER, ip4(192, 0, 2, 3))).toBe(Counter.udp_rx_bad_checksum);
    expect<Counter>(udp_check(HELLO, 13, ip4(192, 0, 2, 11), US)).toBe(Counter.udp_rx_bad_checksum);
  });

  it("covers only the UDP length, not trailing IP bytes", () => {
    // The length field says 12: "hell", whose checksum differs from the stored one.
    expect<Counter>(check_with(5, 12, 13)).toBe(Counter.udp_rx_bad_checksum);
  });

  it("accepts a zero checksum (not computed) whatever the payload", () => {
    const buf = clone(HELLO, 13);
    store<u16>(buf + 6, 0);
    store<u8>(buf + 12, 0x00);
    expect<Counter>(udp_check(buf, 13, PEER, US)).toBe(Counter.OK);
  });

  it("accepts an all-ones checksum that stands for zero", () => {
    expect<Counter>(udp_check(ALL_ONES, 10, PEER, US)).toBe(Counter.OK);
  });
});

describe("udp emit", () => {
  it("builds a datagram byte for byte and parses it back", () => {
    const buf = prefilled(16);
    memory.copy(buf + 8, HELLO + 8, 5);
    udp_emit(buf, 5, 5000, 7, PEER, US);
    expect<i32>(first_difference(buf, HELLO, 13)).toBe(-1);
    expect<u32>(load<u8>(buf + 13)).toBe(0xa5);
    expect<Counter>(udp_check(buf, 13, PEER, US)).toBe(Counter.OK);
  });

  it("sends a computed zero checksum as 0xffff", () => {
    const buf = prefilled(12);
    memory.copy(buf + 8, ALL_ONES + 8, 2);
    udp_emit(buf, 2, 5000, 7, PEER, US);
    expect<i32>(first_difference(buf, ALL_ONES, 10)).toBe(-1);
  });

  it("builds an empty datagram", () => {
    const buf = prefilled(12);
    udp_emit(buf, 0, 49152, 53, US, PEER);
    expect<i32>(udp_length(buf)).toBe(8);
    expect<u32>(load<u8>(buf + 8)).toBe(0xa5);
    expect<Counter>(udp_check(buf, 8, US, PEER)).toBe(Counter.OK);
    expect<u32>(load<u16>(buf + 6)).not.toBe(0);
  });
});
