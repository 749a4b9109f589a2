// ARP (RFC 826) with a bounded neighbour cache and a bounded queue of packets waiting for
// resolution.
//
// Entry states:
//   FREE -> INCOMPLETE (request sent, packets may wait) -> REACHABLE (answer seen)
//   REACHABLE -> STALE (after ARP_REACHABLE_MS, checked when used) -> PROBE (used while stale:
//   the packet goes out and a request confirms the address) -> REACHABLE, or FREE after
//   ARP_RETRY_COUNT unanswered requests. An INCOMPLETE entry that runs out of requests drops
//   its waiting packets (counted).
// Eviction: when the cache is full, the least recently used entry that holds no waiting
// packets (not INCOMPLETE) is replaced; if every entry is INCOMPLETE the new packet is dropped.
import { ARP_CACHE_COUNT, ARP_QUEUE_COUNT, ARP_REACHABLE_MS, ARP_RETRY_COUNT, ARP_RETRY_MS, ETH_FRAME_MIN_BYTES, ETH_HEADER_BYTES, ETH_TX_HEADROOM_BYTES, FEATURE_FORWARDING } from "../config";
import { copy, equal } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import { pool_free, pool_ptr } from "../lib/pool";
import { time_reached } from "../lib/time";
import {
  arp_check, arp_emit, arp_op, arp_sender_addr, arp_sender_mac, arp_target_addr,
  ARP_OP_REPLY, ARP_OP_REQUEST,
} from "../wire/arp";
import { eth_emit, eth_emit_broadcast_dst, eth_is_multicast, ETHERTYPE_ARP, ETH_DST } from "../wire/ethernet";
import { ipv4_is_multicast, ipv4_is_reserved, IPV4_BROADCAST } from "../wire/ipv4";
import { arp_probe_rx } from "./arp_probe";
import { clock_now, clock_wake_at } from "./clock";
import { ipv4_undeliverable } from "./ipv4_forward";
import { iface_addr, iface_is_directed_broadcast, iface_is_up, iface_mac, iface_on_link, tx_frame } from "./iface";

@inline export const ARP_FREE: u8 = 0;
@inline export const ARP_INCOMPLETE: u8 = 1;
@inline export const ARP_REACHABLE: u8 = 2;
@inline export const ARP_STALE: u8 = 3;
@inline export const ARP_PROBE: u8 = 4;
@inline const NONE: i32 = -1;

const state = new StaticArray<u8>(ARP_CACHE_COUNT);
const entry_iface = new StaticArray<i32>(ARP_CACHE_COUNT);
const entry_addr = new StaticArray<u32>(ARP_CACHE_COUNT);
/** INCOMPLETE/PROBE: when the next request is due; REACHABLE: when the entry goes stale. */
const entry_deadline = new StaticArray<u32>(ARP_CACHE_COUNT);
const entry_requests = new StaticArray<u32>(ARP_CACHE_COUNT);
const entry_used = new StaticArray<u32>(ARP_CACHE_COUNT);
const entry_macs: usize = memory.data(8 * ARP_CACHE_COUNT, 8);

// Waiting packets: a pool buffer each, with where its Ethernet frame starts and its length.
const queue_buffer = new StaticArray<i32>(ARP_QUEUE_COUNT);
const queue_entry = new StaticArray<i32>(ARP_QUEUE_COUNT);
const queue_offset = new StaticArray<i32>(ARP_QUEUE_COUNT);
const queue_len = new StaticArray<i32>(ARP_QUEUE_COUNT);

/** ARP packets are built here, not in the pool, so answering never depends on free buffers;
 *  ETH_TX_HEADROOM_BYTES before the frame: tx_frame tags it for a bound (or QinQ) interface. */
const arp_frame: usize = memory.data(ETH_TX_HEADROOM_BYTES + ETH_FRAME_MIN_BYTES, 8) + <usize>ETH_TX_HEADROOM_BYTES;

@inline function mac_of(entry: i32): usize {
  return entry_macs + <usize>(entry << 3);
}

