import { Counter } from "../../../assembly/lib/counters";
import {
  sack_left, sack_right, tcp_ack, tcp_check, tcp_dst_port, tcp_emit, tcp_emit_checksum, tcp_flags, tcp_header_len,
  tcp_options_emit, tcp_options_emit_syn, tcp_options_parse, tcp_seq, tcp_src_port, tcp_urgent, tcp_window,
  TcpOptions, TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_HEADER_BYTES, TCP_OPTIONS_MAX_BYTES, TCP_PSH, TCP_RST,
  TCP_SACK_BLOCKS_MAX, TCP_SYN, TCP_URG,
} from "../../../assembly/wire/tcp";
import { clone, first_difference, ip4, prefilled } from "../helpers/bytes";

const PEER = ip4(198, 51, 100, 7);
const US = ip4(203, 0, 113, 5);

// Segments built with an independent Python encoder; tcpdump -vv reports every checksum correct.
// A Linux-style SYN 198.51.100.7:40000 -> 203.0.113.5:80, seq 0x8a3c2e01, window 64240:
// MSS 1460, SACK_PERM, TS val 0x0123abcd ecr 0, NOP, WS 7.
const SYN = memory.data<u8>([
  0x9c, 0x40, 0x00, 0x50, 0x8a, 0x3c, 0x2e, 0x01, 0x00, 0x00, 0x00, 0x00,
  0xa0, 0x02, 0xfa, 0xf0, 0xe5, 0x0f, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
  0x04, 0x02, 0x08, 0x0a, 0x01, 0x23, 0xab, 0xcd, 0x00, 0x00, 0x00, 0x00,
  0x01, 0x03, 0x03, 0x07,
]);
// ACK|PSH data segment: seq 0x8a3c2e02 ack 0x1f2e3d4d window 502, NOP NOP TS (0x0123abcf, 0x5eed0001),
// payload "hello\n".
const DATA = memory.data<u8>([
  0x9c, 0x40, 0x00, 0x50, 0x8a, 0x3c, 0x2e, 0x02, 0x1f, 0x2e, 0x3d, 0x4d,
  0x80, 0x18, 0x01, 0xf6, 0x0d, 0x71, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
  0x01, 0x23, 0xab, 0xcf, 0x5e, 0xed, 0x00, 0x01, 0x68, 0x65, 0x6c, 0x6c,
  0x6f, 0x0a,
]);
// A pure ACK with NOP NOP SACK, one block [0x1f2e4000, 0x1f2e4400).
const SACK1 = memory.data<u8>([
  0x9c, 0x40, 0x00, 0x50, 0x8a, 0x3c, 0x2e, 0x08, 0x1f, 0x2e, 0x3d, 0x4d,
  0x80, 0x10, 0x01, 0xf6, 0x9d, 0xd9, 0x00, 0x00, 0x01, 0x01, 0x05, 0x0a,
  0x1f, 0x2e, 0x40, 0x00, 0x1f, 0x2e, 0x44, 0x00,
]);
// NOP NOP TS, then NOP NOP SACK with three blocks (the third wraps through 0): 40 option bytes.
const SACK3_TS = memory.data<u8>([
  0x9c, 0x40, 0x00, 0x50, 0x8a, 0x3c, 0x2e, 0x08, 0x1f, 0x2e, 0x3d, 0x4d,
  0xf0, 0x10, 0x01, 0xf6, 0x79, 0x61, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
  0x01, 0x23, 0xab, 0xd0, 0x5e, 0xed, 0x00, 0x02, 0x01, 0x01, 0x05, 0x1a,
  0x1f, 0x2e, 0x40, 0x00, 0x1f, 0x2e, 0x44, 0x00, 0x1f, 0x2e, 0x30, 0x00,
  0x1f, 0x2e, 0x32, 0x00, 0xff, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x01, 0x00,
]);
// NOP NOP SACK with four blocks, no timestamps: 36 option bytes.
const SACK4 = memory.data<u8>([
  0x9c, 0x40, 0x00, 0x50, 0x8a, 0x3c, 0x2e, 0x08, 0x1f, 0x2e, 0x3d, 0x4d,
  0xe0, 0x10, 0x01, 0xf6, 0xbf, 0xed, 0x00, 0x00, 0x01, 0x01, 0x05, 0x22,
  0x1f, 0x2e, 0x40, 0x00, 0x1f, 0x2e, 0x44, 0x00, 0x1f, 0x2e, 0x30, 0x00,
  0x1f, 0x2e, 0x32, 0x00, 0xff, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x01, 0x00,
  0x1f, 0x2e, 0x50, 0x00, 0x1f, 0x2e, 0x50, 0x01,
]);
// Our SYN-ACK 203.0.113.5:80 -> 198.51.100.7:40000, seq 0x5eed0000 ack 0x8a3c2e02, window 8192, MSS 1460.
const SYN_ACK = memory.data<u8>([
  0x00, 0x50, 0x9c, 0x40, 0x5e, 0xed, 0x00, 0x00, 0x8a, 0x3c, 0x2e, 0x02,
  0x60, 0x12, 0x20, 0x00, 0x5e, 0x19, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
]);
// FIN|PSH|ACK with the odd-length payload "bye" (the checksum pads it with a zero byte).
const FIN_DATA = memory.data<u8>([
  0x00, 0x50, 0x9c, 0x40, 0x1f, 0x2e, 0x3d, 0x4d, 0x8a, 0x3c, 0x2e, 0x08,
  0x50, 0x19, 0x20, 0x00, 0xb0, 0xbd, 0x00, 0x00, 0x62, 0x79, 0x65,
]);

