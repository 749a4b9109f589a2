// The TCP socket API for firmware code and the host. A handle is a connection slot; calls
// never block: they return a negative errno (EAGAIN when there is nothing to do yet) and the
// caller waits for tcp_socket_events() to change, after the next rx or poll.
import { TCP_CONNECTION_COUNT, TCP_RECV_BUFFER_BYTES, TCP_SEND_BUFFER_BYTES, TCP_KEEPALIVE_IDLE_MS } from "../config";
import { hal_random } from "../hal";
import { ring_read, ring_write } from "../lib/ring";
import { ipv4_is_loopback, ipv4_is_multicast, ipv4_is_reserved, ipv4_is_this_network, IPV4_BROADCAST } from "../wire/ipv4";
import { clock_now, clock_wake_at } from "../net/clock";
import { iface_addr, iface_is_directed_broadcast, iface_owns_addr } from "../net/iface";
import { route_lookup } from "../net/route";
import { cc_init } from "../net/tcp/congestion";
import { isn_generate } from "../net/tcp/isn";
import { arm_orphan_timer, tcb_abort, tcb_close } from "../net/tcp/lifecycle";
import { arm_retransmit, effective_mss, send_space, send_syn, tcp_output, window_update_due } from "../net/tcp/output";
import { rtt_reset } from "../net/tcp/rtt";
import {
  Tcb, tcb, tcb_alloc, tcb_free, send_ring, recv_ring, has, set, clear, synchronized,
  FREE, CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, LAST_ACK, TIME_WAIT,
  F_ACCEPTABLE, F_APP_CLOSED, F_FIN_RCVD, F_KEEPALIVE, F_NODELAY, F_SHUT_WR, F_WINDOW_UPDATE,
} from "../net/tcp/tcb";
import { time_wait_uses_port } from "../net/tcp/timewait";
import {
  EADDRINUSE, EAGAIN, EBADF, EINVAL, EISCONN, EMFILE, ENETUNREACH, ENOTCONN, EOPNOTSUPP, EPIPE,
} from "./errno";

// Readiness flags from tcp_socket_events.
@inline export const TCP_EV_READABLE: u32 = 1;    // data to read, or EOF, or an error to collect
@inline export const TCP_EV_WRITABLE: u32 = 2;    // send space and the connection still sends
@inline export const TCP_EV_CONNECTED: u32 = 4;   // the handshake completed
@inline export const TCP_EV_EOF: u32 = 8;         // the peer closed and everything was read
@inline export const TCP_EV_CLOSED: u32 = 16;     // the connection is over (CLOSED or TIME-WAIT)
@inline export const TCP_EV_ERROR: u32 = 32;      // tcp_socket_error() has the reason
@inline export const TCP_EV_ACCEPTABLE: u32 = 64; // a listener has a connection for accept()

@inline const EPHEMERAL_FIRST: u32 = 49152;
@inline const EPHEMERAL_COUNT: u32 = 16384;

/** A handle the application holds: a used slot, not released, not an unaccepted child. */
function valid(handle: i32): bool {
  if (handle < 0 || handle >= TCP_CONNECTION_COUNT) return false;
  const t = tcb(handle);
  return t.state != FREE && !has(t, F_APP_CLOSED) && t.parent < 0;
}

function port_in_use(port: u32): bool {
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
    const t = tcb(i);
    if (t.state != FREE && t.state != CLOSED && t.local_port == port) return true;
  }
  return time_wait_uses_port(port);
}

function ephemeral_port(): u32 {
  const start = hal_random() % EPHEMERAL_COUNT;
  for (let k: u32 = 0; k < EPHEMERAL_COUNT; k++) {
    const port = EPHEMERAL_FIRST + (start + k) % EPHEMERAL_COUNT;
    if (!port_in_use(port)) return port;
  }
  return 0;
}

export function tcp_socket_open(): i32 {
  const handle = tcb_alloc();
  return handle < 0 ? EMFILE : handle;
}

/** Passive open on addr (0 = every local address) and port, with up to backlog pending children. */
export function tcp_socket_listen(handle: i32, addr: u32, port: u32, backlog: i32): i32 {
  if (!valid(handle)) return EBADF;
  const t = tcb(handle);
  if (t.state != CLOSED || t.local_port != 0) return EISCONN;
  if (port == 0 || port > 0xffff || backlog < 1) return EINVAL;
  if (addr != 0 && !iface_owns_addr(addr)) return EINVAL;
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
    const other = tcb(i);
    if (other.state == LISTEN && other.local_port == port && (other.local_addr == 0 || addr == 0 || other.local_addr == addr)) return EADDRINUSE;
  }
  t.local_addr = addr;
  t.local_port = port;
  t.backlog = backlog < TCP_CONNECTION_COUNT ? backlog : TCP_CONNECTION_COUNT;
  t.children = 0;
  t.state = LISTEN;
  return 0;
}

