// ICMP for IPv4 (RFC 792). Echo, destination unreachable and time exceeded are handled here.
//
//   0      1      2          4                 8
//   | type | code | checksum | rest of header  | data...
//   echo:        rest = identifier(2) sequence(2), data echoed back unchanged
//   unreachable: rest = unused(2) next-hop MTU(2), data = offending IP header + leading bytes
//   time exceeded: rest = unused(4), data as for unreachable
// An error's data (the quote) is read only after icmp_quote_check: then the quoted IP header
// and the first 8 bytes after it (RFC 792: "64 bits of Original Data") are inside the message.
import { get16, get32, put16, put32 } from "../lib/bytes";
import { ipv4_header_len, IPV4_HEADER_BYTES } from "./ipv4";
import { checksum, finish, sum_bytes } from "../lib/checksum";
import { Counter } from "../lib/counters";

@inline const TYPE: usize = 0;
@inline const CODE: usize = 1;
@inline const CHECKSUM: usize = 2;
@inline const REST: usize = 4;
@inline export const ICMP_HEADER_BYTES: i32 = 8;

@inline export const ICMP_ECHO_REPLY: u32 = 0;
@inline export const ICMP_DEST_UNREACHABLE: u32 = 3;
@inline export const ICMP_ECHO_REQUEST: u32 = 8;
@inline export const ICMP_TIME_EXCEEDED: u32 = 11;

@inline export const ICMP_UNREACH_NET: u32 = 0;
@inline export const ICMP_UNREACH_HOST: u32 = 1;
@inline export const ICMP_UNREACH_PROTOCOL: u32 = 2;
@inline export const ICMP_UNREACH_PORT: u32 = 3;
@inline export const ICMP_UNREACH_FRAG_NEEDED: u32 = 4;

export function icmp_check(ptr: usize, len: i32): Counter {
  if (len < ICMP_HEADER_BYTES) return Counter.icmp_rx_short;
  if (checksum(ptr, len) != 0) return Counter.icmp_rx_bad_checksum;
  return Counter.OK;
}

@inline export function icmp_type(ptr: usize): u32 { return load<u8>(ptr + TYPE); }
@inline export function icmp_code(ptr: usize): u32 { return load<u8>(ptr + CODE); }

/** Error messages (never answered with another error, RFC 1122 3.2.2). */
export function icmp_is_error(type: u32): bool {
  return type == ICMP_DEST_UNREACHABLE || type == ICMP_TIME_EXCEEDED || type == 4 || type == 5 || type == 12;
}

/** Writes type, code and the 4 "rest" bytes; the body must already be in place. */
export function icmp_emit(ptr: usize, len: i32, type: u32, code: u32, rest: u32): void {
  store<u8>(ptr + TYPE, <u8>type);
  store<u8>(ptr + CODE, <u8>code);
  put16(ptr + CHECKSUM, 0);
  put32(ptr + REST, rest);
  put16(ptr + CHECKSUM, checksum(ptr, len));
}

/** Turns a copied echo request header into the reply's, its checksum covering data (data_len bytes, elsewhere). */
export function icmp_emit_echo_reply_header(ptr: usize, data: usize, data_len: i32): void {
  icmp_emit_echo_header(ptr, ICMP_ECHO_REPLY, get32(ptr + REST), data, data_len);
}

/** Writes an echo header (type, code 0, rest = identifier << 16 | sequence) whose checksum covers data (data_len bytes, elsewhere). */
export function icmp_emit_echo_header(ptr: usize, type: u32, rest: u32, data: usize, data_len: i32): void {
  store<u8>(ptr + TYPE, <u8>type);
  store<u8>(ptr + CODE, 0);
  put16(ptr + CHECKSUM, 0);
  put32(ptr + REST, rest);
  put16(ptr + CHECKSUM, finish(sum_bytes(data, data_len, sum_bytes(ptr, ICMP_HEADER_BYTES, 0))));
}

@inline export function icmp_echo_ident(ptr: usize): u32 { return get16(ptr + REST); }
@inline export function icmp_echo_sequence(ptr: usize): u32 { return get16(ptr + REST + 2); }

@inline export function icmp_echo_data(ptr: usize): usize { return ptr + <usize>ICMP_HEADER_BYTES; }

/** Bytes of the quoted datagram's transport header an error must carry (RFC 792). */
@inline export const ICMP_QUOTE_TRANSPORT_BYTES: i32 = 8;

/**
 * Validates an error's quote in the checked message of len bytes: an IPv4 header (version 4,
 * header length 20..60 and within the message) followed by 8 bytes. The quoted total length
 * and checksum are not checked: the quote is truncated, and a router may quote the header
 * as it forwarded it.
 */
export function icmp_quote_check(ptr: usize, len: i32): Counter {
  const quote_len = len - ICMP_HEADER_BYTES;
  if (quote_len < IPV4_HEADER_BYTES + ICMP_QUOTE_TRANSPORT_BYTES) return Counter.icmp_rx_bad_quote;
  const quote = icmp_quote(ptr);
  if (load<u8>(quote) >> 4 != 4) return Counter.icmp_rx_bad_quote;
  const header_len = ipv4_header_len(quote);
  if (header_len < IPV4_HEADER_BYTES || header_len + ICMP_QUOTE_TRANSPORT_BYTES > quote_len) return Counter.icmp_rx_bad_quote;
  return Counter.OK;
}

/** The quoted IP header of a checked error (read with the wire/ipv4 accessors). */
@inline export function icmp_quote(ptr: usize): usize { return ptr + <usize>ICMP_HEADER_BYTES; }