// The SACK blocks of SACK4, host order, as the state machine keeps them (left, right pairs).
const BLOCKS = memory.data<u32>([
  0x1f2e4000, 0x1f2e4400, 0x1f2e3000, 0x1f2e3200, 0xfffffe00, 0x00000100, 0x1f2e5000, 0x1f2e5001,
  0x1f2e6000, 0x1f2e6001,
]);

const options = new TcpOptions();

// Option-list cases: the 20-byte header of SYN_ACK with the data offset rewritten, then the
// given option bytes (the parser reads no checksum, so none is recomputed).
const segment_area: usize = memory.data(TCP_HEADER_BYTES + TCP_OPTIONS_MAX_BYTES, 4);

function with_options(list: usize, len: i32): usize {
  assert((len & 3) == 0 && len <= TCP_OPTIONS_MAX_BYTES);
  memory.copy(segment_area, SYN_ACK, TCP_HEADER_BYTES);
  store<u8>(segment_area + 12, <u8>(((TCP_HEADER_BYTES + len) >> 2) << 4));
  memory.copy(segment_area + TCP_HEADER_BYTES, list, len);
  return segment_area;
}

function parses(list: usize, len: i32): bool {
  return tcp_options_parse(with_options(list, len), options);
}

function check_with(offset: usize, value: u8, len: i32): Counter {
  const buf = clone(DATA, 38);
  store<u8>(buf + offset, value);
  return tcp_check(buf, len, PEER, US);
}

