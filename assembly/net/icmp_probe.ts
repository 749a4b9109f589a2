// Ping and traceroute probes: ICMP echo requests sent on the host's behalf (with a chosen size
// and TTL), matched with the echo reply, or with the time exceeded / destination unreachable
// error that quotes them, or timed out by poll. Traceroute uses echo requests too: the quote's
// first 8 bytes then carry the identifier and sequence, so one match serves both, and no UDP
// port is taken (the answer from the destination is its echo reply).
//
// One identifier per stack (random at reset); each probe takes the next sequence number, so the
// pending probes (at most PROBE_COUNT, far below 2^16) never share one. The echo data is a
// pattern of the sequence, checked byte for byte in the reply, so nothing is stored per probe.
//
// A slot stays taken until the host reads its result and releases it; a send into a full table
// is refused (ENOBUFS), never evicts another probe.
//
// Slot layout (SLOT_BYTES):
//   0      1      2          3     4          6      8     12     16        20         24
//   | state | code | reply_ttl | -  | sequence | size | dst | from | sent_at | deadline | rtt
import { PROBE_COUNT, PROBE_PAYLOAD_MAX, PROBE_TIMEOUT_MAX_MS } from "../config";
import { hal_random } from "../hal";
import { Counter, count } from "../lib/counters";
import { time_before } from "../lib/time";
import { EAGAIN, ENETUNREACH, EINVAL, ENOBUFS } from "../socket/errno";
import {
  icmp_code, icmp_echo_data, icmp_echo_ident, icmp_echo_sequence, icmp_emit_echo_header, icmp_quote, icmp_quote_check, icmp_type,
  ICMP_DEST_UNREACHABLE, ICMP_ECHO_REQUEST, ICMP_HEADER_BYTES,
} from "../wire/icmp";
import {
  ipv4_dst, ipv4_header_len, ipv4_is_multicast, ipv4_is_this_network, ipv4_protocol, ipv4_src, ipv4_ttl,
  IPV4_BROADCAST, IP_PROTO_ICMP,
} from "../wire/ipv4";
import { clock_now, clock_wake_at } from "./clock";
import { iface_owns_addr } from "./iface";
import { tx_ipv4_gather } from "./ipv4_frag";
import { route_lookup } from "./route";

/** Probe states as the host reads them (host/abi.ts ProbeState). */
@inline export const PROBE_FREE: u32 = 0;
@inline export const PROBE_PENDING: u32 = 1;
@inline export const PROBE_REPLY: u32 = 2;
@inline export const PROBE_TIME_EXCEEDED: u32 = 3;
@inline export const PROBE_UNREACHABLE: u32 = 4;
@inline export const PROBE_TIMEOUT: u32 = 5;

@inline const STATE: usize = 0;
@inline const CODE: usize = 1;
@inline const REPLY_TTL: usize = 2;
@inline const SEQUENCE: usize = 4;
@inline const SIZE: usize = 6;
@inline const DST: usize = 8;
@inline const FROM: usize = 12;
@inline const SENT_AT: usize = 16;
@inline const DEADLINE: usize = 20;
@inline const RTT: usize = 24;
@inline const SLOT_BYTES: usize = 28;

const slots: usize = memory.data(<i32>SLOT_BYTES * PROBE_COUNT, 4);
let ident: u32 = 0;
let next_sequence: u32 = 0;
/** The echo request's header; its data is read where it was generated. */
const header: usize = memory.data(ICMP_HEADER_BYTES, 4);

@inline function slot(i: i32): usize { return slots + <usize>i * SLOT_BYTES; }
@inline function state(s: usize): u32 { return load<u8>(s + STATE); }

export function probe_reset(): void {
  for (let i = 0; i < PROBE_COUNT; i++) store<u8>(slot(i) + STATE, <u8>PROBE_FREE);
  ident = hal_random() & 0xffff;
  next_sequence = 1; // as ping numbers its first probe
}

/** The echo identifier of this stack's probes. */
export function probe_ident(): u32 { return ident; }

