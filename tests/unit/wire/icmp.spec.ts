import { Counter } from "../../../assembly/lib/counters";
import {
  icmp_check, icmp_code, icmp_echo_ident, icmp_echo_sequence, icmp_emit, icmp_emit_echo_header, icmp_emit_echo_reply_header, icmp_is_error,
  icmp_type, ICMP_DEST_UNREACHABLE, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_TIME_EXCEEDED, ICMP_UNREACH_PORT,
} from "../../../assembly/wire/icmp";
import { clone, first_difference, prefilled } from "../helpers/bytes";

// Echo request id 0x1234 seq 1, data "abcd", checksum 0x2104.
const ECHO_REQUEST = memory.data<u8>([0x08, 0x00, 0x21, 0x04, 0x12, 0x34, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64]);
// Its reply: type 0, checksum 0x2904.
const ECHO_REPLY = memory.data<u8>([0x00, 0x00, 0x29, 0x04, 0x12, 0x34, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64]);
// Port unreachable (checksum 0x8128) quoting a UDP datagram 192.0.2.10:5000 -> 192.0.2.2:7
// "hello" (IP header + 13 UDP bytes). 41 bytes: an odd length.
const PORT_UNREACHABLE = memory.data<u8>([
  0x03, 0x03, 0x81, 0x28, 0x00, 0x00, 0x00, 0x00,
  0x45, 0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xf6, 0xbe,
  0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02, 0x02,
  0x13, 0x88, 0x00, 0x07, 0x00, 0x0d, 0x24, 0x66, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
]);

describe("icmp view", () => {
  it("accepts and deconstructs an echo request", () => {
    expect<Counter>(icmp_check(ECHO_REQUEST, 12)).toBe(Counter.OK);
    expect<u32>(icmp_type(ECHO_REQUEST)).toBe(ICMP_ECHO_REQUEST);
    expect<u32>(icmp_code(ECHO_REQUEST)).toBe(0);
    expect<u32>(icmp_echo_ident(ECHO_REQUEST)).toBe(0x1234);
    expect<u32>(icmp_echo_sequence(ECHO_REQUEST)).toBe(1);
  });

  it("accepts an odd-length message", () => {
    expect<Counter>(icmp_check(PORT_UNREACHABLE, 41)).toBe(Counter.OK);
    expect<u32>(icmp_type(PORT_UNREACHABLE)).toBe(ICMP_DEST_UNREACHABLE);
    expect<u32>(icmp_code(PORT_UNREACHABLE)).toBe(ICMP_UNREACH_PORT);
  });

  it("rejects fewer than 8 bytes as short", () => {
    expect<Counter>(icmp_check(ECHO_REQUEST, 7)).toBe(Counter.icmp_rx_short);
    expect<Counter>(icmp_check(ECHO_REQUEST, 0)).toBe(Counter.icmp_rx_short);
  });

  it("rejects corrupted data, header or truncation by checksum", () => {
    const buf = clone(ECHO_REQUEST, 12);
    store<u8>(buf + 11, 0x65);
    expect<Counter>(icmp_check(buf, 12)).toBe(Counter.icmp_rx_bad_checksum);
    const buf2 = clone(ECHO_REQUEST, 12);
    store<u8>(buf2 + 7, 0x02);
    expect<Counter>(icmp_check(buf2, 12)).toBe(Counter.icmp_rx_bad_checksum);
    expect<Counter>(icmp_check(ECHO_REQUEST, 11)).toBe(Counter.icmp_rx_bad_checksum);
    expect<Counter>(icmp_check(PORT_UNREACHABLE, 40)).toBe(Counter.icmp_rx_bad_checksum);
  });

  it("classifies error messages", () => {
    expect<bool>(icmp_is_error(ICMP_DEST_UNREACHABLE)).toBe(true);
    expect<bool>(icmp_is_error(ICMP_TIME_EXCEEDED)).toBe(true);
    expect<bool>(icmp_is_error(4)).toBe(true); // source quench
    expect<bool>(icmp_is_error(5)).toBe(true); // redirect
    expect<bool>(icmp_is_error(12)).toBe(true); // parameter problem
    expect<bool>(icmp_is_error(ICMP_ECHO_REQUEST)).toBe(false);
    expect<bool>(icmp_is_error(ICMP_ECHO_REPLY)).toBe(false);
    expect<bool>(icmp_is_error(13)).toBe(false); // timestamp
  });
});

describe("icmp emit", () => {
  it("turns an echo request into its reply byte for byte, the data read where it lies", () => {
    const buf = prefilled(16);
    memory.copy(buf, ECHO_REQUEST, 8);
    memory.copy(buf + 8, ECHO_REQUEST + 8, 4);
    icmp_emit_echo_reply_header(buf, ECHO_REQUEST + 8, 4);
    expect<i32>(first_difference(buf, ECHO_REPLY, 12)).toBe(-1);
    expect<u32>(load<u8>(buf + 12)).toBe(0xa5);
    expect<Counter>(icmp_check(buf, 12)).toBe(Counter.OK);
    expect<u32>(icmp_echo_ident(buf)).toBe(0x1234);
  });

  it("writes an echo request header whose checksum covers data kept elsewhere", () => {
    const buf = prefilled(12);
    icmp_emit_echo_header(buf, ICMP_ECHO_REQUEST, 0x12340001, ECHO_REQUEST + 8, 4);
    expect<i32>(first_difference(buf, ECHO_REQUEST, 8)).toBe(-1);
    expect<u32>(load<u8>(buf + 8)).toBe(0xa5);
  });

  it("builds a port unreachable over an odd-length quote", () => {
    const buf = prefilled(48);
    memory.copy(buf + 8, PORT_UNREACHABLE + 8, 33);
    icmp_emit(buf, 41, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, 0);
    expect<i32>(first_difference(buf, PORT_UNREACHABLE, 41)).toBe(-1);
    expect<u32>(load<u8>(buf + 41)).toBe(0xa5);
    expect<Counter>(icmp_check(buf, 41)).toBe(Counter.OK);
  });

  it("writes the rest-of-header word in network order", () => {
    const buf = prefilled(16);
    memory.fill(buf + 8, 0, 8);
    icmp_emit(buf, 16, ICMP_DEST_UNREACHABLE, 4, 0x000005dc); // fragmentation needed, MTU 1500
    expect<i32>(first_difference(buf + 4, memory.data<u8>([0x00, 0x00, 0x05, 0xdc]), 4)).toBe(-1);
    expect<Counter>(icmp_check(buf, 16)).toBe(Counter.OK);
  });
});