describe("tcp view", () => {
  it("accepts and deconstructs a SYN", () => {
    expect<Counter>(tcp_check(SYN, 40, PEER, US)).toBe(Counter.OK);
    expect<u32>(tcp_src_port(SYN)).toBe(40000);
    expect<u32>(tcp_dst_port(SYN)).toBe(80);
    expect<u32>(tcp_seq(SYN)).toBe(0x8a3c2e01);
    expect<u32>(tcp_ack(SYN)).toBe(0);
    expect<i32>(tcp_header_len(SYN)).toBe(40);
    expect<u32>(tcp_flags(SYN)).toBe(TCP_SYN);
    expect<u32>(tcp_window(SYN)).toBe(64240);
    expect<u32>(tcp_urgent(SYN)).toBe(0);
  });

  it("accepts and deconstructs a data segment", () => {
    expect<Counter>(tcp_check(DATA, 38, PEER, US)).toBe(Counter.OK);
    expect<u32>(tcp_seq(DATA)).toBe(0x8a3c2e02);
    expect<u32>(tcp_ack(DATA)).toBe(0x1f2e3d4d);
    expect<i32>(tcp_header_len(DATA)).toBe(32);
    expect<u32>(tcp_flags(DATA)).toBe(TCP_ACK | TCP_PSH);
    expect<u32>(tcp_window(DATA)).toBe(502);
  });

  it("accepts an odd-length payload and segments of 20 to 60 header bytes", () => {
    expect<Counter>(tcp_check(FIN_DATA, 23, US, PEER)).toBe(Counter.OK);
    expect<u32>(tcp_flags(FIN_DATA)).toBe(TCP_FIN | TCP_PSH | TCP_ACK);
    expect<i32>(tcp_header_len(FIN_DATA)).toBe(20);
    expect<Counter>(tcp_check(SACK3_TS, 60, PEER, US)).toBe(Counter.OK);
    expect<i32>(tcp_header_len(SACK3_TS)).toBe(60);
  });

  it("keeps the flag values of RFC 9293 3.1 and reads only byte 13", () => {
    expect<u32>(TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG | TCP_ECE | TCP_CWR).toBe(0xff);
    const buf = clone(SYN, 40);
    store<u8>(buf + 12, 0xaf); // reserved bits set beside data offset 10
    store<u8>(buf + 13, 0xc1);
    expect<u32>(tcp_flags(buf)).toBe(TCP_CWR | TCP_ECE | TCP_FIN);
    expect<i32>(tcp_header_len(buf)).toBe(40);
  });

  it("rejects fewer than 20 bytes as short", () => {
    expect<Counter>(tcp_check(SYN, 19, PEER, US)).toBe(Counter.tcp_rx_short);
    expect<Counter>(tcp_check(SYN, 0, PEER, US)).toBe(Counter.tcp_rx_short);
  });

  it("rejects a data offset below 5 words", () => {
    expect<Counter>(check_with(12, 0x40, 38)).toBe(Counter.tcp_rx_bad_header_length);
    expect<Counter>(check_with(12, 0x00, 38)).toBe(Counter.tcp_rx_bad_header_length);
  });

  it("rejects a data offset past the segment", () => {
    // 32 header bytes, but only 31 present.
    expect<Counter>(tcp_check(DATA, 31, PEER, US)).toBe(Counter.tcp_rx_bad_header_length);
    // Offset 15 (60 bytes) in a 38-byte segment.
    expect<Counter>(check_with(12, 0xf0, 38)).toBe(Counter.tcp_rx_bad_header_length);
    // Offset 10 in the 20-byte SYN_ACK header with 4 option bytes.
    const buf = clone(SYN_ACK, 24);
    store<u8>(buf + 12, 0xa0);
    expect<Counter>(tcp_check(buf, 24, US, PEER)).toBe(Counter.tcp_rx_bad_header_length);
  });

  it("rejects a corrupted header, option or payload by checksum", () => {
    expect<Counter>(check_with(4, 0x8b, 38)).toBe(Counter.tcp_rx_bad_checksum);
    expect<Counter>(check_with(25, 0x24, 38)).toBe(Counter.tcp_rx_bad_checksum);
    expect<Counter>(check_with(37, 0x0b, 38)).toBe(Counter.tcp_rx_bad_checksum);
    expect<Counter>(check_with(16, 0x0e, 38)).toBe(Counter.tcp_rx_bad_checksum);
  });

  it("covers the pseudo-header and every byte of len", () => {
    expect<Counter>(tcp_check(DATA, 38, PEER, ip4(203, 0, 113, 6))).toBe(Counter.tcp_rx_bad_checksum);
    expect<Counter>(tcp_check(DATA, 38, ip4(198, 51, 100, 8), US)).toBe(Counter.tcp_rx_bad_checksum);
    expect<Counter>(tcp_check(DATA, 38, US, PEER)).toBe(Counter.OK); // the sum is symmetric in src/dst
    expect<Counter>(tcp_check(DATA, 37, PEER, US)).toBe(Counter.tcp_rx_bad_checksum);
  });
});