/** Byte i of a probe's echo data. */
@inline function pattern(sequence: u32, i: i32): u8 { return <u8>(sequence + <u32>i); }

/**
 * Sends an echo request of size data bytes with the given TTL to dst; returns the slot
 * (>= 0), or EINVAL (bad size, TTL, timeout or address), ENETUNREACH (no route) or ENOBUFS
 * (table or transmit buffers full). The data is generated into scratch (at least size bytes,
 * only used during the call: index.ts passes the io buffer) and read from there as the body
 * of the datagram, which leaves in fragments when it exceeds the MTU. A request whose
 * fragments cannot wait for the next hop's resolution (EAGAIN) is lost as on the wire: its
 * probe stays pending and times out.
 */
export function probe_send(dst: u32, size: i32, ttl: u32, timeout_ms: u32, scratch: usize): i32 {
  if (size < 0 || size > PROBE_PAYLOAD_MAX || ttl < 1 || ttl > 255) return EINVAL;
  if (timeout_ms < 1 || timeout_ms > PROBE_TIMEOUT_MAX_MS) return EINVAL;
  if (ipv4_is_this_network(dst) || ipv4_is_multicast(dst) || dst == IPV4_BROADCAST) return EINVAL;
  let free = -1;
  for (let i = 0; i < PROBE_COUNT; i++) {
    if (state(slot(i)) == PROBE_FREE) { free = i; break; }
  }
  if (free < 0) return ENOBUFS;
  const out = route_lookup(dst);
  if (out < 0) { count(Counter.ipv4_tx_no_route); return ENETUNREACH; }
  const sequence = next_sequence;
  for (let i = 0; i < size; i++) store<u8>(scratch + <usize>i, pattern(sequence, i));
  icmp_emit_echo_header(header, ICMP_ECHO_REQUEST, (ident << 16) | sequence, scratch, size);
  const sent = tx_ipv4_gather(out, 0, dst, IP_PROTO_ICMP, header, ICMP_HEADER_BYTES, scratch, size, ttl, false);
  if (sent < 0 && sent != EAGAIN) return sent;
  next_sequence = (next_sequence + 1) & 0xffff;
  const now = clock_now();
  const s = slot(free);
  store<u8>(s + STATE, <u8>PROBE_PENDING);
  store<u8>(s + CODE, 0);
  store<u8>(s + REPLY_TTL, 0);
  store<u16>(s + SEQUENCE, <u16>sequence);
  store<u16>(s + SIZE, <u16>size);
  store<u32>(s + DST, dst);
  store<u32>(s + FROM, 0);
  store<u32>(s + SENT_AT, now);
  store<u32>(s + DEADLINE, now + timeout_ms);
  store<u32>(s + RTT, 0);
  clock_wake_at(now + timeout_ms);
  count(Counter.icmp_probe_tx);
  return free;
}

/** The pending probe to dst with this sequence number, or -1. */
function pending(dst: u32, sequence: u32): i32 {
  for (let i = 0; i < PROBE_COUNT; i++) {
    const s = slot(i);
    if (state(s) == PROBE_PENDING && <u32>load<u16>(s + SEQUENCE) == sequence && load<u32>(s + DST) == dst) return i;
  }
  return -1;
}

function answer(s: usize, result: u32, from: u32, code: u32, reply_ttl: u32): void {
  store<u8>(s + STATE, <u8>result);
  store<u8>(s + CODE, <u8>code);
  store<u8>(s + REPLY_TTL, <u8>reply_ttl);
  store<u32>(s + FROM, from);
  store<u32>(s + RTT, clock_now() - load<u32>(s + SENT_AT));
}

