// UDP header (RFC 768).
//
//   0          2          4        6          8
//   | src port | dst port | length | checksum | payload...
import { get16, put16 } from "../lib/bytes";
import { sum_bytes, sum_pseudo_header, finish } from "../lib/checksum";
import { Counter } from "../lib/counters";
import { IP_PROTO_UDP } from "./ipv4";

@inline const SRC_PORT: usize = 0;
@inline const DST_PORT: usize = 2;
@inline const LENGTH: usize = 4;
@inline const CHECKSUM: usize = 6;
@inline export const UDP_HEADER_BYTES: i32 = 8;

/** len is the IP payload length; the UDP length field may be shorter (trailing bytes ignored). */
export function udp_check(ptr: usize, len: i32, src: u32, dst: u32): Counter {
  if (len < UDP_HEADER_BYTES) return Counter.udp_rx_short;
  const udp_len = <i32>get16(ptr + LENGTH);
  if (udp_len < UDP_HEADER_BYTES || udp_len > len) return Counter.udp_rx_bad_length;
  // A zero checksum means the sender computed none (RFC 768).
  if (get16(ptr + CHECKSUM) != 0) {
    const sum = sum_bytes(ptr, udp_len, sum_pseudo_header(src, dst, IP_PROTO_UDP, <u32>udp_len));
    if (finish(sum) != 0) return Counter.udp_rx_bad_checksum;
  }
  return Counter.OK;
}

@inline export function udp_src_port(ptr: usize): u32 { return get16(ptr + SRC_PORT); }
@inline export function udp_dst_port(ptr: usize): u32 { return get16(ptr + DST_PORT); }
@inline export function udp_length(ptr: usize): i32 { return <i32>get16(ptr + LENGTH); }

/** Writes the header and the checksum over header + payload (payload already in place). */
export function udp_emit(ptr: usize, payload_len: i32, src_port: u32, dst_port: u32, src: u32, dst: u32): void {
  udp_emit_header(ptr, ptr + <usize>UDP_HEADER_BYTES, payload_len, src_port, dst_port, src, dst);
}

/** Writes the header at ptr with the checksum over it and the payload at payload (anywhere). */
export function udp_emit_header(ptr: usize, payload: usize, payload_len: i32, src_port: u32, dst_port: u32, src: u32, dst: u32): void {
  const udp_len = payload_len + UDP_HEADER_BYTES;
  put16(ptr + SRC_PORT, src_port);
  put16(ptr + DST_PORT, dst_port);
  put16(ptr + LENGTH, <u32>udp_len);
  put16(ptr + CHECKSUM, 0);
  const covered = sum_bytes(ptr, UDP_HEADER_BYTES, sum_pseudo_header(src, dst, IP_PROTO_UDP, <u32>udp_len));
  let sum = finish(sum_bytes(payload, payload_len, covered));
  // A computed zero is sent as all ones, since zero means "no checksum" (RFC 768).
  put16(ptr + CHECKSUM, sum == 0 ? 0xffff : sum);
}