describe("tcp options parse", () => {
  it("lays TcpOptions out as its diagram says", () => {
    expect<usize>(offsetof<TcpOptions>("window_scale")).toBe(4);
    expect<usize>(offsetof<TcpOptions>("sack_permitted")).toBe(8);
    expect<usize>(offsetof<TcpOptions>("has_timestamps")).toBe(9);
    expect<usize>(offsetof<TcpOptions>("ts_val")).toBe(12);
    expect<usize>(offsetof<TcpOptions>("sack_count")).toBe(20);
    expect<usize>(offsetof<TcpOptions>("sack_left0")).toBe(24);
    expect<usize>(offsetof<TcpOptions>("sack_right3")).toBe(52);
    expect<usize>(offsetof<TcpOptions>()).toBe(56);
  });

  it("parses a Linux SYN field by field", () => {
    expect<bool>(tcp_options_parse(SYN, options)).toBe(true);
    expect<u32>(options.mss).toBe(1460);
    expect<bool>(options.sack_permitted).toBe(true);
    expect<bool>(options.has_timestamps).toBe(true);
    expect<u32>(options.ts_val).toBe(0x0123abcd);
    expect<u32>(options.ts_ecr).toBe(0);
    expect<i32>(options.window_scale).toBe(7);
    expect<i32>(options.sack_count).toBe(0);
  });

  it("parses NOP NOP TS on a data segment, everything else absent", () => {
    expect<bool>(tcp_options_parse(DATA, options)).toBe(true);
    expect<bool>(options.has_timestamps).toBe(true);
    expect<u32>(options.ts_val).toBe(0x0123abcf);
    expect<u32>(options.ts_ecr).toBe(0x5eed0001);
    expect<u32>(options.mss).toBe(0);
    expect<i32>(options.window_scale).toBe(-1);
    expect<bool>(options.sack_permitted).toBe(false);
    expect<i32>(options.sack_count).toBe(0);
  });

  it("overwrites every field: an option-less header after a SYN leaves nothing behind", () => {
    expect<bool>(tcp_options_parse(SACK4, options)).toBe(true);
    expect<bool>(tcp_options_parse(SYN, options)).toBe(true);
    expect<bool>(tcp_options_parse(FIN_DATA, options)).toBe(true);
    expect<u32>(options.mss).toBe(0);
    expect<i32>(options.window_scale).toBe(-1);
    expect<bool>(options.sack_permitted).toBe(false);
    expect<bool>(options.has_timestamps).toBe(false);
    expect<u32>(options.ts_val).toBe(0);
    expect<u32>(options.ts_ecr).toBe(0);
    expect<i32>(options.sack_count).toBe(0);
    for (let i = 0; i < TCP_SACK_BLOCKS_MAX; i++) {
      expect<u32>(sack_left(options, i)).toBe(0);
      expect<u32>(sack_right(options, i)).toBe(0);
    }
  });

  it("parses one SACK block", () => {
    expect<bool>(tcp_options_parse(SACK1, options)).toBe(true);
    expect<i32>(options.sack_count).toBe(1);
    expect<u32>(sack_left(options, 0)).toBe(0x1f2e4000);
    expect<u32>(sack_right(options, 0)).toBe(0x1f2e4400);
    expect<u32>(options.sack_left0).toBe(0x1f2e4000);
    expect<u32>(options.sack_right0).toBe(0x1f2e4400);
    expect<bool>(options.has_timestamps).toBe(false);
  });

  it("parses timestamps and three SACK blocks in a full 40-byte list", () => {
    expect<bool>(tcp_options_parse(SACK3_TS, options)).toBe(true);
    expect<bool>(options.has_timestamps).toBe(true);
    expect<u32>(options.ts_val).toBe(0x0123abd0);
    expect<u32>(options.ts_ecr).toBe(0x5eed0002);
    expect<i32>(options.sack_count).toBe(3);
    expect<u32>(sack_left(options, 1)).toBe(0x1f2e3000);
    expect<u32>(sack_right(options, 1)).toBe(0x1f2e3200);
    expect<u32>(sack_left(options, 2)).toBe(0xfffffe00);
    expect<u32>(sack_right(options, 2)).toBe(0x00000100);
  });

  it("parses four SACK blocks, matching the named fields", () => {
    expect<bool>(tcp_options_parse(SACK4, options)).toBe(true);
    expect<i32>(options.sack_count).toBe(4);
    expect<u32>(sack_left(options, 3)).toBe(0x1f2e5000);
    expect<u32>(sack_right(options, 3)).toBe(0x1f2e5001);
    expect<u32>(options.sack_left1).toBe(sack_left(options, 1));
    expect<u32>(options.sack_right2).toBe(sack_right(options, 2));
    expect<u32>(options.sack_left3).toBe(0x1f2e5000);
    expect<u32>(options.sack_right3).toBe(0x1f2e5001);
  });

  it("clamps a window scale above 14 to 14 (RFC 7323 2.3)", () => {
    expect<bool>(parses(memory.data<u8>([0x01, 0x03, 0x03, 0x0f]), 4)).toBe(true);
    expect<i32>(options.window_scale).toBe(14);
    expect<bool>(parses(memory.data<u8>([0x01, 0x03, 0x03, 0xff]), 4)).toBe(true);
    expect<i32>(options.window_scale).toBe(14);
    expect<bool>(parses(memory.data<u8>([0x01, 0x03, 0x03, 0x0e]), 4)).toBe(true);
    expect<i32>(options.window_scale).toBe(14);
    expect<bool>(parses(memory.data<u8>([0x01, 0x03, 0x03, 0x00]), 4)).toBe(true);
    expect<i32>(options.window_scale).toBe(0);
  });

  it("skips unknown kinds by their length", () => {
    // Kind 30 (4 bytes), kind 34 with no data (2 bytes), NOP NOP, MSS 1460.
    const list = memory.data<u8>([0x1e, 0x04, 0xaa, 0xbb, 0x22, 0x02, 0x01, 0x01, 0x02, 0x04, 0x05, 0xb4]);
    expect<bool>(parses(list, 12)).toBe(true);
    expect<u32>(options.mss).toBe(1460);
    expect<bool>(options.sack_permitted).toBe(false);
  });

  it("stops at EOL: what follows is padding, even if it looks malformed", () => {
    expect<bool>(parses(memory.data<u8>([0x02, 0x04, 0x05, 0xb4, 0x00, 0x03, 0x03, 0x07]), 8)).toBe(true);
    expect<u32>(options.mss).toBe(1460);
    expect<i32>(options.window_scale).toBe(-1);
    expect<bool>(parses(memory.data<u8>([0x00, 0x00, 0x02, 0x09]), 4)).toBe(true);
    expect<u32>(options.mss).toBe(0);
  });

  it("accepts a list of NOPs only", () => {
    expect<bool>(parses(memory.data<u8>([0x01, 0x01, 0x01, 0x01]), 4)).toBe(true);
    expect<u32>(options.mss).toBe(0);
  });

  it("rejects a length byte of 0 or 1", () => {
    expect<bool>(parses(memory.data<u8>([0x22, 0x00, 0x01, 0x01]), 4)).toBe(false);
    expect<bool>(parses(memory.data<u8>([0x02, 0x00, 0x05, 0xb4]), 4)).toBe(false);
    expect<bool>(parses(memory.data<u8>([0x08, 0x01, 0x01, 0x01]), 4)).toBe(false);
    expect<bool>(parses(memory.data<u8>([0x01, 0x01, 0x1e, 0x01]), 4)).toBe(false);
  });

  it("rejects an option running past the header", () => {
    // Timestamps (10 bytes) in an 8-byte list.
    const list = memory.data<u8>([0x01, 0x01, 0x08, 0x0a, 0x01, 0x02, 0x03, 0x04]);
    expect<bool>(parses(list, 8)).toBe(false);
    // An unknown kind claiming 5 bytes where 4 remain.
    expect<bool>(parses(memory.data<u8>([0x1e, 0x05, 0x00, 0x00]), 4)).toBe(false);
    // A kind byte in the last position, with no room for its length.
    expect<bool>(parses(memory.data<u8>([0x01, 0x01, 0x01, 0x02]), 4)).toBe(false);
  });

  it("rejects wrong fixed lengths for MSS, window scale, SACK-permitted and timestamps", () => {
    expect<bool>(parses(memory.data<u8>([0x02, 0x03, 0x05, 0x01]), 4)).toBe(false);
    expect<bool>(parses(memory.data<u8>([0x02, 0x06, 0x05, 0xb4, 0x00, 0x00, 0x01, 0x01]), 8)).toBe(false);
    expect<bool>(parses(memory.data<u8>([0x03, 0x04, 0x07, 0x01]), 4)).toBe(false);
    expect<bool>(parses(memory.data<u8>([0x04, 0x03, 0x00, 0x01]), 4)).toBe(false);
    const short_ts = memory.data<u8>([0x08, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]);
    expect<bool>(parses(short_ts, 8)).toBe(false);
  });

  it("rejects a SACK length that is not 2 + 8n", () => {
    // Length 11: one block and a stray byte; NOP padding after.
    const list = memory.data<u8>([
      0x01, 0x01, 0x05, 0x0b, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x01, 0x01, 0x01,
    ]);
    expect<bool>(parses(list, 16)).toBe(false);
    expect<bool>(parses(memory.data<u8>([0x05, 0x04, 0x00, 0x00]), 4)).toBe(false);
  });

  it("takes an empty SACK option (2 + 8 * 0) as no blocks", () => {
    expect<bool>(parses(memory.data<u8>([0x01, 0x01, 0x05, 0x02]), 4)).toBe(true);
    expect<i32>(options.sack_count).toBe(0);
  });

  it("lets the last of repeated options win", () => {
    const list = memory.data<u8>([0x02, 0x04, 0x02, 0x18, 0x02, 0x04, 0x05, 0xb4]);
    expect<bool>(parses(list, 8)).toBe(true);
    expect<u32>(options.mss).toBe(1460);
  });
});

