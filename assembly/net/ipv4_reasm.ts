// IPv4 reassembly (RFC 791 3.2): a fixed set of slots, each keyed by (src, dst, protocol,
// identification), collecting one datagram's payload in place. Each slot lists the extents of
// the fragments it took; they never overlap, so the datagram is whole when their lengths add
// up to the final fragment's end. (lib/ranges.ts merges touching ranges, which would lose the
// extents that tell an exact duplicate from an overlap, and holds only TCP_OOO_RANGES.)
//
// Policy (every refusal is counted):
// - A non-final fragment must carry a non-zero multiple of 8 bytes (ipv4_reasm_bad_length);
//   only that fragment is dropped.
// - A datagram is refused whole, and its slot kept "dead" so its later fragments are ignored
//   (ipv4_reasm_dead) until it times out or is evicted, when a fragment: ends past 65535 bytes
//   with its header (ping of death: ipv4_reasm_too_long); is a tiny TCP fragment (RFC 1858 3.2,
//   RFC 3128: a first fragment shorter than a TCP header, or any at offset 8: ipv4_reasm_tiny);
//   needs more than REASM_SLOT_BYTES or REASM_FRAGMENTS_MAX (ipv4_reasm_no_room); overlaps
//   data already received with other extents, or contradicts the known end
//   (ipv4_reasm_overlaps; RFC 5722's rule for IPv6, applied to IPv4).
// - A fragment with exactly the extents of one already received is a duplicate: ignored.
// - When every slot is busy a new datagram takes the oldest dead slot, else evicts the oldest
//   one in progress (ipv4_reasm_evicted): a lost fragment must not block reassembly for a
//   whole timeout on a one-slot profile.
// - REASM_TIMEOUT_MS after its first fragment a slot is freed (ipv4_reasm_timeouts); if the
//   fragment at offset 0 was received and the datagram was unicast to us, ICMP time exceeded
//   code 1 quotes that fragment (RFC 792, RFC 1122 3.3.2).
//
// Slot layout (STRIDE bytes each, 8-aligned):
//   0      1          2            3          4       6           8     12    16          20      24         28
//   | state | delivery | header_len | protocol | ident | fragments | src | dst | expires_at | total | received | pad |
//   32: extents, REASM_FRAGMENTS_MAX x [ start: u16 | end: u16 ]  (payload byte offsets)
//   HEADER_AREA: 64 bytes; the first fragment's header is stored to end exactly at DATA
//   DATA: REASM_SLOT_BYTES of payload, so header + payload are one contiguous datagram.
// header_len is 0 until the fragment at offset 0 arrives; total is -1 until the final one does.
import { REASM_FRAGMENTS_MAX, REASM_SLOT_BYTES, REASM_SLOT_COUNT, REASM_TIMEOUT_MS } from "../config";
import { copy } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import { time_before, time_reached } from "../lib/time";
import { ICMP_TIME_EXCEEDED } from "../wire/icmp";
import {
  ipv4_dst, ipv4_frag_offset, ipv4_header_len, ipv4_ident, ipv4_more_fragments, ipv4_protocol,
  ipv4_set_reassembled, ipv4_src, ipv4_total_len, IP_PROTO_TCP,
} from "../wire/ipv4";
import { clock_now, clock_wake_at } from "./clock";
import { tx_icmp_error } from "./icmp";
import { Delivery } from "./ipv4";

@inline const FREE: u8 = 0;
@inline const ACTIVE: u8 = 1;
@inline const DEAD: u8 = 2;

@inline const STATE: usize = 0;
@inline const DELIVERY: usize = 1;
@inline const HEADER_LEN: usize = 2;
@inline const PROTOCOL: usize = 3;
@inline const IDENT: usize = 4;
@inline const FRAGMENTS: usize = 6;
@inline const SRC: usize = 8;
@inline const DST: usize = 12;
@inline const EXPIRES_AT: usize = 16;
@inline const TOTAL: usize = 20;
@inline const RECEIVED: usize = 24;
@inline const EXTENTS: usize = 32;
@inline const HEADER_AREA_BYTES: i32 = 64;
@inline const DATA: usize = EXTENTS + <usize>(REASM_FRAGMENTS_MAX * 4 + HEADER_AREA_BYTES);
@inline const STRIDE: i32 = <i32>((DATA + <usize>REASM_SLOT_BYTES + 7) & ~7);
/** Bytes all slots take (the benchmark and the closing note report it). */
@inline export const REASM_MEMORY_BYTES: i32 = STRIDE * REASM_SLOT_COUNT;
/** RFC 791: a datagram is at most 65535 bytes, header included. */
@inline const DATAGRAM_MAX: i32 = 65535;
@inline const TCP_HEADER_MIN: i32 = 20;
/** Code 1 of time exceeded (RFC 792). */
@inline const REASSEMBLY_TIME_EXCEEDED: u32 = 1;