export function arp_reset(): void {
  for (let i = 0; i < ARP_CACHE_COUNT; i++) unchecked((state[i] = ARP_FREE));
  for (let i = 0; i < ARP_QUEUE_COUNT; i++) unchecked((queue_buffer[i] = NONE));
}

function find(iface: i32, addr: u32): i32 {
  for (let i = 0; i < ARP_CACHE_COUNT; i++) {
    if (unchecked(state[i]) != ARP_FREE && unchecked(entry_addr[i]) == addr && unchecked(entry_iface[i]) == iface) return i;
  }
  return NONE;
}

/** A free entry, else the least recently used one without waiting packets, else NONE. */
function claim(iface: i32, addr: u32): i32 {
  let victim = NONE;
  for (let i = 0; i < ARP_CACHE_COUNT; i++) {
    const s = unchecked(state[i]);
    if (s == ARP_FREE) { victim = i; break; }
    if (s == ARP_INCOMPLETE) continue;
    if (victim == NONE || <i32>(unchecked(entry_used[i]) - unchecked(entry_used[victim])) < 0) victim = i;
  }
  if (victim == NONE) return NONE;
  unchecked((entry_iface[victim] = iface));
  unchecked((entry_addr[victim] = addr));
  unchecked((entry_used[victim] = clock_now()));
  return victim;
}

function tx_arp(iface: i32, op: u32, target_mac: usize, target_addr: u32): void {
  tx_arp_from(iface, op, iface_addr(iface), target_mac, target_addr);
}

function tx_arp_from(iface: i32, op: u32, sender_addr: u32, target_mac: usize, target_addr: u32): void {
  const mac = iface_mac(iface);
  if (target_mac == 0) eth_emit_broadcast_dst(arp_frame);
  else copy(arp_frame + ETH_DST, target_mac, 6);
  eth_emit(arp_frame, arp_frame + ETH_DST, mac, ETHERTYPE_ARP);
  arp_emit(arp_frame + <usize>ETH_HEADER_BYTES, op, mac, sender_addr, target_mac, target_addr);
  tx_frame(iface, arp_frame, ETH_HEADER_BYTES + 28);
  count(op == ARP_OP_REQUEST ? Counter.arp_tx_request : Counter.arp_tx_reply);
}

function request(entry: i32): void {
  const deadline = clock_now() + ARP_RETRY_MS;
  unchecked((entry_requests[entry] = unchecked(entry_requests[entry]) + 1));
  unchecked((entry_deadline[entry] = deadline));
  clock_wake_at(deadline);
  tx_arp(unchecked(entry_iface[entry]), ARP_OP_REQUEST, 0, unchecked(entry_addr[entry]));
}

/** A new INCOMPLETE entry for addr, its first request not yet sent, or NONE (cache full, counted). */
function claim_incomplete(iface: i32, addr: u32): i32 {
  const entry = claim(iface, addr);
  if (entry == NONE) { count(Counter.arp_cache_full); return NONE; }
  unchecked((state[entry] = ARP_INCOMPLETE));
  unchecked((entry_requests[entry] = 0));
  return entry;
}

/** Announces the interface's address (gratuitous ARP: sender and target are both ours). */
export function arp_announce(iface: i32): void {
  tx_arp(iface, ARP_OP_REQUEST, 0, iface_addr(iface));
}

/** A broadcast request for addr from sender_addr, whatever the interface's address is (RFC 5227
 *  probes: sender 0.0.0.0; announcements: sender = target = addr). */
export function arp_request_as(iface: i32, sender_addr: u32, addr: u32): void {
  tx_arp_from(iface, ARP_OP_REQUEST, sender_addr, 0, addr);
}

function send_queued(slot: i32, mac: usize, iface: i32): void {
  const buffer = unchecked(queue_buffer[slot]);
  const frame = pool_ptr(buffer) + <usize>unchecked(queue_offset[slot]);
  copy(frame + ETH_DST, mac, 6);
  tx_frame(iface, frame, unchecked(queue_len[slot]));
  pool_free(buffer);
  unchecked((queue_buffer[slot] = NONE));
}