/** The oldest established child of a listener, now the caller's handle; EAGAIN if none. */
export function tcp_socket_accept(handle: i32): i32 {
  if (!valid(handle)) return EBADF;
  if (tcb(handle).state != LISTEN) return EINVAL;
  let found = -1;
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
    const child = tcb(i);
    if (child.state == FREE || child.parent != handle || !has(child, F_ACCEPTABLE)) continue;
    if (found < 0 || <i32>(child.serial - tcb(found).serial) < 0) found = i;
  }
  if (found < 0) return EAGAIN;
  const child = tcb(found);
  clear(child, F_ACCEPTABLE);
  child.parent = -1;
  tcb(handle).children--;
  return found;
}

function unusable_peer(addr: u32): bool {
  return addr == 0 || addr == IPV4_BROADCAST || ipv4_is_multicast(addr) || ipv4_is_reserved(addr) ||
    ipv4_is_loopback(addr) || ipv4_is_this_network(addr);
}

/** Active open. Returns 0 with the handshake under way; TCP_EV_CONNECTED or _ERROR follows. */
export function tcp_socket_connect(handle: i32, addr: u32, port: u32): i32 {
  if (!valid(handle)) return EBADF;
  const t = tcb(handle);
  if (t.state != CLOSED || t.local_port != 0) return EISCONN;
  if (port == 0 || port > 0xffff || unusable_peer(addr)) return EINVAL;
  const iface = route_lookup(addr);
  if (iface < 0) return ENETUNREACH;
  if (iface_is_directed_broadcast(iface, addr)) return EINVAL;
  const local_port = ephemeral_port();
  if (local_port == 0) return EADDRINUSE;
  const now = clock_now();
  t.local_addr = iface_addr(iface);
  t.local_port = local_port;
  t.remote_addr = addr;
  t.remote_port = port;
  t.iss = isn_generate(t.local_addr, local_port, addr, port, now);
  t.snd_una = t.iss;
  t.snd_nxt = t.iss + 1;
  t.snd_max = t.iss + 1;
  t.rcv_adv = 0;
  t.mss = effective_mss(0, false, addr);
  t.state = SYN_SENT;
  t.error = 0;
  rtt_reset(t);
  cc_init(t);
  t.rtt_start = now;
  send_syn(handle);
  arm_retransmit(t);
  return 0;
}

/** Queues up to len bytes; returns how many were taken, or EAGAIN when the ring is full. */
export function tcp_socket_send(handle: i32, data: usize, len: i32): i32 {
  if (!valid(handle)) return EBADF;
  if (len < 0) return EINVAL;
  const t = tcb(handle);
  if (t.error < 0) return t.error;
  if (has(t, F_SHUT_WR)) return EPIPE;
  const state = t.state;
  if (state == LISTEN) return EOPNOTSUPP;
  if (state != SYN_SENT && state != SYN_RECEIVED && state != ESTABLISHED && state != CLOSE_WAIT) return ENOTCONN;
  let n = send_space(t);
  if (n > len) n = len;
  if (n == 0) return len == 0 ? 0 : EAGAIN;
  ring_write(send_ring(handle), TCP_SEND_BUFFER_BYTES, t.send_head + t.send_used, data, n);
  t.send_used += n;
  tcp_output(handle);
  return n;
}

/** Reads up to capacity bytes; 0 means end of stream; EAGAIN means nothing yet. */
export function tcp_socket_recv(handle: i32, data: usize, capacity: i32): i32 {
  if (!valid(handle)) return EBADF;
  if (capacity < 0) return EINVAL;
  const t = tcb(handle);
  if (t.recv_used > 0) {
    const n = t.recv_used < capacity ? t.recv_used : capacity;
    ring_read(recv_ring(handle), TCP_RECV_BUFFER_BYTES, t.recv_head, data, n);
    t.recv_head = (t.recv_head + n) % TCP_RECV_BUFFER_BYTES;
    t.recv_used -= n;
    if (window_update_due(t)) {
      set(t, F_WINDOW_UPDATE);
      tcp_output(handle);
    }
    return n;
  }
  if (has(t, F_FIN_RCVD)) return 0;
  if (t.error < 0) return t.error;
  if (t.state == LISTEN) return EOPNOTSUPP;
  if (t.state == CLOSED) return ENOTCONN;
  return EAGAIN;
}

/** Half-close: a FIN follows the queued data; reading goes on. */
export function tcp_socket_shutdown(handle: i32): i32 {
  if (!valid(handle)) return EBADF;
  return shut_write(handle);
}

function shut_write(handle: i32): i32 {
  const t = tcb(handle);
  if (has(t, F_SHUT_WR)) return 0;
  const state = t.state;
  if (state == ESTABLISHED || state == SYN_RECEIVED) t.state = FIN_WAIT_1;
  else if (state == CLOSE_WAIT) t.state = LAST_ACK;
  else return ENOTCONN;
  set(t, F_SHUT_WR);
  tcp_output(handle);
  return 0;
}

