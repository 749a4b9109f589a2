// IPv4 receive (validate, classify the destination, hand to ICMP/UDP/TCP or to forwarding)
// and send (header, next hop from net/route.ts, fragments from net/ipv4_frag.ts, Ethernet).
//
// Transmit buffer layout (a pool buffer):
//   0                8                22                 42
//   | (S-tag, C-tag) | Ethernet header | IPv4 header (20) | transport header + payload ...
// The IP header always starts at IP_OFFSET, so transports write in place and the Ethernet
// header is prepended in the headroom without copying.
import { ETH_HEADER_BYTES, ETH_TX_HEADROOM_BYTES, FEATURE_FORWARDING } from "../config";
import { hal_random } from "../hal";
import { Counter, count } from "../lib/counters";
import { pool_ptr, pool_free } from "../lib/pool";
import { eth_emit, eth_emit_broadcast_dst, eth_emit_multicast_dst, ETHERTYPE_IPV4, ETH_DST } from "../wire/ethernet";
import {
  ipv4_check, ipv4_dst, ipv4_emit, ipv4_emit_router_alert, ipv4_header_len, ipv4_is_fragment, ipv4_is_loopback,
  ipv4_is_multicast, ipv4_is_reserved, ipv4_is_this_network, ipv4_protocol, ipv4_src, ipv4_total_len,
  IPV4_BROADCAST, IPV4_HEADER_BYTES, IPV4_ROUTER_ALERT_BYTES, IP_PROTO_ICMP, IP_PROTO_IGMP, IP_PROTO_TCP, IP_PROTO_UDP,
} from "../wire/ipv4";
import { ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PROTOCOL } from "../wire/icmp";
import { arp_output } from "./arp";
import { iface_addr, iface_is_directed_broadcast, iface_mac, iface_mtu, iface_owns_addr, tx_frame } from "./iface";
import { ipv4_fragment } from "./ipv4_frag";
import { ipv4_forward, ipv4_forwarding } from "./ipv4_forward";
import { route_next_hop } from "./route";
import { rx_icmp, tx_icmp_error } from "./icmp";
import { ipv4_reasm, ipv4_reasm_reset } from "./ipv4_reasm";
import { igmp_joined, rx_igmp } from "./igmp";
import { rx_udp } from "./udp";
import { rx_tcp } from "./tcp/input";

@inline export const IP_OFFSET: usize = <usize>(ETH_TX_HEADROOM_BYTES + ETH_HEADER_BYTES);
@inline export const DEFAULT_TTL: u32 = 64;
/** 224.0.0.1, joined by every host (RFC 1112). */
@inline export const ALL_HOSTS_GROUP: u32 = 0xe0000001;

/** How a received datagram was addressed; errors are never sent for anything but unicast. */
export enum Delivery { UNICAST, BROADCAST, MULTICAST }

let next_ident: u32 = 0;

export function ipv4_reset(): void {
  next_ident = hal_random() & 0xffff;
  ipv4_reasm_reset();
}

/** Where the IP payload of a transmit buffer starts. */
@inline export function ipv4_payload(buffer: i32): usize {
  return pool_ptr(buffer) + IP_OFFSET + <usize>IPV4_HEADER_BYTES;
}

/** The identification for the next datagram we originate (RFC 791 3.2, RFC 6864). */
export function ipv4_next_ident(): u32 {
  const ident = next_ident;
  next_ident = (next_ident + 1) & 0xffff;
  return ident;
}

/**
 * Sends the datagram whose payload (payload_len bytes) is already at ipv4_payload(buffer)
 * (+ IPV4_ROUTER_ALERT_BYTES with router_alert, for IGMP: RFC 2236 2), in fragments when
 * it exceeds the interface's MTU. Takes ownership of the buffer. src 0 means the
 * interface's address.
 */
export function tx_ipv4(buffer: i32, iface: i32, src: u32, dst: u32, protocol: u32, payload_len: i32, ttl: u32 = DEFAULT_TTL, router_alert: bool = false): void {
  const ip = pool_ptr(buffer) + IP_OFFSET;
  const total = payload_len + IPV4_HEADER_BYTES + (router_alert ? IPV4_ROUTER_ALERT_BYTES : 0);
  ipv4_emit(ip, total, ipv4_next_ident(), false, ttl, protocol, src != 0 ? src : iface_addr(iface), dst);
  if (router_alert) ipv4_emit_router_alert(ip);
  count(Counter.ipv4_tx);
  const next_hop = ipv4_next_hop(iface, dst);
  if (next_hop == 0) { count(Counter.ipv4_tx_no_route); pool_free(buffer); return; }
  if (total > iface_mtu(iface)) {
    ipv4_fragment(iface, next_hop, ip, ip + <usize>IPV4_HEADER_BYTES, payload_len, 0, 0, 0, false);
    pool_free(buffer);
    return;
  }
  ipv4_output(buffer, iface, next_hop, total);
}