function drop_queued(slot: i32): void {
  pool_free(unchecked(queue_buffer[slot]));
  unchecked((queue_buffer[slot] = NONE));
  count(Counter.arp_queue_dropped);
}

function enqueue(entry: i32, buffer: i32, offset: i32, len: i32): void {
  for (let i = 0; i < ARP_QUEUE_COUNT; i++) {
    if (unchecked(queue_buffer[i]) != NONE) continue;
    unchecked((queue_buffer[i] = buffer));
    unchecked((queue_entry[i] = entry));
    unchecked((queue_offset[i] = offset));
    unchecked((queue_len[i] = len));
    return;
  }
  count(Counter.arp_queue_full);
  pool_free(buffer);
}

/**
 * Sends the frame at pool buffer `buffer` + offset (source MAC and type already written) to
 * the neighbour `next_hop`, resolving it first if needed. Takes ownership of the buffer.
 */
export function arp_output(iface: i32, next_hop: u32, buffer: i32, offset: i32, len: i32): void {
  const frame = pool_ptr(buffer) + <usize>offset;
  const now = clock_now();
  let entry = find(iface, next_hop);
  if (entry == NONE) {
    entry = claim_incomplete(iface, next_hop);
    if (entry == NONE) { pool_free(buffer); return; }
    enqueue(entry, buffer, offset, len);
    request(entry);
    return;
  }
  unchecked((entry_used[entry] = now));
  const s = unchecked(state[entry]);
  if (s == ARP_INCOMPLETE) {
    enqueue(entry, buffer, offset, len);
    return;
  }
  if (s == ARP_REACHABLE && time_reached(now, unchecked(entry_deadline[entry]))) {
    // Still used after ageing out: keep sending, but confirm the address (RFC 1122 2.3.2.1).
    unchecked((state[entry] = ARP_PROBE));
    unchecked((entry_requests[entry] = 0));
    request(entry);
  }
  copy(frame + ETH_DST, mac_of(entry), 6);
  tx_frame(iface, frame, len);
  pool_free(buffer);
}

/**
 * How many frames for next_hop arp_output can take now without a drop: any number once the
 * neighbour is known (each leaves at once), else the free places in the wait queue.
 */
export function arp_room(iface: i32, next_hop: u32): i32 {
  const entry = find(iface, next_hop);
  if (entry != NONE && unchecked(state[entry]) != ARP_INCOMPLETE) return i32.MAX_VALUE;
  let free = 0;
  for (let i = 0; i < ARP_QUEUE_COUNT; i++) {
    if (unchecked(queue_buffer[i]) == NONE) free++;
  }
  return free;
}

/** Starts resolving next_hop with no packet waiting, unless it is known or being resolved. */
export function arp_resolve(iface: i32, next_hop: u32): void {
  if (find(iface, next_hop) != NONE) return;
  const entry = claim_incomplete(iface, next_hop);
  if (entry != NONE) request(entry);
}

function learn(entry: i32, mac: usize): void {
  copy(mac_of(entry), mac, 6);
  unchecked((state[entry] = ARP_REACHABLE));
  unchecked((entry_deadline[entry] = clock_now() + ARP_REACHABLE_MS));
  const iface = unchecked(entry_iface[entry]);
  for (let i = 0; i < ARP_QUEUE_COUNT; i++) {
    if (unchecked(queue_buffer[i]) != NONE && unchecked(queue_entry[i]) == entry) send_queued(i, mac, iface);
  }
}

/** Senders we never learn: group MACs, non-unicast or off-subnet addresses, or our own. */
function sender_is_bogus(iface: i32, mac: usize, addr: u32): bool {
  return eth_is_multicast(mac) || !iface_on_link(iface, addr) || addr == IPV4_BROADCAST || ipv4_is_multicast(addr) ||
    ipv4_is_reserved(addr) || iface_is_directed_broadcast(iface, addr) || addr == iface_addr(iface) ||
    equal(mac, iface_mac(iface), 6);
}

