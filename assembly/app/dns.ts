// DNS stub resolver for A records (RFC 1035 7, RFC 5452): lookups in a bounded table, a bounded
// cache honouring TTLs, retries alternating between two servers, and nothing allocated per query
// (names are bytes in static tables).
//
// A lookup sends each attempt from a fresh UDP socket on a random ephemeral port with a random
// query ID (RFC 5452 9.2), and accepts only a response from the server it asked, from port 53,
// with that ID and the same question (wire/dns.ts). Anything else is counted and ignored while
// the lookup keeps waiting. Attempts wait DNS_TIMEOUT_INITIAL_MS, doubling each time; after
// DNS_ATTEMPTS the lookup times out. A truncated response ends it as a server failure: there is
// no TCP fallback.
//
// Lookups: slot i of DNS_QUERY_COUNT; its handle is (generation << 8) | i, so a handle kept after
// its result was read does not reach a later lookup. Reading a final status frees the slot.
//
// Cache: DNS_CACHE_COUNT entries, names up to DNS_CACHE_NAME_BYTES (longer names are resolved but
// not cached). Positive answers live for their TTL (at most DNS_TTL_MAX_S; TTL 0 is not cached),
// NXDOMAIN and no-address answers for DNS_NEGATIVE_TTL_S (RFC 2308 5). When full, an expired
// entry is reused first, then the least recently used one is evicted.
import {
  DNS_ATTEMPTS, DNS_CACHE_COUNT, DNS_CACHE_NAME_BYTES, DNS_NEGATIVE_TTL_S, DNS_QUERY_COUNT,
  DNS_TIMEOUT_INITIAL_MS, DNS_TTL_MAX_S,
} from "../config";
import { hal_random } from "../hal";
import { Counter, count } from "../lib/counters";
import { time_before, time_reached, time_until } from "../lib/time";
import { clock_now, clock_wake_at } from "../net/clock";
import { EAGAIN, EBADF, EINVAL, ENETUNREACH } from "../socket/errno";
import {
  udp_socket_bind, udp_socket_close, udp_socket_open, udp_socket_recvfrom, udp_socket_sendto,
} from "../socket/udp";
import {
  dns_answer_addr, dns_answer_found, dns_answer_rcode, dns_answer_ttl, dns_name_encode, dns_name_equal,
  dns_query_emit, dns_response_check, DNS_NAME_MAX_BYTES, DNS_PORT, DNS_RCODE_NOERROR, DNS_RCODE_NXDOMAIN,
  DNS_UDP_MESSAGE_MAX_BYTES,
} from "../wire/dns";

// Lookup status (host/abi.ts mirrors these).
@inline export const DNS_PENDING: i32 = 0;
@inline export const DNS_DONE: i32 = 1;
@inline export const DNS_NXDOMAIN: i32 = 2;
/** The name exists but has no A record (NOERROR without an answer: RFC 2308 NODATA). */
@inline export const DNS_NO_ADDRESS: i32 = 3;
@inline export const DNS_TIMEOUT: i32 = 4;
/** SERVFAIL, REFUSED or another error RCODE, or a truncated response. */
@inline export const DNS_SERVER_FAILURE: i32 = 5;

@inline const SLOT_FREE: u8 = 0;
@inline const SLOT_PENDING: u8 = 1;
@inline const SLOT_FINISHED: u8 = 2;
@inline const NAME_SLOT_BYTES: i32 = DNS_NAME_MAX_BYTES + 1;

let primary_server: u32 = 0;
let secondary_server: u32 = 0;

// Lookups.
const slot_state = new StaticArray<u8>(DNS_QUERY_COUNT);
const slot_generation = new StaticArray<u8>(DNS_QUERY_COUNT);
const slot_status = new StaticArray<i32>(DNS_QUERY_COUNT);
const slot_names: usize = memory.data(NAME_SLOT_BYTES * DNS_QUERY_COUNT, 4);
const slot_name_len = new StaticArray<i32>(DNS_QUERY_COUNT);
const slot_socket = new StaticArray<i32>(DNS_QUERY_COUNT);
const slot_id = new StaticArray<u32>(DNS_QUERY_COUNT);
const slot_server = new StaticArray<u32>(DNS_QUERY_COUNT);
const slot_attempts = new StaticArray<u32>(DNS_QUERY_COUNT);
const slot_deadline = new StaticArray<u32>(DNS_QUERY_COUNT);
const slot_addr = new StaticArray<u32>(DNS_QUERY_COUNT);
const slot_ttl = new StaticArray<u32>(DNS_QUERY_COUNT);

