// ICMP: answers echo requests (in fragments when a reassembled request needs it), hands echo
// replies and errors to the probes (net/icmp_probe.ts), and sends errors (destination
// unreachable, time exceeded) (RFC 792, RFC 1122 3.2.2). Errors are rate limited by a token
// bucket and never sent about broadcast/multicast datagrams or about other ICMP errors.
import { ICMP_ERROR_BURST, ICMP_ERROR_RATE_PER_S } from "../config";
import { copy } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import { pool_alloc, POOL_NONE } from "../lib/pool";
import { bucket_init, bucket_refill, bucket_take, BUCKET_BYTES } from "../lib/token_bucket";
import {
  icmp_check, icmp_emit, icmp_emit_echo_reply_header, icmp_is_error, icmp_type,
  ICMP_DEST_UNREACHABLE, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_HEADER_BYTES, ICMP_TIME_EXCEEDED,
} from "../wire/icmp";
import { ipv4_dst, ipv4_frag_offset, ipv4_header_len, ipv4_protocol, ipv4_src, ipv4_total_len, IPV4_HEADER_BYTES, IP_PROTO_ICMP } from "../wire/ipv4";
import { clock_now } from "./clock";
import { iface_owns_addr } from "./iface";
import { probe_rx_error, probe_rx_reply } from "./icmp_probe";
import { DEFAULT_TTL, Delivery, ipv4_payload, tx_ipv4 } from "./ipv4";
import { tx_ipv4_gather } from "./ipv4_frag";
import { route_lookup } from "./route";

/** An error quotes as much of the offending datagram as keeps it within 576 bytes (RFC 1812 4.3.2.3). */
@inline const ERROR_QUOTE_MAX: i32 = 576 - IPV4_HEADER_BYTES - ICMP_HEADER_BYTES;

const error_bucket: usize = memory.data(BUCKET_BYTES, 4);
/** An echo reply's header, built here while its data stays where the request arrived. */
const echo_header: usize = memory.data(ICMP_HEADER_BYTES, 4);

export function icmp_reset(now: u32): void {
  bucket_init(error_bucket, ICMP_ERROR_BURST, now);
}

/** Keeps the error bucket's clock recent (see lib/token_bucket.ts). */
export function icmp_poll(now: u32): void {
  bucket_refill(error_bucket, ICMP_ERROR_RATE_PER_S, ICMP_ERROR_BURST, now);
}

export function rx_icmp(iface: i32, ip: usize, icmp: usize, len: i32, delivery: i32): void {
  count(Counter.icmp_rx);
  const reason = icmp_check(icmp, len);
  if (reason != Counter.OK) { count(reason); return; }
  const type = icmp_type(icmp);
  if (type == ICMP_ECHO_REQUEST) { rx_echo_request(ip, icmp, len, delivery); return; }
  if (type == ICMP_ECHO_REPLY) count(Counter.icmp_rx_echo_reply);
  else if (type == ICMP_TIME_EXCEEDED) count(Counter.icmp_rx_time_exceeded);
  else if (type == ICMP_DEST_UNREACHABLE) count(Counter.icmp_rx_unreachable);
  else { count(Counter.icmp_rx_other_type); return; }
  // Answers to our probes come to our own address.
  if (delivery != Delivery.UNICAST) { count(Counter.icmp_rx_reply_not_unicast); return; }
  if (type == ICMP_ECHO_REPLY) probe_rx_reply(ip, icmp, len);
  else probe_rx_error(ip, icmp, len);
}

function rx_echo_request(ip: usize, icmp: usize, len: i32, delivery: i32): void {
  count(Counter.icmp_rx_echo_request);
  // Broadcast and multicast pings go unanswered, as Linux does by default (smurf amplification).
  if (delivery != Delivery.UNICAST) { count(Counter.icmp_rx_echo_broadcast_ignored); return; }
  const src = ipv4_src(ip);
  const out = route_lookup(src);
  if (out < 0) { count(Counter.ipv4_tx_no_route); return; }
  // The reply's header is built apart and its data read in place, so a reassembled request
  // larger than a frame is answered in fragments (net/ipv4_frag.ts).
  copy(echo_header, icmp, ICMP_HEADER_BYTES);
  icmp_emit_echo_reply_header(echo_header, icmp + <usize>ICMP_HEADER_BYTES, len - ICMP_HEADER_BYTES);
  const sent = tx_ipv4_gather(out, ipv4_dst(ip), src, IP_PROTO_ICMP, echo_header, ICMP_HEADER_BYTES,
    icmp + <usize>ICMP_HEADER_BYTES, len - ICMP_HEADER_BYTES, DEFAULT_TTL, false);
  if (sent == 0) count(Counter.icmp_tx_echo_reply);
}

/**
 * An error (destination unreachable, time exceeded) about the validated datagram at ip, which
 * was addressed to a unicast address (RFC 1122 3.2.2: never about broadcasts, multicasts,
 * other errors or non-initial fragments). rest is the 4 bytes after the checksum (the next-hop MTU for "fragmentation
 * needed", RFC 1191). It leaves from our own address when the datagram was for us, else from
 * the outgoing interface's (a forwarded datagram).
 */
export function tx_icmp_error(ip: usize, type: u32, code: u32, rest: u32): void {
  // Nor about a fragment other than the first (RFC 1122 3.2.2): it quotes no transport header.
  if (ipv4_frag_offset(ip) != 0) return;
  if (ipv4_protocol(ip) == IP_PROTO_ICMP) {
    const inner = ip + <usize>ipv4_header_len(ip);
    if (ipv4_total_len(ip) - ipv4_header_len(ip) < 1 || icmp_is_error(icmp_type(inner))) return;
  }
  if (!bucket_take(error_bucket, ICMP_ERROR_RATE_PER_S, ICMP_ERROR_BURST, clock_now())) {
    count(Counter.icmp_tx_rate_limited);
    return;
  }
  const src = ipv4_src(ip);
  const out = route_lookup(src);
  if (out < 0) { count(Counter.ipv4_tx_no_route); return; }
  const buffer = pool_alloc();
  if (buffer == POOL_NONE) { count(Counter.tx_no_buffer); return; }
  let quote = ipv4_total_len(ip);
  if (quote > ERROR_QUOTE_MAX) quote = ERROR_QUOTE_MAX;
  const message = ipv4_payload(buffer);
  copy(message + <usize>ICMP_HEADER_BYTES, ip, quote);
  icmp_emit(message, ICMP_HEADER_BYTES + quote, type, code, rest);
  const dst = ipv4_dst(ip);
  tx_ipv4(buffer, out, iface_owns_addr(dst) ? dst : 0, src, IP_PROTO_ICMP, ICMP_HEADER_BYTES + quote);
  count(type == ICMP_TIME_EXCEEDED ? Counter.icmp_tx_time_exceeded : Counter.icmp_tx_unreachable);
}
