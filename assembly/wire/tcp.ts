// TCP header (RFC 9293 3.1) and options (RFC 9293 3.2, RFC 7323, RFC 2018).
//
//   0          2          4     8     12            13      14       16         18       20
//   | src port | dst port | seq | ack | data offset | flags | window | checksum | urgent | options...
//
// Byte 12 holds the data offset (header length in 32-bit words) in its high nibble; its low
// nibble is reserved. Byte 13 holds the eight flags CWR ECE URG ACK PSH RST SYN FIN.
import { get16, get32, put16, put32, put8 } from "../lib/bytes";
import { finish, sum_bytes, sum_pseudo_header } from "../lib/checksum";
import { Counter } from "../lib/counters";
import { IP_PROTO_TCP } from "./ipv4";

@inline const SRC_PORT: usize = 0;
@inline const DST_PORT: usize = 2;
@inline const SEQ: usize = 4;
@inline const ACK: usize = 8;
@inline const DATA_OFFSET: usize = 12;
@inline const FLAGS: usize = 13;
@inline const WINDOW: usize = 14;
@inline const CHECKSUM: usize = 16;
@inline const URGENT: usize = 18;
@inline export const TCP_HEADER_BYTES: i32 = 20;
/** A 4-bit data offset allows 60 header bytes: 40 of options. */
@inline export const TCP_OPTIONS_MAX_BYTES: i32 = 40;

@inline export const TCP_FIN: u32 = 0x01;
@inline export const TCP_SYN: u32 = 0x02;
@inline export const TCP_RST: u32 = 0x04;
@inline export const TCP_PSH: u32 = 0x08;
@inline export const TCP_ACK: u32 = 0x10;
@inline export const TCP_URG: u32 = 0x20;
@inline export const TCP_ECE: u32 = 0x40;
@inline export const TCP_CWR: u32 = 0x80;

// Option kinds and their fixed lengths (kind and length bytes included).
@inline export const TCP_OPT_EOL: u32 = 0;
@inline export const TCP_OPT_NOP: u32 = 1;
@inline export const TCP_OPT_MSS: u32 = 2;
@inline export const TCP_OPT_WINDOW_SCALE: u32 = 3;
@inline export const TCP_OPT_SACK_PERMITTED: u32 = 4;
@inline export const TCP_OPT_SACK: u32 = 5;
@inline export const TCP_OPT_TIMESTAMPS: u32 = 8;
@inline const MSS_BYTES: i32 = 4;
@inline const WINDOW_SCALE_BYTES: i32 = 3;
@inline const SACK_PERMITTED_BYTES: i32 = 2;
@inline const TIMESTAMPS_BYTES: i32 = 10;
@inline const SACK_BASE_BYTES: i32 = 2;
@inline const SACK_BLOCK_BYTES: i32 = 8;

/** 40 option bytes hold at most 4 SACK blocks (2 + 8 * 4 = 34). */
@inline export const TCP_SACK_BLOCKS_MAX: i32 = 4;
/** Larger shifts would let the window pass 2^30 and break sequence comparisons (RFC 7323 2.3). */
@inline export const TCP_WINDOW_SCALE_MAX: i32 = 14;

/**
 * len is the IP payload length. Checks the fixed header fits, the data offset (>= 5 words,
 * within len) and the checksum over the whole segment with the pseudo-header (RFC 9293 3.1).
 */
export function tcp_check(ptr: usize, len: i32, src: u32, dst: u32): Counter {
  if (len < TCP_HEADER_BYTES) return Counter.tcp_rx_short;
  const header_len = tcp_header_len(ptr);
  if (header_len < TCP_HEADER_BYTES || header_len > len) return Counter.tcp_rx_bad_header_length;
  const sum = sum_bytes(ptr, len, sum_pseudo_header(src, dst, IP_PROTO_TCP, <u32>len));
  if (finish(sum) != 0) return Counter.tcp_rx_bad_checksum;
  return Counter.OK;
}