// Cache: status 0 = free entry.
const cache_status = new StaticArray<u8>(DNS_CACHE_COUNT);
const cache_names: usize = memory.data(DNS_CACHE_NAME_BYTES * DNS_CACHE_COUNT, 4);
const cache_name_len = new StaticArray<i32>(DNS_CACHE_COUNT);
const cache_addr = new StaticArray<u32>(DNS_CACHE_COUNT);
const cache_expires = new StaticArray<u32>(DNS_CACHE_COUNT);
/** Use stamp from a counter (not the clock, which wraps): smallest = least recently used. */
const cache_used = new StaticArray<u32>(DNS_CACHE_COUNT);
let use_stamp: u32 = 0;

/** One message at a time: the query being sent, or the response being read. */
const message: usize = memory.data(DNS_UDP_MESSAGE_MAX_BYTES, 4);
const encoded: usize = memory.data(NAME_SLOT_BYTES, 4);
const peer: usize = memory.data(8, 4);

let result_addr: u32 = 0;
let result_ttl: u32 = 0;

@inline function slot_name(slot: i32): usize {
  return slot_names + <usize>(slot * NAME_SLOT_BYTES);
}

@inline function cache_name(entry: i32): usize {
  return cache_names + <usize>(entry * DNS_CACHE_NAME_BYTES);
}

export function dns_reset(): void {
  for (let i = 0; i < DNS_QUERY_COUNT; i++) {
    if (unchecked(slot_state[i]) != SLOT_FREE) release(i);
    unchecked((slot_socket[i] = -1));
  }
  for (let i = 0; i < DNS_CACHE_COUNT; i++) unchecked((cache_status[i] = 0));
  primary_server = 0;
  secondary_server = 0;
}

/** Servers asked (host order; 0 = none). The DHCP client hands over its lease's servers here. */
export function dns_set_servers(primary: u32, secondary: u32): void {
  primary_server = primary != 0 ? primary : secondary;
  secondary_server = primary != 0 ? secondary : 0;
}

export function dns_primary_server(): u32 { return primary_server; }
export function dns_secondary_server(): u32 { return secondary_server; }

// ---- Lookups ----

/**
 * Starts looking up the A record of the dotted name of len bytes at text. Returns a handle, or
 * EINVAL (not a valid name), EAGAIN (every lookup slot busy), ENETUNREACH (no server set and
 * the answer is not cached). A cached answer finishes the lookup at once.
 */
export function dns_lookup_start(text: usize, len: i32): i32 {
  const name_len = dns_name_encode(text, len, encoded);
  if (name_len < 0) return EINVAL;
  const slot = free_slot();
  if (slot < 0) return EAGAIN;
  const entry = cache_find(encoded, name_len);
  if (entry >= 0) {
    count(unchecked(cache_status[entry]) == <u8>DNS_DONE ? Counter.dns_cache_hits : Counter.dns_cache_negative_hits);
    const ttl_ms = time_until(clock_now(), unchecked(cache_expires[entry]));
    finish(slot, unchecked(cache_status[entry]), unchecked(cache_addr[entry]), ttl_ms / 1000);
    return handle_of(slot);
  }
  if (primary_server == 0) return ENETUNREACH;
  memory.copy(slot_name(slot), encoded, <usize>name_len);
  unchecked((slot_name_len[slot] = name_len));
  unchecked((slot_state[slot] = SLOT_PENDING));
  unchecked((slot_attempts[slot] = 0));
  count(Counter.dns_queries);
  send_attempt(slot);
  return handle_of(slot);
}

/**
 * DNS_PENDING, or the final status (then dns_result_addr/ttl hold the answer and the handle is
 * released); EBADF for a handle that is not a live lookup.
 */
export function dns_lookup_status(handle: i32): i32 {
  const slot = slot_of(handle);
  if (slot < 0) return EBADF;
  if (unchecked(slot_state[slot]) == SLOT_PENDING) return DNS_PENDING;
  const status = unchecked(slot_status[slot]);
  result_addr = unchecked(slot_addr[slot]);
  result_ttl = unchecked(slot_ttl[slot]);
  release(slot);
  return status;
}