export function rx_arp(iface: i32, packet: usize, len: i32): void {
  count(Counter.arp_rx);
  const reason = arp_check(packet, len);
  if (reason != Counter.OK) { count(reason); return; }
  // Conflict detection sees every packet first, even before the interface has an address.
  if (iface_is_up(iface) && arp_probe_rx(iface, packet)) return;
  const our_addr = iface_addr(iface);
  if (our_addr == 0 || !iface_is_up(iface)) return;
  const sender_mac = arp_sender_mac(packet);
  const sender = arp_sender_addr(packet);
  const target = arp_target_addr(packet);
  const for_us = target == our_addr;
  // A probe (sender 0.0.0.0, RFC 5227) teaches nothing but is still answered.
  if (sender != 0) {
    if (sender_is_bogus(iface, sender_mac, sender)) { count(Counter.arp_rx_bad_sender); return; }
    // RFC 826 merge: refresh an entry we already have; add one only if the packet is for us.
    let entry = find(iface, sender);
    if (entry == NONE && for_us) entry = claim(iface, sender);
    if (entry != NONE) learn(entry, sender_mac);
  }
  if (!for_us) { count(Counter.arp_rx_not_for_us); return; }
  if (arp_op(packet) == ARP_OP_REQUEST) tx_arp(iface, ARP_OP_REPLY, sender_mac, sender);
}

/** Runs request retries and give-ups that are due, and re-arms the wake-up of the rest. */
export function arp_poll(now: u32): void {
  for (let i = 0; i < ARP_CACHE_COUNT; i++) {
    const s = unchecked(state[i]);
    if (s != ARP_INCOMPLETE && s != ARP_PROBE) continue;
    const deadline = unchecked(entry_deadline[i]);
    if (!time_reached(now, deadline)) clock_wake_at(deadline);
    else if (unchecked(entry_requests[i]) >= ARP_RETRY_COUNT) give_up(i);
    else request(i);
  }
}

function give_up(entry: i32): void {
  count(Counter.arp_resolve_failed);
  for (let i = 0; i < ARP_QUEUE_COUNT; i++) {
    if (unchecked(queue_buffer[i]) == NONE || unchecked(queue_entry[i]) != entry) continue;
    // Every waiting frame is an IPv4 datagram behind an untagged Ethernet header (net/ipv4.ts).
    // Only a forwarded one earns its source an ICMP error: none without forwarding (tiny).
    if (FEATURE_FORWARDING) ipv4_undeliverable(pool_ptr(unchecked(queue_buffer[i])) + <usize>(unchecked(queue_offset[i]) + ETH_HEADER_BYTES));
    drop_queued(i);
  }
  unchecked((state[entry] = ARP_FREE));
}

/** Forgets an interface's neighbours (link down), dropping their waiting packets. */
export function arp_flush_iface(iface: i32): void {
  for (let i = 0; i < ARP_CACHE_COUNT; i++) {
    if (unchecked(state[i]) == ARP_FREE || unchecked(entry_iface[i]) != iface) continue;
    for (let q = 0; q < ARP_QUEUE_COUNT; q++) {
      if (unchecked(queue_buffer[q]) != NONE && unchecked(queue_entry[q]) == i) drop_queued(q);
    }
    unchecked((state[i] = ARP_FREE));
  }
}

// Cache rows for the host (`ip neigh`): arp_row fills these.
let row_iface: i32 = 0;
let row_addr: u32 = 0;
let row_mac: usize = 0;

/** State of row i (ARP_FREE if unused); REACHABLE entries past their age report STALE. */
export function arp_row(i: i32): u8 {
  if (i < 0 || i >= ARP_CACHE_COUNT) return ARP_FREE;
  let s = unchecked(state[i]);
  if (s == ARP_FREE) return s;
  if (s == ARP_REACHABLE && time_reached(clock_now(), unchecked(entry_deadline[i]))) s = ARP_STALE;
  row_iface = unchecked(entry_iface[i]);
  row_addr = unchecked(entry_addr[i]);
  row_mac = mac_of(i);
  return s;
}
@inline export function arp_row_iface(): i32 { return row_iface; }
@inline export function arp_row_addr(): u32 { return row_addr; }
@inline export function arp_row_mac(): usize { return row_mac; }