const slots: usize = memory.data(REASM_MEMORY_BYTES, 8);

@inline function slot_at(i: i32): usize { return slots + <usize>(i * STRIDE); }
@inline function state(slot: usize): u8 { return load<u8>(slot + STATE); }
@inline function extent_at(slot: usize, k: i32): usize { return slot + EXTENTS + <usize>(k << 2); }

export function ipv4_reasm_reset(): void {
  for (let i = 0; i < REASM_SLOT_COUNT; i++) store<u8>(slot_at(i) + STATE, FREE);
}

/** Slots holding a datagram in progress or a refused one (for specs and listings). */
export function ipv4_reasm_busy(): i32 {
  let busy = 0;
  for (let i = 0; i < REASM_SLOT_COUNT; i++) if (state(slot_at(i)) != FREE) busy++;
  return busy;
}

function find(src: u32, dst: u32, protocol: u32, ident: u32): usize {
  for (let i = 0; i < REASM_SLOT_COUNT; i++) {
    const slot = slot_at(i);
    if (state(slot) == FREE || load<u32>(slot + SRC) != src || load<u32>(slot + DST) != dst) continue;
    if (<u32>load<u8>(slot + PROTOCOL) == protocol && <u32>load<u16>(slot + IDENT) == ident) return slot;
  }
  return 0;
}

/** A free slot, else the oldest dead one, else the oldest in progress (evicted). */
function take(): usize {
  let victim: usize = 0;
  for (let i = 0; i < REASM_SLOT_COUNT; i++) {
    const slot = slot_at(i);
    const s = state(slot);
    if (s == FREE) return slot;
    if (victim == 0) { victim = slot; continue; }
    const victim_dead = state(victim) == DEAD;
    if (s == DEAD && !victim_dead) { victim = slot; continue; }
    if ((s == DEAD) == victim_dead && time_before(load<u32>(slot + EXPIRES_AT), load<u32>(victim + EXPIRES_AT))) victim = slot;
  }
  if (state(victim) == ACTIVE) count(Counter.ipv4_reasm_evicted);
  return victim;
}

function open(src: u32, dst: u32, protocol: u32, ident: u32, delivery: i32): usize {
  const slot = take();
  store<u8>(slot + STATE, ACTIVE);
  store<u8>(slot + DELIVERY, <u8>delivery);
  store<u8>(slot + HEADER_LEN, 0);
  store<u8>(slot + PROTOCOL, <u8>protocol);
  store<u16>(slot + IDENT, <u16>ident);
  store<u16>(slot + FRAGMENTS, 0);
  store<u32>(slot + SRC, src);
  store<u32>(slot + DST, dst);
  const expires_at = clock_now() + REASM_TIMEOUT_MS;
  store<u32>(slot + EXPIRES_AT, expires_at);
  store<i32>(slot + TOTAL, -1);
  store<i32>(slot + RECEIVED, 0);
  clock_wake_at(expires_at);
  return slot;
}

/**
 * Why the fragment [start, end) (final unless more) cannot join the slot's datagram, or
 * Counter.OK; Counter.ipv4_reasm_duplicates for an exact copy of one already received.
 */
function refusal(slot: usize, start: i32, end: i32, more: bool, header_len: i32): Counter {
  if (header_len + end > DATAGRAM_MAX) return Counter.ipv4_reasm_too_long;
  if (<u32>load<u8>(slot + PROTOCOL) == IP_PROTO_TCP && ((start == 0 && end < TCP_HEADER_MIN) || start == 8)) return Counter.ipv4_reasm_tiny;
  if (end > REASM_SLOT_BYTES) return Counter.ipv4_reasm_no_room;
  const total = load<i32>(slot + TOTAL);
  if (total >= 0 && (more ? end > total : end != total)) return Counter.ipv4_reasm_overlaps;
  const fragments = <i32>load<u16>(slot + FRAGMENTS);
  for (let k = 0; k < fragments; k++) {
    const s = <i32>load<u16>(extent_at(slot, k));
    const e = <i32>load<u16>(extent_at(slot, k), 2);
    if (s == start && e == end) return Counter.ipv4_reasm_duplicates;
    if (start < e && s < end) return Counter.ipv4_reasm_overlaps;
    // A final fragment ends the datagram: nothing received may lie beyond it.
    if (!more && e > end) return Counter.ipv4_reasm_overlaps;
  }
  if (fragments == REASM_FRAGMENTS_MAX) return Counter.ipv4_reasm_no_room;
  return Counter.OK;
}