/** Abandons a lookup (its socket is closed; a late answer is dropped by the UDP layer). */
export function dns_lookup_cancel(handle: i32): i32 {
  const slot = slot_of(handle);
  if (slot < 0) return EBADF;
  release(slot);
  return 0;
}

/** Address and TTL (seconds) of the lookup whose status was read last with DNS_DONE. */
export function dns_result_addr(): u32 { return result_addr; }
export function dns_result_ttl(): u32 { return result_ttl; }

@inline function handle_of(slot: i32): i32 {
  return (<i32>unchecked(slot_generation[slot]) << 8) | slot;
}

function slot_of(handle: i32): i32 {
  const slot = handle & 0xff;
  if (handle < 0 || slot >= DNS_QUERY_COUNT) return -1;
  if (unchecked(slot_state[slot]) == SLOT_FREE || <i32>unchecked(slot_generation[slot]) != handle >> 8) return -1;
  return slot;
}

function free_slot(): i32 {
  for (let i = 0; i < DNS_QUERY_COUNT; i++) {
    if (unchecked(slot_state[i]) == SLOT_FREE) return i;
  }
  return -1;
}

function close_socket(slot: i32): void {
  const socket = unchecked(slot_socket[slot]);
  if (socket >= 0) udp_socket_close(socket);
  unchecked((slot_socket[slot] = -1));
}

function release(slot: i32): void {
  close_socket(slot);
  unchecked((slot_state[slot] = SLOT_FREE));
  // Handles stay positive: the generation wraps at 128.
  unchecked((slot_generation[slot] = (unchecked(slot_generation[slot]) + 1) & 0x7f));
}

function finish(slot: i32, status: i32, addr: u32, ttl_s: u32): void {
  close_socket(slot);
  unchecked((slot_state[slot] = SLOT_FINISHED));
  unchecked((slot_status[slot] = status));
  unchecked((slot_addr[slot] = addr));
  unchecked((slot_ttl[slot] = ttl_s));
}

/** Sends the next attempt from a fresh socket and random ID; a failed send waits like a loss. */
function send_attempt(slot: i32): void {
  close_socket(slot);
  const attempt = unchecked(slot_attempts[slot]);
  if (attempt > 0) count(Counter.dns_retries);
  const server = (attempt & 1) != 0 && secondary_server != 0 ? secondary_server : primary_server;
  const id = hal_random() & 0xffff;
  unchecked((slot_server[slot] = server));
  unchecked((slot_id[slot] = id));
  unchecked((slot_attempts[slot] = attempt + 1));
  const deadline = clock_now() + (DNS_TIMEOUT_INITIAL_MS << attempt);
  unchecked((slot_deadline[slot] = deadline));
  // Armed here as well as in dns_poll, for lookups started between polls.
  clock_wake_at(deadline);
  const socket = udp_socket_open();
  if (socket < 0) { count(Counter.dns_no_socket); return; }
  unchecked((slot_socket[slot] = socket));
  // Port 0: a random free port from the dynamic range (socket/udp.ts).
  if (udp_socket_bind(socket, 0, 0) < 0) { count(Counter.dns_no_socket); close_socket(slot); return; }
  const len = dns_query_emit(message, id, slot_name(slot), unchecked(slot_name_len[slot]));
  if (udp_socket_sendto(socket, server, DNS_PORT, message, len) < 0) count(Counter.dns_tx_failed);
}

/** Reads what arrived for each lookup, runs the retry timers and asks for the next wake-up. */
export function dns_poll(): void {
  const now = clock_now();
  for (let slot = 0; slot < DNS_QUERY_COUNT; slot++) {
    if (unchecked(slot_state[slot]) != SLOT_PENDING) continue;
    receive(slot);
    if (unchecked(slot_state[slot]) != SLOT_PENDING) continue;
    if (time_reached(now, unchecked(slot_deadline[slot]))) {
      if (unchecked(slot_attempts[slot]) < DNS_ATTEMPTS) {
        send_attempt(slot);
      } else {
        count(Counter.dns_timeouts);
        finish(slot, DNS_TIMEOUT, 0, 0);
        continue;
      }
    }
    clock_wake_at(unchecked(slot_deadline[slot]));
  }
}