/**
 * Releases the handle. An open connection closes gracefully in the background (FIN after the
 * queued data), unless unread data is left: then it is reset (RFC 1122 4.2.2.13).
 */
export function tcp_socket_close(handle: i32): i32 {
  if (!valid(handle)) return EBADF;
  const t = tcb(handle);
  const state = t.state;
  if (state == LISTEN) {
    for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
      if (tcb(i).state != FREE && tcb(i).parent == handle) tcb_abort(i, 0);
    }
    tcb_free(handle);
    return 0;
  }
  if (state == CLOSED || state == TIME_WAIT || state == SYN_SENT) {
    tcb_free(handle);
    return 0;
  }
  set(t, F_APP_CLOSED);
  if (t.recv_used > 0) {
    tcb_abort(handle, 0);
    return 0;
  }
  if (!has(t, F_SHUT_WR)) shut_write(handle);
  else if (state == FIN_WAIT_2) arm_orphan_timer(t);
  return 0;
}

/** Ends the connection at once with a RST and releases the handle. */
export function tcp_socket_abort(handle: i32): i32 {
  if (!valid(handle)) return EBADF;
  const t = tcb(handle);
  const state = t.state;
  if (state == LISTEN) return tcp_socket_close(handle);
  set(t, F_APP_CLOSED);
  if ((synchronized(state) && state != TIME_WAIT) || state == SYN_RECEIVED) tcb_abort(handle, 0);
  else tcb_close(handle, 0);
  return 0;
}

export function tcp_socket_events(handle: i32): u32 {
  if (!valid(handle)) return 0;
  const t = tcb(handle);
  const state = t.state;
  let events: u32 = 0;
  if (state == LISTEN) {
    for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
      const child = tcb(i);
      if (child.state != FREE && child.parent == handle && has(child, F_ACCEPTABLE)) return TCP_EV_ACCEPTABLE;
    }
    return 0;
  }
  if (t.recv_used > 0 || has(t, F_FIN_RCVD) || t.error < 0) events |= TCP_EV_READABLE;
  if ((state == ESTABLISHED || state == CLOSE_WAIT) && !has(t, F_SHUT_WR) && send_space(t) > 0) events |= TCP_EV_WRITABLE;
  if (synchronized(state)) events |= TCP_EV_CONNECTED;
  if (has(t, F_FIN_RCVD) && t.recv_used == 0) events |= TCP_EV_EOF;
  if (state == CLOSED || state == TIME_WAIT) events |= TCP_EV_CLOSED;
  if (t.error < 0) events |= TCP_EV_ERROR;
  return events;
}

export function tcp_socket_error(handle: i32): i32 {
  return valid(handle) ? tcb(handle).error : EBADF;
}

export function tcp_socket_state(handle: i32): i32 {
  return valid(handle) ? tcb(handle).state : EBADF;
}

export function tcp_socket_set_nodelay(handle: i32, on: bool): i32 {
  if (!valid(handle)) return EBADF;
  const t = tcb(handle);
  if (on) set(t, F_NODELAY);
  else clear(t, F_NODELAY);
  if (on) tcp_output(handle);
  return 0;
}

export function tcp_socket_set_keepalive(handle: i32, on: bool): i32 {
  if (!valid(handle)) return EBADF;
  const t = tcb(handle);
  if (!on) { clear(t, F_KEEPALIVE); return 0; }
  set(t, F_KEEPALIVE);
  t.keep_probes = 0;
  t.keep_at = clock_now() + TCP_KEEPALIVE_IDLE_MS;
  clock_wake_at(t.keep_at);
  return 0;
}

export function tcp_socket_send_space(handle: i32): i32 {
  return valid(handle) ? send_space(tcb(handle)) : EBADF;
}

export function tcp_socket_recv_available(handle: i32): i32 {
  return valid(handle) ? tcb(handle).recv_used : EBADF;
}

/** Peer address and port, and the local port, of a connection (for listings and accept). */
export function tcp_socket_peer_addr(handle: i32): u32 { return valid(handle) ? tcb(handle).remote_addr : 0; }
export function tcp_socket_peer_port(handle: i32): u32 { return valid(handle) ? tcb(handle).remote_port : 0; }
export function tcp_socket_local_port(handle: i32): u32 { return valid(handle) ? tcb(handle).local_port : 0; }

/** Slot i's state for connection listings (any slot, held or not); FREE if unused. */
export function tcp_slot_state(i: i32): i32 {
  return i >= 0 && i < TCP_CONNECTION_COUNT ? tcb(i).state : FREE;
}
export function tcp_slot(i: i32): Tcb { return tcb(i); }
