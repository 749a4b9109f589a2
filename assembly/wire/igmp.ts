// IGMP messages (RFC 2236 version 2; version 1 and 3 messages are recognised, RFC 3376 7).
//
//   0      1               2          4       8
//   | type | max resp time | checksum | group | (v3 query: flags, QQIC, sources count, sources...)
//
// Once igmp_check has passed, every accessor below reads inside the checked length.
import { get32, put16, put32 } from "../lib/bytes";
import { checksum } from "../lib/checksum";
import { Counter } from "../lib/counters";

@inline const TYPE: usize = 0;
@inline const MAX_RESP: usize = 1;
@inline const CHECKSUM: usize = 2;
@inline const GROUP: usize = 4;
@inline export const IGMP_HEADER_BYTES: i32 = 8;
/** A query at least this long is an IGMPv3 query (RFC 3376 7.1). */
@inline export const IGMP_V3_QUERY_MIN_BYTES: i32 = 12;

@inline export const IGMP_MEMBERSHIP_QUERY: u32 = 0x11;
@inline export const IGMP_V1_MEMBERSHIP_REPORT: u32 = 0x12;
@inline export const IGMP_V2_MEMBERSHIP_REPORT: u32 = 0x16;
@inline export const IGMP_LEAVE_GROUP: u32 = 0x17;
@inline export const IGMP_V3_MEMBERSHIP_REPORT: u32 = 0x22;

/** Length and the checksum over the whole message (RFC 2236 2.3). */
export function igmp_check(ptr: usize, len: i32): Counter {
  if (len < IGMP_HEADER_BYTES) return Counter.igmp_rx_short;
  if (checksum(ptr, len) != 0) return Counter.igmp_rx_bad_checksum;
  return Counter.OK;
}

@inline export function igmp_type(ptr: usize): u32 { return load<u8>(ptr + TYPE); }
/** The raw Max Resp Time (v2, tenths of a second) or Max Resp Code (v3) byte. */
@inline export function igmp_max_resp_code(ptr: usize): u32 { return load<u8>(ptr + MAX_RESP); }
@inline export function igmp_group(ptr: usize): u32 { return get32(ptr + GROUP); }

/**
 * A query's maximum response time in tenths of a second, by the query's version (RFC 3376
 * 7.1): 8 bytes with code 0 is IGMPv1 (RFC 2236 4: 10 s); 8 bytes otherwise is IGMPv2; 12 or
 * more bytes is IGMPv3, whose codes from 128 are a floating-point value (RFC 3376 4.1.1).
 */
export function igmp_query_max_resp_tenths(ptr: usize, len: i32): u32 {
  const code = igmp_max_resp_code(ptr);
  if (len < IGMP_V3_QUERY_MIN_BYTES) return code == 0 ? 100 : code;
  if (code < 128) return code;
  const mantissa = code & 0x0f;
  const exponent = (code >> 4) & 0x07;
  return (mantissa | 0x10) << (exponent + 3);
}

/** Writes an 8-byte message and its checksum. */
export function igmp_emit(ptr: usize, type: u32, max_resp_code: u32, group: u32): void {
  store<u8>(ptr + TYPE, <u8>type);
  store<u8>(ptr + MAX_RESP, <u8>max_resp_code);
  put16(ptr + CHECKSUM, 0);
  put32(ptr + GROUP, group);
  put16(ptr + CHECKSUM, checksum(ptr, IGMP_HEADER_BYTES));
}