describe("tcp emit", () => {
  it("rebuilds the Linux SYN byte for byte and parses it back", () => {
    const buf = prefilled(44);
    const n = tcp_options_emit_syn(buf + 20, 1460, 7, true, true, 0x0123abcd, 0);
    expect<i32>(n).toBe(20);
    tcp_emit(buf, 40000, 80, 0x8a3c2e01, 0, TCP_SYN, 64240, n);
    tcp_emit_checksum(buf, 20 + n, PEER, US);
    expect<i32>(first_difference(buf, SYN, 40)).toBe(-1);
    expect<u32>(load<u8>(buf + 40)).toBe(0xa5);
    expect<Counter>(tcp_check(buf, 40, PEER, US)).toBe(Counter.OK);
    expect<bool>(tcp_options_parse(buf, options)).toBe(true);
    expect<u32>(options.mss).toBe(1460);
    expect<i32>(options.window_scale).toBe(7);
    expect<bool>(options.sack_permitted).toBe(true);
    expect<u32>(options.ts_val).toBe(0x0123abcd);
  });

  it("rebuilds an MSS-only SYN-ACK", () => {
    const buf = prefilled(28);
    const n = tcp_options_emit_syn(buf + 20, 1460, -1, false, false, 0, 0);
    expect<i32>(n).toBe(4);
    tcp_emit(buf, 80, 40000, 0x5eed0000, 0x8a3c2e02, TCP_SYN | TCP_ACK, 8192, n);
    tcp_emit_checksum(buf, 24, US, PEER);
    expect<i32>(first_difference(buf, SYN_ACK, 24)).toBe(-1);
    expect<u32>(load<u8>(buf + 24)).toBe(0xa5);
  });

  it("pads every SYN option combination to whole words with NOPs", () => {
    const buf = prefilled(48);
    expect<i32>(tcp_options_emit_syn(buf, 536, 0, false, false, 0, 0)).toBe(8);
    expect<i32>(first_difference(buf, memory.data<u8>([0x02, 0x04, 0x02, 0x18, 0x01, 0x03, 0x03, 0x00]), 8)).toBe(-1);
    expect<u32>(load<u8>(buf + 8)).toBe(0xa5);

    prefilled(48);
    expect<i32>(tcp_options_emit_syn(buf, 1460, -1, true, false, 0, 0)).toBe(8);
    expect<i32>(first_difference(buf, memory.data<u8>([0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02]), 8)).toBe(-1);
    expect<u32>(load<u8>(buf + 8)).toBe(0xa5);

    prefilled(48);
    expect<i32>(tcp_options_emit_syn(buf, 1460, 14, false, true, 0xdeadbeef, 0x01020304)).toBe(20);
    const ts_ws = memory.data<u8>([
      0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x08, 0x0a, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
      0x01, 0x03, 0x03, 0x0e,
    ]);
    expect<i32>(first_difference(buf, ts_ws, 20)).toBe(-1);
    expect<u32>(load<u8>(buf + 20)).toBe(0xa5);
  });

  it("round-trips every SYN option combination through the parser", () => {
    for (let bits = 0; bits < 8; bits++) {
      const wscale = (bits & 1) != 0 ? 3 : -1;
      const sack = (bits & 2) != 0;
      const ts = (bits & 4) != 0;
      const buf = prefilled(64);
      const n = tcp_options_emit_syn(buf + 20, 1400, wscale, sack, ts, 77, 0);
      expect<i32>(n & 3).toBe(0);
      tcp_emit(buf, 1, 2, 3, 0, TCP_SYN, 1024, n);
      expect<bool>(tcp_options_parse(buf, options)).toBe(true);
      expect<u32>(options.mss).toBe(1400);
      expect<i32>(options.window_scale).toBe(wscale);
      expect<bool>(options.sack_permitted).toBe(sack);
      expect<bool>(options.has_timestamps).toBe(ts);
      expect<u32>(options.ts_val).toBe(ts ? 77 : 0);
    }
  });

  it("rebuilds the data segment with NOP NOP TS and a payload", () => {
    const buf = prefilled(40);
    const n = tcp_options_emit(buf + 20, true, 0x0123abcf, 0x5eed0001, 0, 0);
    expect<i32>(n).toBe(12);
    tcp_emit(buf, 40000, 80, 0x8a3c2e02, 0x1f2e3d4d, TCP_ACK | TCP_PSH, 502, n);
    memory.copy(buf + 32, DATA + 32, 6);
    tcp_emit_checksum(buf, 38, PEER, US);
    expect<i32>(first_difference(buf, DATA, 38)).toBe(-1);
    expect<u32>(load<u8>(buf + 38)).toBe(0xa5);
  });

  it("rebuilds an odd-length FIN segment with no options", () => {
    const buf = prefilled(24);
    expect<i32>(tcp_options_emit(buf + 20, false, 0, 0, 0, 0)).toBe(0);
    expect<u32>(load<u8>(buf + 20)).toBe(0xa5);
    tcp_emit(buf, 80, 40000, 0x1f2e3d4d, 0x8a3c2e08, TCP_FIN | TCP_PSH | TCP_ACK, 8192, 0);
    memory.copy(buf + 20, FIN_DATA + 20, 3);
    tcp_emit_checksum(buf, 23, US, PEER);
    expect<i32>(first_difference(buf, FIN_DATA, 23)).toBe(-1);
    expect<u32>(load<u8>(buf + 23)).toBe(0xa5);
  });

  it("rebuilds SACK segments: 1 block, 4 blocks, timestamps with 3", () => {
    let buf = prefilled(64);
    let n = tcp_options_emit(buf + 20, false, 0, 0, BLOCKS, 1);
    expect<i32>(n).toBe(12);
    tcp_emit(buf, 40000, 80, 0x8a3c2e08, 0x1f2e3d4d, TCP_ACK, 502, n);
    tcp_emit_checksum(buf, 32, PEER, US);
    expect<i32>(first_difference(buf, SACK1, 32)).toBe(-1);
    expect<u32>(load<u8>(buf + 32)).toBe(0xa5);

    buf = prefilled(64);
    n = tcp_options_emit(buf + 20, false, 0, 0, BLOCKS, 4);
    expect<i32>(n).toBe(36);
    tcp_emit(buf, 40000, 80, 0x8a3c2e08, 0x1f2e3d4d, TCP_ACK, 502, n);
    tcp_emit_checksum(buf, 56, PEER, US);
    expect<i32>(first_difference(buf, SACK4, 56)).toBe(-1);
    expect<u32>(load<u8>(buf + 56)).toBe(0xa5);

    buf = prefilled(64);
    n = tcp_options_emit(buf + 20, true, 0x0123abd0, 0x5eed0002, BLOCKS, 3);
    expect<i32>(n).toBe(40);
    tcp_emit(buf, 40000, 80, 0x8a3c2e08, 0x1f2e3d4d, TCP_ACK, 502, n);
    tcp_emit_checksum(buf, 60, PEER, US);
    expect<i32>(first_difference(buf, SACK3_TS, 60)).toBe(-1);
    expect<u32>(load<u8>(buf + 60)).toBe(0xa5);
  });

  it("sends only the first blocks that fit in 40 bytes", () => {
    let buf = prefilled(64);
    // Four blocks asked with timestamps: three fit, the same bytes as SACK3_TS.
    const n = tcp_options_emit(buf + 20, true, 0x0123abd0, 0x5eed0002, BLOCKS, 4);
    expect<i32>(n).toBe(40);
    expect<i32>(first_difference(buf + 20, SACK3_TS + 20, 40)).toBe(-1);
    expect<u32>(load<u8>(buf + 60)).toBe(0xa5);
    // Five blocks without timestamps: four fit.
    buf = prefilled(64);
    expect<i32>(tcp_options_emit(buf + 20, false, 0, 0, BLOCKS, 5)).toBe(36);
    expect<i32>(first_difference(buf + 20, SACK4 + 20, 36)).toBe(-1);
    expect<u32>(load<u8>(buf + 56)).toBe(0xa5);
  });

  it("writes header fields exactly: offset, flags, zero checksum and urgent before the checksum pass", () => {
    const buf = prefilled(24);
    tcp_emit(buf, 0xffff, 1, 0xffffffff, 0x80000000, TCP_RST | TCP_ACK, 0xffff, 4);
    const expected = memory.data<u8>([
      0xff, 0xff, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00,
      0x60, 0x14, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
    ]);
    expect<i32>(first_difference(buf, expected, 20)).toBe(-1);
    expect<u32>(load<u8>(buf + 20)).toBe(0xa5);
    expect<u32>(tcp_window(buf)).toBe(0xffff);
  });

  it("recomputes a stale checksum", () => {
    const buf = clone(DATA, 38);
    store<u16>(buf + 16, 0x1234);
    tcp_emit_checksum(buf, 38, PEER, US);
    expect<i32>(first_difference(buf, DATA, 38)).toBe(-1);
  });
});
