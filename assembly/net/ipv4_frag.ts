// Fragmentation on send (RFC 791 2.3 and 3.2, RFC 1122 3.3.5): a datagram longer than the
// outgoing interface's MTU leaves as fragments that share its identification, each carrying
// a multiple of 8 payload bytes (all but the last) at an offset counted in 8-byte units, with
// MF set on all but the last.
//
// A pool buffer holds one frame, so the payload is read from where it already lives (the io
// buffer, a reassembly slot, the datagram being forwarded) as a gather of two ranges: a head
// (the transport header built by the caller) and a body. Each fragment is copied into its own
// pool buffer and handed to the Ethernet/ARP path, which sends it at once when the next hop
// is known. An unresolved next hop can hold only ARP_QUEUE_COUNT frames, so a datagram with
// more fragments than that is refused whole (EAGAIN, counted) and resolution is started: the
// sender's retry (or the peer's next ping) finds the neighbour known.
import { copy } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import { pool_alloc, pool_available, pool_ptr, POOL_NONE } from "../lib/pool";
import { ipv4_emit, ipv4_emit_fragment, ipv4_is_multicast, IPV4_BROADCAST, IPV4_HEADER_BYTES } from "../wire/ipv4";
import { EAGAIN, EMSGSIZE, ENETUNREACH, ENOBUFS } from "../socket/errno";
import { arp_resolve, arp_room } from "./arp";
import { iface_addr, iface_is_directed_broadcast, iface_mtu } from "./iface";
import { ipv4_next_hop, ipv4_next_ident, ipv4_output, IP_OFFSET } from "./ipv4";

/** Largest datagram: the total length field is 16 bits. */
@inline const IPV4_TOTAL_MAX: i32 = 0xffff;

/** A header template for tx_ipv4_gather's fragments. */
const template: usize = memory.data(IPV4_HEADER_BYTES, 4);

/** Payload bytes in every fragment but the last at this MTU: what follows a 20-byte header, in whole 8-byte units. */
@inline export function frag_data_max(mtu: i32): i32 {
  return (mtu - IPV4_HEADER_BYTES) & ~7;
}

/** Fragments a payload of len bytes takes at this MTU. */
export function frag_count(len: i32, mtu: i32): i32 {
  const step = frag_data_max(mtu);
  return (len + step - 1) / step;
}

/** Copies n bytes starting at offset `at` of the gather head ++ body to dst. */
function gather_copy(dst: usize, head: usize, head_len: i32, body: usize, at: i32, n: i32): void {
  if (at < head_len) {
    const from_head = min(n, head_len - at);
    copy(dst, head + <usize>at, from_head);
    dst += <usize>from_head;
    n -= from_head;
    at = head_len;
  }
  if (n > 0) copy(dst, body + <usize>(at - head_len), n);
}

/**
 * Sends a payload (head ++ body) behind a copy of the 20-byte header at `header` (source,
 * destination, protocol, TTL, identification, TOS taken from it) as fragments for iface's MTU
 * to next_hop. base is the payload's own offset in bytes and more its MF flag, for a datagram
 * that is itself a fragment (forwarding); 0 and false otherwise. Returns 0 or a negative
 * errno: EAGAIN (next hop unresolved, more fragments than can wait), ENOBUFS (no buffer).
 */
export function ipv4_fragment(iface: i32, next_hop: u32, header: usize, head: usize, head_len: i32, body: usize, body_len: i32, base: i32, more: bool): i32 {
  const len = head_len + body_len;
  const step = frag_data_max(iface_mtu(iface));
  const fragments = frag_count(len, iface_mtu(iface));
  const needs_arp = next_hop != IPV4_BROADCAST && !ipv4_is_multicast(next_hop) && !iface_is_directed_broadcast(iface, next_hop);
  if (needs_arp) {
    const room = arp_room(iface, next_hop);
    if (room < fragments) {
      arp_resolve(iface, next_hop);
      count(Counter.ipv4_tx_frag_unresolved);
      return EAGAIN;
    }
    // Waiting fragments each keep their buffer; sent ones give it back at once.
    if (room != i32.MAX_VALUE && pool_available() < fragments) { count(Counter.tx_no_buffer); return ENOBUFS; }
  }
  for (let at = 0; at < len; at += step) {
    const buffer = pool_alloc();
    if (buffer == POOL_NONE) { count(Counter.tx_no_buffer); return ENOBUFS; }
    const ip = pool_ptr(buffer) + IP_OFFSET;
    const n = min(step, len - at);
    copy(ip, header, IPV4_HEADER_BYTES);
    gather_copy(ip + <usize>IPV4_HEADER_BYTES, head, head_len, body, at, n);
    ipv4_emit_fragment(ip, n + IPV4_HEADER_BYTES, base + at, more || at + n < len);
    ipv4_output(buffer, iface, next_hop, n + IPV4_HEADER_BYTES);
    count(Counter.ipv4_tx_fragments);
  }
  count(Counter.ipv4_tx_fragmented);
  return 0;
}

/**
 * Sends a datagram we originate whose payload is head (head_len bytes, e.g. a transport
 * header) followed by body (body_len bytes, anywhere in memory): in one frame when it fits
 * iface's MTU, else in fragments. src 0 means the interface's address. With dont_fragment
 * a datagram over the MTU is refused (EMSGSIZE, counted). Returns 0 or a negative errno.
 */
export function tx_ipv4_gather(iface: i32, src: u32, dst: u32, protocol: u32, head: usize, head_len: i32, body: usize, body_len: i32, ttl: u32, dont_fragment: bool): i32 {
  const len = head_len + body_len;
  const total = len + IPV4_HEADER_BYTES;
  if (total > IPV4_TOTAL_MAX) return EMSGSIZE;
  if (src == 0) src = iface_addr(iface);
  const next_hop = ipv4_next_hop(iface, dst);
  if (next_hop == 0) { count(Counter.ipv4_tx_no_route); return ENETUNREACH; }
  if (total > iface_mtu(iface)) {
    if (dont_fragment) { count(Counter.ipv4_tx_frag_df_refused); return EMSGSIZE; }
    ipv4_emit(template, total, ipv4_next_ident(), false, ttl, protocol, src, dst);
    count(Counter.ipv4_tx);
    return ipv4_fragment(iface, next_hop, template, head, head_len, body, body_len, 0, false);
  }
  const buffer = pool_alloc();
  if (buffer == POOL_NONE) { count(Counter.tx_no_buffer); return ENOBUFS; }
  const ip = pool_ptr(buffer) + IP_OFFSET;
  gather_copy(ip + <usize>IPV4_HEADER_BYTES, head, head_len, body, 0, len);
  ipv4_emit(ip, total, ipv4_next_ident(), dont_fragment, ttl, protocol, src, dst);
  count(Counter.ipv4_tx);
  ipv4_output(buffer, iface, next_hop, total);
  return 0;
}
