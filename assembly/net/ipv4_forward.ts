// Forwarding between interfaces (RFC 1812 5.2 and 5.3), off until ipv4_set_forwarding(true).
// A validated unicast datagram not addressed to us is copied out of the receive buffer (which
// the driver reuses) into a pool buffer, its TTL decremented with an incremental checksum
// update, and sent to the next hop of its route, in fragments when the outgoing MTU is smaller
// (or refused with "fragmentation needed" when DF is set, RFC 1191). Broadcasts and groups
// never get here (rx_ipv4 delivers or drops them); link-layer broadcasts, link-local datagrams
// and other subnets' directed broadcasts are not forwarded (RFC 1812 5.3.4, RFC 3927 7,
// RFC 2644). Every outcome has a counter.
import { IFACE_COUNT } from "../config";
import { copy } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import { pool_alloc, pool_ptr, POOL_NONE } from "../lib/pool";
import {
  ipv4_decrement_ttl, ipv4_dont_fragment, ipv4_dst, ipv4_frag_offset, ipv4_header_len, ipv4_is_link_local,
  ipv4_more_fragments, ipv4_src, ipv4_total_len, ipv4_ttl, IPV4_HEADER_BYTES,
} from "../wire/ipv4";
import {
  ICMP_DEST_UNREACHABLE, ICMP_TIME_EXCEEDED, ICMP_UNREACH_FRAG_NEEDED, ICMP_UNREACH_HOST, ICMP_UNREACH_NET,
} from "../wire/icmp";
import { eth_is_multicast, ETH_DST } from "../wire/ethernet";
import { tx_icmp_error } from "./icmp";
import { nic_rx_buffer } from "./nic";
import { iface_is_directed_broadcast, iface_mtu, iface_owns_addr } from "./iface";
import { ipv4_fragment } from "./ipv4_frag";
import { ipv4_output, IP_OFFSET } from "./ipv4";
import { route_lookup, route_next_hop } from "./route";

let forwarding: bool = false;
/** The forwarded header with its TTL decremented, copied into every fragment. */
const template: usize = memory.data(IPV4_HEADER_BYTES, 4);

export function ipv4_forwarding(): bool { return forwarding; }
export function ipv4_set_forwarding(on: bool): void { forwarding = on; }

function directed_broadcast(dst: u32): bool {
  for (let i = 0; i < IFACE_COUNT; i++) {
    if (iface_is_directed_broadcast(i, dst)) return true;
  }
  return false;
}

/**
 * Forwards the validated datagram at ip (received on in_iface, addressed to someone else).
 * The frame it came in is still at the start of the interface's receive buffer.
 */
export function ipv4_forward(in_iface: i32, ip: usize): void {
  const src = ipv4_src(ip);
  const dst = ipv4_dst(ip);
  // RFC 1812 5.3.4: a unicast datagram in a link-layer broadcast or multicast is not forwarded.
  const link_group = eth_is_multicast(nic_rx_buffer(in_iface) + ETH_DST);
  if (link_group || ipv4_is_link_local(src) || ipv4_is_link_local(dst) || directed_broadcast(dst)) {
    count(Counter.ipv4_fwd_not_forwardable);
    return;
  }
  // RFC 1812 5.3.1: a datagram whose TTL would reach zero is discarded with time exceeded.
  if (ipv4_ttl(ip) <= 1) {
    count(Counter.ipv4_fwd_ttl_exceeded);
    tx_icmp_error(ip, ICMP_TIME_EXCEEDED, 0, 0);
    return;
  }
  const out = route_lookup(dst);
  const next_hop = out < 0 ? 0 : route_next_hop(out, dst);
  if (next_hop == 0) {
    count(Counter.ipv4_fwd_no_route);
    tx_icmp_error(ip, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_NET, 0);
    return;
  }
  const total = ipv4_total_len(ip);
  const mtu = iface_mtu(out);
  if (total > mtu) {
    forward_fragments(ip, out, next_hop, mtu);
    return;
  }
  const buffer = pool_alloc();
  if (buffer == POOL_NONE) { count(Counter.ipv4_fwd_no_buffer); return; }
  const copied = pool_ptr(buffer) + IP_OFFSET;
  copy(copied, ip, total);
  ipv4_decrement_ttl(copied);
  count(Counter.ipv4_fwd_forwarded);
  ipv4_output(buffer, out, next_hop, total);
}

function forward_fragments(ip: usize, out: i32, next_hop: u32, mtu: i32): void {
  if (ipv4_dont_fragment(ip)) {
    count(Counter.ipv4_fwd_frag_needed);
    // RFC 1191 4: the next-hop MTU in the low 16 bits of the word after the checksum.
    tx_icmp_error(ip, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_FRAG_NEEDED, <u32>mtu);
    return;
  }
  const header_len = ipv4_header_len(ip);
  // Options would have to be sorted into copied and first-fragment-only (RFC 791 3.1); rare
  // enough on a forwarded datagram that such a datagram is dropped, counted, instead.
  if (header_len != IPV4_HEADER_BYTES) { count(Counter.ipv4_fwd_frag_options); return; }
  copy(template, ip, IPV4_HEADER_BYTES);
  ipv4_decrement_ttl(template);
  const payload_len = ipv4_total_len(ip) - header_len;
  // A refusal is counted inside (tx_no_buffer, ipv4_tx_frag_unresolved).
  if (ipv4_fragment(out, next_hop, template, ip + <usize>header_len, payload_len, 0, 0, ipv4_frag_offset(ip), ipv4_more_fragments(ip)) < 0) return;
  count(Counter.ipv4_fwd_fragmented);
}

/**
 * ARP gave up on the next hop of the queued datagram at ip: a forwarded one (not from us)
 * earns its source a host unreachable (RFC 1812 4.3.3.1), about the first fragment only.
 */
export function ipv4_undeliverable(ip: usize): void {
  if (iface_owns_addr(ipv4_src(ip)) || ipv4_frag_offset(ip) != 0) return;
  count(Counter.ipv4_fwd_host_unreachable);
  tx_icmp_error(ip, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_HOST, 0);
}