/** An echo reply (checked message of len bytes in the datagram at ip) to one of our probes? */
export function probe_rx_reply(ip: usize, icmp: usize, len: i32): void {
  const src = ipv4_src(ip);
  const found = icmp_echo_ident(icmp) == ident ? pending(src, icmp_echo_sequence(icmp)) : -1;
  if (found < 0) { count(Counter.icmp_probe_rx_unmatched); return; }
  const s = slot(found);
  const size = <i32>load<u16>(s + SIZE);
  const sequence = <u32>load<u16>(s + SEQUENCE);
  if (len != ICMP_HEADER_BYTES + size) { count(Counter.icmp_probe_rx_bad_payload); return; }
  const data = icmp_echo_data(icmp);
  for (let i = 0; i < size; i++) {
    if (load<u8>(data + <usize>i) != pattern(sequence, i)) { count(Counter.icmp_probe_rx_bad_payload); return; }
  }
  answer(s, PROBE_REPLY, src, 0, ipv4_ttl(ip));
}

/**
 * A time exceeded or destination unreachable (checked message of len bytes in the datagram at
 * ip) quoting one of our probes: the quote must be an echo request from one of our addresses,
 * with our identifier, to the probe's destination.
 */
export function probe_rx_error(ip: usize, icmp: usize, len: i32): void {
  const reason = icmp_quote_check(icmp, len);
  if (reason != Counter.OK) { count(reason); return; }
  const quoted = icmp_quote(icmp);
  const inner = quoted + <usize>ipv4_header_len(quoted);
  if (ipv4_protocol(quoted) != IP_PROTO_ICMP || !iface_owns_addr(ipv4_src(quoted)) ||
      icmp_type(inner) != ICMP_ECHO_REQUEST || icmp_echo_ident(inner) != ident) {
    count(Counter.icmp_probe_rx_unmatched);
    return;
  }
  const found = pending(ipv4_dst(quoted), icmp_echo_sequence(inner));
  if (found < 0) { count(Counter.icmp_probe_rx_unmatched); return; }
  const result = icmp_type(icmp) == ICMP_DEST_UNREACHABLE ? PROBE_UNREACHABLE : PROBE_TIME_EXCEEDED;
  answer(slot(found), result, ipv4_src(ip), icmp_code(icmp), ipv4_ttl(ip));
}

/** Times out the probes whose deadline has come; asks to be woken for the others. */
export function probe_poll(now: u32): void {
  for (let i = 0; i < PROBE_COUNT; i++) {
    const s = slot(i);
    if (state(s) != PROBE_PENDING) continue;
    const deadline = load<u32>(s + DEADLINE);
    if (time_before(now, deadline)) {
      clock_wake_at(deadline);
    } else {
      store<u8>(s + STATE, <u8>PROBE_TIMEOUT);
      count(Counter.icmp_probe_timeout);
    }
  }
}

@inline function valid(i: i32): bool { return i >= 0 && i < PROBE_COUNT; }

/** The slot's state (PROBE_*), or EINVAL. */
export function probe_state(i: i32): i32 { return valid(i) ? <i32>state(slot(i)) : EINVAL; }
/** Milliseconds from send to answer (0 while pending or after a timeout). */
export function probe_rtt(i: i32): u32 { return valid(i) ? load<u32>(slot(i) + RTT) : 0; }
/** Who answered: the destination (reply) or the router or host that sent the error. */
export function probe_from(i: i32): u32 { return valid(i) ? load<u32>(slot(i) + FROM) : 0; }
/** The ICMP code of an error answer. */
export function probe_code(i: i32): u32 { return valid(i) ? <u32>load<u8>(slot(i) + CODE) : 0; }
/** TTL of the datagram that carried the answer. */
export function probe_reply_ttl(i: i32): u32 { return valid(i) ? <u32>load<u8>(slot(i) + REPLY_TTL) : 0; }
export function probe_sequence(i: i32): u32 { return valid(i) ? <u32>load<u16>(slot(i) + SEQUENCE) : 0; }

/** Frees a slot (pending or answered); EINVAL if it was free. */
export function probe_release(i: i32): i32 {
  if (!valid(i) || state(slot(i)) == PROBE_FREE) return EINVAL;
  store<u8>(slot(i) + STATE, <u8>PROBE_FREE);
  return 0;
}
