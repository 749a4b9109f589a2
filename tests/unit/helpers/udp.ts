// Builds a real IPv4/UDP datagram (wire emitters) and feeds it to net/udp's receive path;
// payload bytes follow a pattern derived from a seed, so a spec can check them on the way out.
import { Delivery } from "../../../assembly/net/ipv4";
import { rx_udp } from "../../../assembly/net/udp";
import { ipv4_emit, IP_PROTO_UDP } from "../../../assembly/wire/ipv4";
import { udp_emit } from "../../../assembly/wire/udp";

const datagram: usize = memory.data(1536, 8);

@inline export function pattern_byte(seed: u32, i: i32): u8 {
  return <u8>(seed * 31 + <u32>i * 7 + (<u32>i >> 8));
}

/** Receives a UDP datagram of payload_len bytes (payload from seed) on interface 0. */
export function receive_udp(src: u32, src_port: u32, dst: u32, dst_port: u32, payload_len: i32, seed: u32): void {
  assert(payload_len <= 1472);
  const udp = datagram + 20;
  for (let i = 0; i < payload_len; i++) store<u8>(udp + 8 + <usize>i, pattern_byte(seed, i));
  udp_emit(udp, payload_len, src_port, dst_port, src, dst);
  ipv4_emit(datagram, 28 + payload_len, 1, false, 64, IP_PROTO_UDP, src, dst);
  rx_udp(0, datagram, udp, 8 + payload_len, Delivery.UNICAST);
}

/** The first n bytes at ptr follow the seed's pattern. */
export function has_pattern(ptr: usize, n: i32, seed: u32): bool {
  for (let i = 0; i < n; i++) {
    if (load<u8>(ptr + <usize>i) != pattern_byte(seed, i)) return false;
  }
  return true;
}