@inline export function tcp_src_port(ptr: usize): u32 { return get16(ptr + SRC_PORT); }
@inline export function tcp_dst_port(ptr: usize): u32 { return get16(ptr + DST_PORT); }
@inline export function tcp_seq(ptr: usize): u32 { return get32(ptr + SEQ); }
@inline export function tcp_ack(ptr: usize): u32 { return get32(ptr + ACK); }
/** Header length in bytes, options included. */
@inline export function tcp_header_len(ptr: usize): i32 { return <i32>(load<u8>(ptr + DATA_OFFSET) >> 4) << 2; }
@inline export function tcp_flags(ptr: usize): u32 { return <u32>load<u8>(ptr + FLAGS); }
/** The raw field; the caller applies the peer's window scale (never on a SYN, RFC 7323 2.2). */
@inline export function tcp_window(ptr: usize): u32 { return get16(ptr + WINDOW); }
@inline export function tcp_urgent(ptr: usize): u32 { return get16(ptr + URGENT); }

/**
 * Parsed options; one static instance is owned by the caller and parse overwrites every field.
 * The parser reports what is present: whether an option counts (MSS, window scale and
 * SACK-permitted only on a SYN) is the state machine's decision.
 *
 *   0     4              8                9                12       16       20           24
 *   | mss | window_scale | sack_permitted | has_timestamps | ts_val | ts_ecr | sack_count | blocks...
 *
 * blocks: 4 pairs (sack_left<i>, sack_right<i>), 8 bytes each; 56 bytes in all.
 */
@unmanaged export class TcpOptions {
  /** 0 = absent. */
  mss: u32;
  /** -1 = absent; larger values are clamped to TCP_WINDOW_SCALE_MAX. */
  window_scale: i32;
  sack_permitted: bool;
  has_timestamps: bool;
  ts_val: u32;
  ts_ecr: u32;
  /** Blocks of the last SACK option, 0..TCP_SACK_BLOCKS_MAX. */
  sack_count: i32;
  sack_left0: u32;
  sack_right0: u32;
  sack_left1: u32;
  sack_right1: u32;
  sack_left2: u32;
  sack_right2: u32;
  sack_left3: u32;
  sack_right3: u32;
}

// Block i is the pair at sack_left0 + 8 * i (left, right), as the fields are declared.
@inline function sack_block(options: TcpOptions, i: i32): usize {
  assert(i >= 0 && i < TCP_SACK_BLOCKS_MAX, "tcp: SACK block index");
  return changetype<usize>(options) + offsetof<TcpOptions>("sack_left0") + (<usize>i << 3);
}

export function sack_left(options: TcpOptions, i: i32): u32 { return load<u32>(sack_block(options, i)); }
export function sack_right(options: TcpOptions, i: i32): u32 { return load<u32>(sack_block(options, i), 4); }

function options_clear(out: TcpOptions): void {
  out.mss = 0;
  out.window_scale = -1;
  out.sack_permitted = false;
  out.has_timestamps = false;
  out.ts_val = 0;
  out.ts_ecr = 0;
  out.sack_count = 0;
  for (let i = 0; i < TCP_SACK_BLOCKS_MAX; i++) {
    store<u32>(sack_block(out, i), 0);
    store<u32>(sack_block(out, i), 0, 4);
  }
}

/** Stores one option already bounds-checked; false when its length is wrong for its kind. */
function option_store(at: usize, kind: u32, length: i32, out: TcpOptions): bool {
  if (kind == TCP_OPT_MSS) {
    if (length != MSS_BYTES) return false;
    out.mss = get16(at + 2);
  } else if (kind == TCP_OPT_WINDOW_SCALE) {
    if (length != WINDOW_SCALE_BYTES) return false;
    // RFC 7323 2.3: a shift above 14 is logged and used as 14.
    const shift = <i32>load<u8>(at + 2);
    out.window_scale = shift > TCP_WINDOW_SCALE_MAX ? TCP_WINDOW_SCALE_MAX : shift;
  } else if (kind == TCP_OPT_SACK_PERMITTED) {
    if (length != SACK_PERMITTED_BYTES) return false;
    out.sack_permitted = true;
  } else if (kind == TCP_OPT_TIMESTAMPS) {
    if (length != TIMESTAMPS_BYTES) return false;
    out.has_timestamps = true;
    out.ts_val = get32(at + 2);
    out.ts_ecr = get32(at + 6);
  } else if (kind == TCP_OPT_SACK) {
    // RFC 2018 3: 2 + 8n bytes. Within 40 option bytes n is at most 4.
    if ((length - SACK_BASE_BYTES) % SACK_BLOCK_BYTES != 0) return false;
    const count = (length - SACK_BASE_BYTES) / SACK_BLOCK_BYTES;
    assert(count <= TCP_SACK_BLOCKS_MAX);
    for (let i = 0; i < count; i++) {
      const block = at + <usize>(SACK_BASE_BYTES + i * SACK_BLOCK_BYTES);
      store<u32>(sack_block(out, i), get32(block));
      store<u32>(sack_block(out, i), get32(block + 4), 4);
    }
    out.sack_count = count;
  }
  // Other kinds: skipped by their length (RFC 9293 3.2 requires accepting unknown options).
  return true;
}

