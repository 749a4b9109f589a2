// UDP demultiplexing and per-socket receive rings (RFC 768). The socket API with its error
// codes lives in socket/udp.ts; this file keeps the state it works on.
//
// Each socket owns UDP_RX_RING_BYTES of a static block. A ring holds whole datagrams as
//   [ length: u16 | src port: u16 | src addr: u32 | payload (length bytes) ]
// records, wrapping at the end. A datagram that does not fit is dropped and counted:
// nothing already queued is ever overwritten.
import { UDP_SOCKET_COUNT, UDP_RX_RING_BYTES } from "../config";
import { ring_read, ring_write } from "../lib/ring";
import { Counter, count } from "../lib/counters";
import { ipv4_dst, ipv4_src } from "../wire/ipv4";
import { udp_check, udp_dst_port, udp_length, udp_src_port, UDP_HEADER_BYTES } from "../wire/udp";
import { ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT } from "../wire/icmp";
import { tx_icmp_error } from "./icmp";
import { Delivery } from "./ipv4";

@inline export const UDP_CLOSED: u8 = 0;
@inline export const UDP_OPEN: u8 = 1;
@inline export const UDP_BOUND: u8 = 2;
@inline const RECORD_HEADER_BYTES: i32 = 8;

const rings: usize = memory.data(UDP_RX_RING_BYTES * UDP_SOCKET_COUNT, 8);
const state = new StaticArray<u8>(UDP_SOCKET_COUNT);
const local_addr = new StaticArray<u32>(UDP_SOCKET_COUNT);
const local_port = new StaticArray<u32>(UDP_SOCKET_COUNT);
const ring_head = new StaticArray<i32>(UDP_SOCKET_COUNT);
const ring_used = new StaticArray<i32>(UDP_SOCKET_COUNT);
const ring_datagrams = new StaticArray<i32>(UDP_SOCKET_COUNT);
/** Scratch for one record header while it is copied across the ring's end. */
const record: usize = memory.data(RECORD_HEADER_BYTES, 4);

@inline function ring(socket: i32): usize {
  return rings + <usize>(socket * UDP_RX_RING_BYTES);
}

@inline export function udp_state(socket: i32): u8 { return unchecked(state[socket]); }
@inline export function udp_bound_addr(socket: i32): u32 { return unchecked(local_addr[socket]); }
@inline export function udp_bound_port(socket: i32): u32 { return unchecked(local_port[socket]); }
@inline export function udp_queued(socket: i32): i32 { return unchecked(ring_datagrams[socket]); }

export function udp_slot_open(): i32 {
  for (let i = 0; i < UDP_SOCKET_COUNT; i++) {
    if (unchecked(state[i]) != UDP_CLOSED) continue;
    unchecked((state[i] = UDP_OPEN));
    unchecked((local_addr[i] = 0));
    unchecked((local_port[i] = 0));
    unchecked((ring_head[i] = 0));
    unchecked((ring_used[i] = 0));
    unchecked((ring_datagrams[i] = 0));
    return i;
  }
  return -1;
}

export function udp_slot_bind(socket: i32, addr: u32, port: u32): void {
  unchecked((local_addr[socket] = addr));
  unchecked((local_port[socket] = port));
  unchecked((state[socket] = UDP_BOUND));
}

export function udp_slot_close(socket: i32): void {
  unchecked((state[socket] = UDP_CLOSED));
}

/** Another bound socket already receives on (addr, port): same port and overlapping address. */
export function udp_port_taken(addr: u32, port: u32): bool {
  for (let i = 0; i < UDP_SOCKET_COUNT; i++) {
    if (unchecked(state[i]) != UDP_BOUND || unchecked(local_port[i]) != port) continue;
    const bound = unchecked(local_addr[i]);
    if (bound == 0 || addr == 0 || bound == addr) return true;
  }
  return false;
}

function deliver(socket: i32, payload: usize, len: i32, src: u32, src_port: u32): void {
  const head = unchecked(ring_head[socket]);
  const used = unchecked(ring_used[socket]);
  if (UDP_RX_RING_BYTES - used < RECORD_HEADER_BYTES + len) { count(Counter.udp_rx_ring_full); return; }
  store<u16>(record, <u16>len);
  store<u16>(record, <u16>src_port, 2);
  store<u32>(record, src, 4);
  const tail = head + used;
  ring_write(ring(socket), UDP_RX_RING_BYTES, tail, record, RECORD_HEADER_BYTES);
  ring_write(ring(socket), UDP_RX_RING_BYTES, tail + RECORD_HEADER_BYTES, payload, len);
  unchecked((ring_used[socket] = used + RECORD_HEADER_BYTES + len));
  unchecked((ring_datagrams[socket] = unchecked(ring_datagrams[socket]) + 1));
}

// Source of the datagram most recently taken by udp_ring_take.
let taken_addr: u32 = 0;
let taken_port: u32 = 0;
@inline export function udp_taken_addr(): u32 { return taken_addr; }
@inline export function udp_taken_port(): u32 { return taken_port; }

/**
 * Removes the oldest datagram, copying at most capacity bytes of it to dst (the rest is
 * discarded, as recvfrom truncates). Returns its full length, or -1 when the ring is empty.
 */
export function udp_ring_take(socket: i32, dst: usize, capacity: i32): i32 {
  if (unchecked(ring_datagrams[socket]) == 0) return -1;
  const head = unchecked(ring_head[socket]);
  ring_read(ring(socket), UDP_RX_RING_BYTES, head, record, RECORD_HEADER_BYTES);
  const len = <i32>load<u16>(record);
  taken_port = <u32>load<u16>(record, 2);
  taken_addr = load<u32>(record, 4);
  ring_read(ring(socket), UDP_RX_RING_BYTES, head + RECORD_HEADER_BYTES, dst, min(len, capacity));
  const consumed = RECORD_HEADER_BYTES + len;
  unchecked((ring_head[socket] = (head + consumed) % UDP_RX_RING_BYTES));
  unchecked((ring_used[socket] = unchecked(ring_used[socket]) - consumed));
  unchecked((ring_datagrams[socket] = unchecked(ring_datagrams[socket]) - 1));
  return len;
}

function find_socket(dst: u32, port: u32): i32 {
  for (let i = 0; i < UDP_SOCKET_COUNT; i++) {
    if (unchecked(state[i]) != UDP_BOUND || unchecked(local_port[i]) != port) continue;
    const bound = unchecked(local_addr[i]);
    if (bound == 0 || bound == dst) return i;
  }
  return -1;
}

export function rx_udp(iface: i32, ip: usize, udp: usize, len: i32, delivery: i32): void {
  count(Counter.udp_rx);
  const src = ipv4_src(ip);
  const dst = ipv4_dst(ip);
  const reason = udp_check(udp, len, src, dst);
  if (reason != Counter.OK) { count(reason); return; }
  const socket = find_socket(dst, udp_dst_port(udp));
  if (socket < 0) {
    count(Counter.udp_rx_no_socket);
    if (delivery == Delivery.UNICAST) tx_icmp_error(ip, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, 0);
    return;
  }
  deliver(socket, udp + <usize>UDP_HEADER_BYTES, udp_length(udp) - UDP_HEADER_BYTES, src, udp_src_port(udp));
}
