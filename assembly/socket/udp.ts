// The UDP socket API for firmware code and the host: handles are small integers, errors are
// negative errno values (socket/errno.ts), payloads are caller-owned byte ranges.
import { UDP_SOCKET_COUNT } from "../config";
import { hal_random } from "../hal";
import { Counter, count } from "../lib/counters";
import { IPV4_HEADER_BYTES, IP_PROTO_UDP, ipv4_is_multicast, IPV4_BROADCAST } from "../wire/ipv4";
import { udp_emit_header, UDP_HEADER_BYTES } from "../wire/udp";
import { iface_addr, iface_is_up, iface_owns_addr, iface_valid } from "../net/iface";
import { DEFAULT_TTL } from "../net/ipv4";
import { tx_ipv4_gather } from "../net/ipv4_frag";
import { route_lookup } from "../net/route";
import {
  udp_bound_addr, udp_bound_port, udp_port_taken, udp_queued, udp_ring_take, udp_slot_bind,
  udp_slot_close, udp_slot_open, udp_state, udp_taken_addr, udp_taken_port, UDP_BOUND, UDP_CLOSED,
} from "../net/udp";
import { EADDRINUSE, EAGAIN, EBADF, EINVAL, EMFILE, EMSGSIZE, ENETDOWN, ENETUNREACH } from "./errno";

/** Largest datagram payload: what an IPv4 total length can carry (sent in fragments past the MTU). */
@inline export const UDP_PAYLOAD_MAX: i32 = 0xffff - IPV4_HEADER_BYTES - UDP_HEADER_BYTES;
// Dynamic port range (RFC 6335 6).
@inline const EPHEMERAL_FIRST: u32 = 49152;
@inline const EPHEMERAL_COUNT: u32 = 16384;
const udp_header: usize = memory.data(UDP_HEADER_BYTES, 4);

@inline function valid(handle: i32): bool {
  return handle >= 0 && handle < UDP_SOCKET_COUNT && udp_state(handle) != UDP_CLOSED;
}

export function udp_socket_open(): i32 {
  const handle = udp_slot_open();
  return handle < 0 ? EMFILE : handle;
}

/** A free port from the dynamic range, starting at a random point; 0 if all are taken. */
function ephemeral_port(): u32 {
  const start = hal_random() % EPHEMERAL_COUNT;
  for (let i: u32 = 0; i < EPHEMERAL_COUNT; i++) {
    const port = EPHEMERAL_FIRST + (start + i) % EPHEMERAL_COUNT;
    if (!udp_port_taken(0, port)) return port;
  }
  return 0;
}

/** addr 0 binds every local address; port 0 picks an ephemeral port. */
export function udp_socket_bind(handle: i32, addr: u32, port: u32): i32 {
  if (!valid(handle)) return EBADF;
  if (udp_state(handle) == UDP_BOUND || port > 0xffff) return EINVAL;
  if (addr != 0 && addr != IPV4_BROADCAST && !ipv4_is_multicast(addr) && !iface_owns_addr(addr)) return EINVAL;
  if (port == 0) {
    port = ephemeral_port();
    if (port == 0) return EADDRINUSE;
  } else if (udp_port_taken(addr, port)) {
    return EADDRINUSE;
  }
  udp_slot_bind(handle, addr, port);
  return 0;
}

export function udp_socket_port(handle: i32): i32 {
  if (!valid(handle)) return EBADF;
  return <i32>udp_bound_port(handle);
}

/** Sends len bytes at data to addr:port; binds an ephemeral port first if needed. */
export function udp_socket_sendto(handle: i32, addr: u32, port: u32, data: usize, len: i32): i32 {
  if (!valid(handle)) return EBADF;
  if (addr == 0 || port == 0 || port > 0xffff || len < 0) return EINVAL;
  if (len > UDP_PAYLOAD_MAX) return EMSGSIZE;
  if (udp_state(handle) != UDP_BOUND) {
    const bound = udp_socket_bind(handle, 0, 0);
    if (bound < 0) return bound;
  }
  const iface = route_lookup(addr);
  if (iface < 0) { count(Counter.ipv4_tx_no_route); return ENETUNREACH; }
  const bound_addr = udp_bound_addr(handle);
  // A socket bound to a broadcast or group address still sends from the interface address.
  const src = bound_addr != 0 && iface_owns_addr(bound_addr) ? bound_addr : iface_addr(iface);
  return send(handle, iface, src, addr, port, data, len);
}

/**
 * Sends len bytes at data to addr:port out of iface, from the interface's address as it is
 * (0.0.0.0 before it has one: a DHCP client, RFC 2131 4.1), without a route lookup. The
 * socket must be bound.
 */
export function udp_socket_sendto_iface(handle: i32, iface: i32, addr: u32, port: u32, data: usize, len: i32): i32 {
  if (!valid(handle) || udp_state(handle) != UDP_BOUND) return EBADF;
  if (!iface_valid(iface) || addr == 0 || port == 0 || port > 0xffff || len < 0) return EINVAL;
  if (len > UDP_PAYLOAD_MAX) return EMSGSIZE;
  if (!iface_is_up(iface)) return ENETDOWN;
  return send(handle, iface, iface_addr(iface), addr, port, data, len);
}

function send(handle: i32, iface: i32, src: u32, addr: u32, port: u32, data: usize, len: i32): i32 {
  // The header is built apart and the data read where it is: a datagram over the MTU leaves
  // in fragments, its checksum covering the whole datagram.
  udp_emit_header(udp_header, data, len, udp_bound_port(handle), port, src, addr);
  // Multicast stays on the link unless asked otherwise (RFC 1112 6.1).
  const ttl = ipv4_is_multicast(addr) ? 1 : DEFAULT_TTL;
  const sent = tx_ipv4_gather(iface, src, addr, IP_PROTO_UDP, udp_header, UDP_HEADER_BYTES, data, len, ttl, false);
  if (sent < 0) return sent;
  count(Counter.udp_tx);
  return len;
}

/**
 * Takes the oldest datagram into data (at most capacity bytes; the rest of a longer one is
 * discarded) and writes its source to peer_out (+0 addr: u32, +4 port: u32) when non-zero.
 * Returns the datagram's full length, or EAGAIN.
 */
export function udp_socket_recvfrom(handle: i32, data: usize, capacity: i32, peer_out: usize): i32 {
  if (!valid(handle)) return EBADF;
  if (capacity < 0) return EINVAL;
  const len = udp_ring_take(handle, data, capacity);
  if (len < 0) return EAGAIN;
  if (peer_out != 0) {
    store<u32>(peer_out, udp_taken_addr());
    store<u32>(peer_out, udp_taken_port(), 4);
  }
  return len;
}

export function udp_socket_pending(handle: i32): i32 {
  if (!valid(handle)) return EBADF;
  return udp_queued(handle);
}

export function udp_socket_close(handle: i32): i32 {
  if (!valid(handle)) return EBADF;
  udp_slot_close(handle);
  return 0;
}