/**
 * Parses the options between byte 20 and the header length of a segment tcp_check accepted.
 * False for malformed options: a length byte below 2 or missing, an option running past the
 * header, a wrong length for MSS (4), window scale (3), SACK-permitted (2), timestamps (10)
 * or SACK (2 + 8n). EOL ends the list; NOP is skipped; unknown kinds are skipped by length.
 * When an option repeats, the last one wins.
 */
export function tcp_options_parse(ptr: usize, out: TcpOptions): bool {
  options_clear(out);
  const end = tcp_header_len(ptr);
  let i = TCP_HEADER_BYTES;
  // Every step advances i by at least 1, so the loop runs at most 40 times.
  while (i < end) {
    const at = ptr + <usize>i;
    const kind = <u32>load<u8>(at);
    if (kind == TCP_OPT_EOL) break;
    if (kind == TCP_OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return false;
    const length = <i32>load<u8>(at + 1);
    if (length < 2 || length > end - i) return false;
    if (!option_store(at, kind, length, out)) return false;
    i += length;
  }
  return true;
}

/**
 * Writes the 20-byte header: data offset (20 + options_len) / 4, checksum 0, urgent 0.
 * The options, if any, follow at ptr + 20 (tcp_options_emit*); then tcp_emit_checksum.
 */
export function tcp_emit(ptr: usize, src_port: u32, dst_port: u32, seq: u32, ack: u32, flags: u32, window: u32, options_len: i32): void {
  assert(options_len >= 0 && options_len <= TCP_OPTIONS_MAX_BYTES && (options_len & 3) == 0, "tcp: options length");
  assert(flags <= 0xff && window <= 0xffff, "tcp: flags or window out of range");
  put16(ptr + SRC_PORT, src_port);
  put16(ptr + DST_PORT, dst_port);
  put32(ptr + SEQ, seq);
  put32(ptr + ACK, ack);
  put8(ptr + DATA_OFFSET, <u32>((TCP_HEADER_BYTES + options_len) >> 2) << 4);
  put8(ptr + FLAGS, flags);
  put16(ptr + WINDOW, window);
  put16(ptr + CHECKSUM, 0);
  put16(ptr + URGENT, 0);
}

/** Stores the checksum over seg_len bytes (header, options, payload) with the pseudo-header. */
export function tcp_emit_checksum(ptr: usize, seg_len: i32, src: u32, dst: u32): void {
  assert(seg_len >= TCP_HEADER_BYTES, "tcp: segment length");
  put16(ptr + CHECKSUM, 0);
  // Unlike UDP, a computed zero is sent as zero: TCP has no "no checksum" value.
  put16(ptr + CHECKSUM, finish(sum_bytes(ptr, seg_len, sum_pseudo_header(src, dst, IP_PROTO_TCP, <u32>seg_len))));
}

@inline function put_nop_nop(at: usize): void {
  put8(at, TCP_OPT_NOP);
  put8(at + 1, TCP_OPT_NOP);
}

/** Timestamps option (10 bytes) at at. */
function put_timestamps(at: usize, ts_val: u32, ts_ecr: u32): void {
  put8(at, TCP_OPT_TIMESTAMPS);
  put8(at + 1, <u32>TIMESTAMPS_BYTES);
  put32(at + 2, ts_val);
  put32(at + 6, ts_ecr);
}

/**
 * SYN options at ptr (right after the 20-byte header), in the order Linux sends them so
 * middleboxes see a familiar layout: MSS; SACK-permitted sharing a word with timestamps (or
 * NOP-padded alone); NOP + window scale. Returns the bytes written: a multiple of 4, at most 20.
 */
export function tcp_options_emit_syn(ptr: usize, mss: u32, wscale: i32, sack: bool, ts: bool, ts_val: u32, ts_ecr: u32): i32 {
  assert(mss <= 0xffff && wscale <= TCP_WINDOW_SCALE_MAX, "tcp: SYN option values");
  put8(ptr, TCP_OPT_MSS);
  put8(ptr + 1, <u32>MSS_BYTES);
  put16(ptr + 2, mss);
  let n: i32 = MSS_BYTES;
  if (ts) {
    // SACK-permitted takes the two bytes NOP NOP would otherwise pad the timestamps with.
    if (sack) {
      put8(ptr + <usize>n, TCP_OPT_SACK_PERMITTED);
      put8(ptr + <usize>n + 1, <u32>SACK_PERMITTED_BYTES);
    } else {
      put_nop_nop(ptr + <usize>n);
    }
    put_timestamps(ptr + <usize>n + 2, ts_val, ts_ecr);
    n += 2 + TIMESTAMPS_BYTES;
  } else if (sack) {
    put_nop_nop(ptr + <usize>n);
    put8(ptr + <usize>n + 2, TCP_OPT_SACK_PERMITTED);
    put8(ptr + <usize>n + 3, <u32>SACK_PERMITTED_BYTES);
    n += 4;
  }
  if (wscale >= 0) {
    put8(ptr + <usize>n, TCP_OPT_NOP);
    put8(ptr + <usize>n + 1, TCP_OPT_WINDOW_SCALE);
    put8(ptr + <usize>n + 2, <u32>WINDOW_SCALE_BYTES);
    put8(ptr + <usize>n + 3, <u32>wscale);
    n += 4;
  }
  assert((n & 3) == 0 && n <= TCP_OPTIONS_MAX_BYTES);
  return n;
}

/**
 * Options for a non-SYN segment: NOP NOP timestamps if ts (12 bytes), then NOP NOP SACK with
 * as many of the count blocks as fit in the rest of the 40 bytes (4 alone, 3 after
 * timestamps; the first blocks are kept, RFC 2018 4 puts the most recent first). blocks holds
 * pairs of u32 (left, right, host order) at blocks + 8 * i. Returns the bytes written,
 * a multiple of 4.
 */
export function tcp_options_emit(ptr: usize, ts: bool, ts_val: u32, ts_ecr: u32, blocks: usize, count: i32): i32 {
  assert(count >= 0, "tcp: SACK block count");
  let n: i32 = 0;
  if (ts) {
    put_nop_nop(ptr);
    put_timestamps(ptr + 2, ts_val, ts_ecr);
    n = 2 + TIMESTAMPS_BYTES;
  }
  const room = (TCP_OPTIONS_MAX_BYTES - n - 2 - SACK_BASE_BYTES) / SACK_BLOCK_BYTES;
  const sent = count < room ? count : room;
  if (sent > 0) {
    put_nop_nop(ptr + <usize>n);
    put8(ptr + <usize>n + 2, TCP_OPT_SACK);
    put8(ptr + <usize>n + 3, <u32>(SACK_BASE_BYTES + sent * SACK_BLOCK_BYTES));
    n += 2 + SACK_BASE_BYTES;
    for (let i = 0; i < sent; i++) {
      const block = blocks + (<usize>i << 3);
      put32(ptr + <usize>n, load<u32>(block));
      put32(ptr + <usize>n + 4, load<u32>(block, 4));
      n += SACK_BLOCK_BYTES;
    }
  }
  assert((n & 3) == 0 && n <= TCP_OPTIONS_MAX_BYTES);
  return n;
}