/** Where a datagram for dst goes on iface: itself for broadcasts and groups, else the route's next hop (0: none). */
export function ipv4_next_hop(iface: i32, dst: u32): u32 {
  if (dst == IPV4_BROADCAST || ipv4_is_multicast(dst)) return dst;
  return route_next_hop(iface, dst);
}

/**
 * Sends the datagram (total bytes, header written) at IP_OFFSET of buffer to next_hop on
 * iface: prepends the Ethernet header and resolves the neighbour. Takes ownership of the buffer.
 */
export function ipv4_output(buffer: i32, iface: i32, next_hop: u32, total: i32): void {
  const offset = <i32>IP_OFFSET - ETH_HEADER_BYTES;
  const frame = pool_ptr(buffer) + <usize>offset;
  const len = total + ETH_HEADER_BYTES;
  eth_emit(frame, frame + ETH_DST, iface_mac(iface), ETHERTYPE_IPV4);
  if (next_hop == IPV4_BROADCAST || iface_is_directed_broadcast(iface, next_hop)) {
    eth_emit_broadcast_dst(frame);
  } else if (ipv4_is_multicast(next_hop)) {
    eth_emit_multicast_dst(frame, next_hop);
  } else {
    arp_output(iface, next_hop, buffer, offset, len);
    return;
  }
  tx_frame(iface, frame, len);
  pool_free(buffer);
}

/** Sources that must never appear on a received datagram (RFC 1122 3.2.1.3, RFC 1812 5.3.7). */
function martian_source(iface: i32, src: u32, dst: u32, protocol: u32): bool {
  // 0.0.0.0 is legal only from a host still getting its address (DHCP) to a broadcast.
  if (ipv4_is_this_network(src)) return !(src == 0 && dst == IPV4_BROADCAST && protocol == IP_PROTO_UDP);
  return ipv4_is_loopback(src) || ipv4_is_multicast(src) || ipv4_is_reserved(src) ||
    src == IPV4_BROADCAST || iface_is_directed_broadcast(iface, src);
}

function classify(iface: i32, dst: u32): i32 {
  if (iface_owns_addr(dst)) return Delivery.UNICAST;
  if (dst == IPV4_BROADCAST || iface_is_directed_broadcast(iface, dst)) return Delivery.BROADCAST;
  if (ipv4_is_multicast(dst)) return Delivery.MULTICAST;
  return -1;
}

export function rx_ipv4(iface: i32, ip: usize, len: i32): void {
  count(Counter.ipv4_rx);
  const reason = ipv4_check(ip, len);
  if (reason != Counter.OK) { count(reason); return; }
  const src = ipv4_src(ip);
  const dst = ipv4_dst(ip);
  const protocol = ipv4_protocol(ip);
  if (martian_source(iface, src, dst, protocol)) { count(Counter.ipv4_rx_martian_source); return; }
  if (ipv4_is_loopback(dst) || ipv4_is_this_network(dst) || ipv4_is_reserved(dst)) {
    count(Counter.ipv4_rx_martian_destination);
    return;
  }
  const delivery = classify(iface, dst);
  if (delivery < 0) {
    if (FEATURE_FORWARDING && ipv4_forwarding()) ipv4_forward(iface, ip);
    else count(Counter.ipv4_rx_not_for_us);
    return;
  }
  if (delivery == Delivery.MULTICAST && dst != ALL_HOSTS_GROUP && !igmp_joined(iface, dst)) {
    count(Counter.ipv4_rx_multicast_not_joined);
    return;
  }
  if (!ipv4_is_fragment(ip)) { deliver(iface, ip, protocol, delivery); return; }
  const datagram = ipv4_reasm(ip, delivery);
  if (datagram != 0) deliver(iface, datagram, protocol, delivery);
}

/** Hands a whole datagram (as received, or reassembled) to its transport. */
function deliver(iface: i32, ip: usize, protocol: u32, delivery: i32): void {
  const header_len = ipv4_header_len(ip);
  const total = ipv4_total_len(ip);
  const payload = ip + <usize>header_len;
  const payload_len = total - header_len;
  if (protocol == IP_PROTO_ICMP) {
    rx_icmp(iface, ip, payload, payload_len, delivery);
  } else if (protocol == IP_PROTO_UDP) {
    rx_udp(iface, ip, payload, payload_len, delivery);
  } else if (protocol == IP_PROTO_TCP) {
    rx_tcp(iface, ip, payload, payload_len, delivery);
  } else if (protocol == IP_PROTO_IGMP) {
    rx_igmp(iface, payload, payload_len);
  } else {
    count(Counter.ipv4_rx_unknown_protocol);
    if (delivery == Delivery.UNICAST) tx_icmp_error(ip, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PROTOCOL, 0);
  }
}