/**
 * Takes a validated fragment at ip, addressed to us (delivery says how). Returns the whole
 * datagram (header, then payload) when this fragment completed it, else 0. The datagram lies in
 * slot memory, which stays untouched until the next fragment arrives.
 */
export function ipv4_reasm(ip: usize, delivery: i32): usize {
  count(Counter.ipv4_reasm_fragments);
  const header_len = ipv4_header_len(ip);
  const len = ipv4_total_len(ip) - header_len;
  const more = ipv4_more_fragments(ip);
  // RFC 791: every fragment but the last carries a multiple of 8 bytes.
  if (more && (len == 0 || (len & 7) != 0)) { count(Counter.ipv4_reasm_bad_length); return 0; }
  const src = ipv4_src(ip);
  const dst = ipv4_dst(ip);
  const protocol = ipv4_protocol(ip);
  const ident = ipv4_ident(ip);
  let slot = find(src, dst, protocol, ident);
  if (slot == 0) slot = open(src, dst, protocol, ident, delivery);
  else if (state(slot) == DEAD) { count(Counter.ipv4_reasm_dead); return 0; }
  const start = ipv4_frag_offset(ip);
  const end = start + len;
  const reason = refusal(slot, start, end, more, header_len);
  if (reason == Counter.ipv4_reasm_duplicates) { count(reason); return 0; }
  if (reason != Counter.OK) {
    count(reason);
    store<u8>(slot + STATE, DEAD);
    return 0;
  }
  const data = slot + DATA;
  copy(data + <usize>start, ip + <usize>header_len, len);
  const fragments = <i32>load<u16>(slot + FRAGMENTS);
  store<u16>(extent_at(slot, fragments), <u16>start);
  store<u16>(extent_at(slot, fragments), <u16>end, 2);
  store<u16>(slot + FRAGMENTS, <u16>(fragments + 1));
  const received = load<i32>(slot + RECEIVED) + len;
  store<i32>(slot + RECEIVED, received);
  if (start == 0) {
    copy(data - <usize>header_len, ip, header_len);
    store<u8>(slot + HEADER_LEN, <u8>header_len);
  }
  if (!more) store<i32>(slot + TOTAL, end);
  // Extents are disjoint and lie within [0, total): the datagram is whole when they add up.
  const total = load<i32>(slot + TOTAL);
  if (total < 0 || received != total) return 0;
  const first_header_len = <i32>load<u8>(slot + HEADER_LEN);
  assert(first_header_len != 0, "reasm: whole without its first fragment");
  const datagram = data - <usize>first_header_len;
  ipv4_set_reassembled(datagram, first_header_len + total);
  store<u8>(slot + STATE, FREE);
  count(Counter.ipv4_reasm_datagrams);
  return datagram;
}

function expire(slot: usize): void {
  const was = state(slot);
  store<u8>(slot + STATE, FREE);
  if (was != ACTIVE) return;
  count(Counter.ipv4_reasm_timeouts);
  const header_len = <i32>load<u8>(slot + HEADER_LEN);
  // The first fragment's own header and data: its total length bounds the quote.
  if (header_len != 0 && <i32>load<u8>(slot + DELIVERY) == Delivery.UNICAST) {
    tx_icmp_error(slot + DATA - <usize>header_len, ICMP_TIME_EXCEEDED, REASSEMBLY_TIME_EXCEEDED, 0);
  }
}

/** Frees the slots whose time is up; asks to be polled again at the earliest remaining expiry. */
export function ipv4_reasm_poll(now: u32): void {
  for (let i = 0; i < REASM_SLOT_COUNT; i++) {
    const slot = slot_at(i);
    if (state(slot) == FREE) continue;
    const expires_at = load<u32>(slot + EXPIRES_AT);
    if (time_reached(now, expires_at)) expire(slot);
    else clock_wake_at(expires_at);
  }
}