/** Takes every datagram queued on the lookup's socket until one answers it. */
function receive(slot: i32): void {
  const socket = unchecked(slot_socket[slot]);
  if (socket < 0) return;
  for (;;) {
    const len = udp_socket_recvfrom(socket, message, DNS_UDP_MESSAGE_MAX_BYTES, peer);
    if (len < 0) return;
    if (len > DNS_UDP_MESSAGE_MAX_BYTES) { count(Counter.dns_rx_too_long); continue; }
    if (load<u32>(peer) != unchecked(slot_server[slot]) || load<u32>(peer, 4) != DNS_PORT) {
      count(Counter.dns_rx_bad_source);
      continue;
    }
    const name = slot_name(slot);
    const name_len = unchecked(slot_name_len[slot]);
    const reason = dns_response_check(message, len, unchecked(slot_id[slot]), name, name_len);
    if (reason == Counter.dns_rx_truncated) {
      count(reason);
      count(Counter.dns_server_failures);
      finish(slot, DNS_SERVER_FAILURE, 0, 0);
      return;
    }
    if (reason != Counter.OK) { count(reason); continue; }
    answered(slot, name, name_len);
    return;
  }
}

function answered(slot: i32, name: usize, name_len: i32): void {
  const rcode = dns_answer_rcode();
  if (rcode == DNS_RCODE_NOERROR && dns_answer_found()) {
    count(Counter.dns_answers);
    const ttl = min(dns_answer_ttl(), DNS_TTL_MAX_S);
    cache_store(name, name_len, DNS_DONE, dns_answer_addr(), ttl);
    finish(slot, DNS_DONE, dns_answer_addr(), ttl);
  } else if (rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN) {
    const status = rcode == DNS_RCODE_NXDOMAIN ? DNS_NXDOMAIN : DNS_NO_ADDRESS;
    count(rcode == DNS_RCODE_NXDOMAIN ? Counter.dns_nxdomain : Counter.dns_no_data);
    cache_store(name, name_len, status, 0, DNS_NEGATIVE_TTL_S);
    finish(slot, status, 0, 0);
  } else {
    count(Counter.dns_server_failures);
    finish(slot, DNS_SERVER_FAILURE, 0, 0);
  }
}

// ---- Cache ----

/** The live entry for the encoded name, or -1; expired entries met on the way are freed. */
function cache_find(name: usize, name_len: i32): i32 {
  const now = clock_now();
  for (let i = 0; i < DNS_CACHE_COUNT; i++) {
    if (unchecked(cache_status[i]) == 0) continue;
    if (!time_before(now, unchecked(cache_expires[i]))) {
      unchecked((cache_status[i] = 0));
      continue;
    }
    if (dns_name_equal(cache_name(i), unchecked(cache_name_len[i]), name, name_len)) {
      unchecked((cache_used[i] = ++use_stamp));
      return i;
    }
  }
  return -1;
}

/** The entry to (re)use for a name: its own, a free or expired one, else the least recently used. */
function cache_victim(name: usize, name_len: i32): i32 {
  const now = clock_now();
  let oldest = 0;
  let free = -1;
  for (let i = 0; i < DNS_CACHE_COUNT; i++) {
    if (unchecked(cache_status[i]) == 0 || !time_before(now, unchecked(cache_expires[i]))) {
      if (free < 0) free = i;
      continue;
    }
    if (dns_name_equal(cache_name(i), unchecked(cache_name_len[i]), name, name_len)) return i;
    if (use_stamp - unchecked(cache_used[i]) > use_stamp - unchecked(cache_used[oldest])) oldest = i;
  }
  if (free >= 0) return free;
  count(Counter.dns_cache_evictions);
  return oldest;
}

function cache_store(name: usize, name_len: i32, status: i32, addr: u32, ttl_s: u32): void {
  // TTL 0: the answer is for this transaction only (RFC 1035 3.2.1).
  if (ttl_s == 0 || name_len > DNS_CACHE_NAME_BYTES) return;
  const entry = cache_victim(name, name_len);
  memory.copy(cache_name(entry), name, <usize>name_len);
  unchecked((cache_name_len[entry] = name_len));
  unchecked((cache_status[entry] = <u8>status));
  unchecked((cache_addr[entry] = addr));
  unchecked((cache_expires[entry] = clock_now() + ttl_s * 1000));
  unchecked((cache_used[entry] = ++use_stamp));
}
