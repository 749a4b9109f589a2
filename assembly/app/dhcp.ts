// DHCP client (RFC 2131 4.4) for one interface at a time, over a UDP socket on port 68.
//
//   STOPPED -> SELECTING (DISCOVER) -> REQUESTING (REQUEST for the first OFFER) -> PROBING (the
//   ACKed address checked with RFC 5227 probes, net/arp_probe.ts, which applies it) -> BOUND
//   BOUND -> RENEWING at T1 (REQUEST unicast to the server) -> REBINDING at T2 (broadcast)
//   -> lease expiry: address removed, SELECTING again. A NAK starts over at once; a conflict
//   (while probing or later) sends a DECLINE and starts over after DECLINED's 10 s.
// Replies are asked for broadcast (flags.B, RFC 2131 4.1) until we have an address: the IP
// layer accepts 255.255.255.255 on an unconfigured interface, but not a unicast to an address
// it does not have yet. Retransmissions back off 4, 8, ... 64 s (+-1 s); RENEWING and
// REBINDING retry at half the time left, at least 60 s apart (4.4.5). T1 and T2 default to
// 0.5 and 0.875 of the lease. All timing comes from clock_now() in dhcp_poll().
import {
  DHCP_DECLINE_WAIT_MS, DHCP_LEASE_MAX_S, DHCP_MESSAGE_BYTES, DHCP_RENEW_RETRY_MIN_MS, DHCP_REQUEST_TRIES,
  DHCP_RETRY_FIRST_MS, DHCP_RETRY_MAX_MS,
} from "../config";
import { hal_random } from "../hal";
import { equal } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import { time_reached, time_until } from "../lib/time";
import { arp_flush_iface } from "../net/arp";
import { arp_probe_forget, arp_probe_start, arp_probe_state, ADDR_CONFLICT, ADDR_READY } from "../net/arp_probe";
import { clock_now, clock_wake_at } from "../net/clock";
import { iface_addr, iface_mac, iface_set_addr, iface_valid } from "../net/iface";
import { EINVAL } from "../socket/errno";
import { udp_socket_bind, udp_socket_close, udp_socket_open, udp_socket_recvfrom, udp_socket_sendto_iface } from "../socket/udp";
import {
  dhcp_addr_option, dhcp_check, dhcp_chaddr, dhcp_emit, dhcp_message_type, dhcp_seconds_option, dhcp_xid, dhcp_yiaddr,
  DHCPACK, DHCPDECLINE, DHCPDISCOVER, DHCPNAK, DHCPOFFER, DHCPRELEASE, DHCPREQUEST, DHCP_CLIENT_PORT, DHCP_SERVER_PORT,
  OPT_DNS, OPT_LEASE_TIME, OPT_REBINDING_TIME, OPT_RENEWAL_TIME, OPT_ROUTER, OPT_SERVER_ID, OPT_SUBNET_MASK,
} from "../wire/dhcp";
import { ipv4_is_unicast, ipv4_mask, IPV4_BROADCAST } from "../wire/ipv4";
import { dns_set_servers } from "./dns";

@inline export const DHCP_STOPPED: u8 = 0;
@inline export const DHCP_SELECTING: u8 = 1;
@inline export const DHCP_REQUESTING: u8 = 2;
@inline export const DHCP_PROBING: u8 = 3;
@inline export const DHCP_BOUND: u8 = 4;
@inline export const DHCP_RENEWING: u8 = 5;
@inline export const DHCP_REBINDING: u8 = 6;
@inline export const DHCP_DECLINED: u8 = 7;
@inline export const DHCP_DNS_COUNT: i32 = 2;

let state: u8 = DHCP_STOPPED;
let iface: i32 = 0;
let socket: i32 = -1;
let xid: u32 = 0;
/** Messages sent in this state so far (the backoff exponent; REQUESTING gives up after a few). */
let tries: u32 = 0;
/** Next retransmission, or the end of DECLINED's wait. */
let retry_at: u32 = 0;
/** When the REQUEST that got the lease left: T1, T2 and expiry count from there (4.4.1). */
let requested_at: u32 = 0;
let offered: u32 = 0;
let server: u32 = 0;
let lease_s: u32 = 0;
let prefix: i32 = 0;
let router: u32 = 0;
let t1_at: u32 = 0;
let t2_at: u32 = 0;
let expire_at: u32 = 0;
const dns = new StaticArray<u32>(DHCP_DNS_COUNT);
const message: usize = memory.data(DHCP_MESSAGE_BYTES, 8);
/** Source of the last received datagram (addr, port). */
const peer: usize = memory.data(8, 4);

export function dhcp_reset(): void {
  if (socket >= 0) udp_socket_close(socket);
  socket = -1;
  state = DHCP_STOPPED;
  clear_lease();
}

@inline export function dhcp_state(): u8 { return state; }
@inline export function dhcp_iface(): i32 { return iface; }
/** The leased address once BOUND (or renewing), else 0. */
export function dhcp_lease_addr(): u32 { return has_lease() ? offered : 0; }
export function dhcp_lease_prefix(): i32 { return has_lease() ? prefix : 0; }
export function dhcp_lease_router(): u32 { return has_lease() ? router : 0; }
export function dhcp_lease_server(): u32 { return has_lease() ? server : 0; }
export function dhcp_lease_seconds(): u32 { return has_lease() ? lease_s : 0; }
/** The lease's i-th DNS server on iface (0 when none): for the resolver. */
export function dhcp_dns_server(on: i32, i: i32): u32 {
  if (!has_lease() || on != iface || i < 0 || i >= DHCP_DNS_COUNT) return 0;
  return unchecked(dns[i]);
}

@inline function has_lease(): bool {
  return state == DHCP_BOUND || state == DHCP_RENEWING || state == DHCP_REBINDING;
}

function clear_lease(): void {
  offered = 0;
  server = 0;
  lease_s = 0;
  prefix = 0;
  router = 0;
  for (let i = 0; i < DHCP_DNS_COUNT; i++) unchecked((dns[i] = 0));
}

/** Starts the client on iface (any running client is stopped first). EADDRINUSE if port 68 is taken. */
export function dhcp_start(on: i32): i32 {
  if (!iface_valid(on)) return EINVAL;
  dhcp_stop();
  const handle = udp_socket_open();
  if (handle < 0) return handle;
  const bound = udp_socket_bind(handle, 0, DHCP_CLIENT_PORT);
  if (bound < 0) {
    udp_socket_close(handle);
    return bound;
  }
  socket = handle;
  iface = on;
  start_over();
  return 0;
}

/** Releases a lease we hold (RFC 2131 4.4.6), removes the address and closes the socket. */
export function dhcp_stop(): void {
  if (state == DHCP_STOPPED) return;
  if (has_lease()) send(DHCPRELEASE, server, false, offered, 0, server);
  drop_address();
  dhcp_reset();
}

/** Stops probing or using the offered address (while PROBING or holding the lease). */
function drop_address(): void {
  if (state == DHCP_PROBING || has_lease()) {
    arp_probe_forget(iface);
    if (iface_addr(iface) == offered) {
      iface_set_addr(iface, 0, 0, 0);
      arp_flush_iface(iface);
    }
  }
}

/** INIT: a new transaction and a DISCOVER. */
function start_over(): void {
  clear_lease();
  xid = hal_random();
  state = DHCP_SELECTING;
  tries = 0;
  discover();
}

/** 4 s, 8 s, ... 64 s, each moved by a random -1..+1 s (RFC 2131 4.1). */
function backoff_ms(): u32 {
  const shift = tries < 5 ? tries : 5;
  let base = DHCP_RETRY_FIRST_MS << shift;
  if (base > DHCP_RETRY_MAX_MS) base = DHCP_RETRY_MAX_MS;
  return base - 1_000 + hal_random() % 2_001;
}

function arm_retry(delay: u32): void {
  retry_at = clock_now() + delay;
  clock_wake_at(retry_at);
}

function discover(): void {
  send(DHCPDISCOVER, IPV4_BROADCAST, true, 0, 0, 0);
  arm_retry(backoff_ms());
  tries++;
}

/** REQUESTING: broadcast, naming the offer and its server (RFC 2131 4.3.2 table 5). */
function request_offer(): void {
  requested_at = clock_now();
  send(DHCPREQUEST, IPV4_BROADCAST, true, 0, offered, server);
  arm_retry(backoff_ms());
  tries++;
}

/** RENEWING (unicast to the server) or REBINDING (broadcast): ciaddr set, no server id. */
function request_extend(): void {
  requested_at = clock_now();
  const rebinding = state == DHCP_REBINDING;
  send(DHCPREQUEST, rebinding ? IPV4_BROADCAST : server, false, offered, 0, 0);
  const limit = rebinding ? expire_at : t2_at;
  let wait = time_until(clock_now(), limit) / 2;
  if (wait < DHCP_RENEW_RETRY_MIN_MS) wait = DHCP_RENEW_RETRY_MIN_MS;
  arm_retry(wait);
}

function send(type: u32, dst: u32, broadcast: bool, ciaddr: u32, requested: u32, server_id: u32): void {
  const len = dhcp_emit(message, type, xid, broadcast, ciaddr, iface_mac(iface), requested, server_id);
  const sent = udp_socket_sendto_iface(socket, iface, dst, DHCP_SERVER_PORT, message, len);
  if (sent < 0) { count(Counter.dhcp_tx_failed); return; }
  if (type == DHCPDISCOVER) count(Counter.dhcp_tx_discover);
  else if (type == DHCPREQUEST) count(Counter.dhcp_tx_request);
  else if (type == DHCPDECLINE) count(Counter.dhcp_tx_decline);
  else count(Counter.dhcp_tx_release);
  if (tries > 0 && (type == DHCPDISCOVER || type == DHCPREQUEST)) count(Counter.dhcp_retransmits);
}

/** Reads replies, then runs the timers; called after every poll and every received frame. */
export function dhcp_poll(): void {
  if (state == DHCP_STOPPED) return;
  for (;;) {
    const len = udp_socket_recvfrom(socket, message, DHCP_MESSAGE_BYTES, peer);
    if (len < 0) break;
    // Longer than we read: we asked for no more than 576 bytes (RFC 2131 2), so it is not for us.
    if (len > DHCP_MESSAGE_BYTES) { count(Counter.dhcp_rx_too_long); continue; }
    receive(len);
  }
  timers(clock_now());
}

function timers(now: u32): void {
  if (state == DHCP_PROBING || has_lease()) {
    const probe = arp_probe_state(iface);
    if (probe == ADDR_CONFLICT) { decline(); return; }
    if (state == DHCP_PROBING) {
      if (probe == ADDR_READY) bound();
      return;
    }
  }
  if (state == DHCP_BOUND || state == DHCP_RENEWING) {
    if (time_reached(now, t2_at)) { state = DHCP_REBINDING; request_extend(); return; }
    if (state == DHCP_BOUND && time_reached(now, t1_at)) { state = DHCP_RENEWING; request_extend(); return; }
  }
  if (state == DHCP_REBINDING && time_reached(now, expire_at)) { expire(); return; }
  if (state == DHCP_BOUND) { clock_wake_at(t1_at); return; }
  if (!time_reached(now, retry_at)) {
    clock_wake_at(retry_at);
    if (state == DHCP_RENEWING) clock_wake_at(t2_at);
    if (state == DHCP_REBINDING) clock_wake_at(expire_at);
    return;
  }
  if (state == DHCP_SELECTING) discover();
  else if (state == DHCP_REQUESTING) {
    if (tries >= DHCP_REQUEST_TRIES) start_over();
    else request_offer();
  } else if (state == DHCP_RENEWING || state == DHCP_REBINDING) request_extend();
  else if (state == DHCP_DECLINED) start_over();
}

function bound(): void {
  state = DHCP_BOUND;
  count(Counter.dhcp_leases);
  // The lease's usable name servers (option 6) become the resolver's (a lone second one is
  // promoted by dns_set_servers); a lease naming none leaves the resolver as it was.
  const primary = ipv4_is_unicast(unchecked(dns[0])) ? unchecked(dns[0]) : 0;
  const secondary = ipv4_is_unicast(unchecked(dns[1])) ? unchecked(dns[1]) : 0;
  if ((primary | secondary) != 0) dns_set_servers(primary, secondary);
  clock_wake_at(t1_at);
}

/** The address is in use elsewhere (RFC 2131 3.1.5): DECLINE it, wait, start over. */
function decline(): void {
  drop_address();
  send(DHCPDECLINE, IPV4_BROADCAST, false, 0, offered, server);
  count(Counter.dhcp_declined);
  clear_lease();
  state = DHCP_DECLINED;
  arm_retry(DHCP_DECLINE_WAIT_MS);
}

function expire(): void {
  count(Counter.dhcp_lease_expired);
  drop_address();
  start_over();
}

function receive(len: i32): void {
  count(Counter.dhcp_rx);
  const reason = dhcp_check(message, len);
  if (reason != Counter.OK) { count(reason); return; }
  if (load<u32>(peer, 4) != DHCP_SERVER_PORT || dhcp_xid(message) != xid || !equal(dhcp_chaddr(message), iface_mac(iface), 6)) {
    count(Counter.dhcp_rx_not_ours);
    return;
  }
  const type = dhcp_message_type(message, len);
  const server_id = dhcp_addr_option(message, len, OPT_SERVER_ID, 0);
  if (type == DHCPOFFER) {
    count(Counter.dhcp_rx_offer);
    if (state != DHCP_SELECTING) { count(Counter.dhcp_rx_unexpected); return; }
    const yiaddr = dhcp_yiaddr(message);
    if (!ipv4_is_unicast(yiaddr) || server_id == 0) { count(Counter.dhcp_rx_bad_offer); return; }
    // The first acceptable offer is taken (RFC 2131 4.4.1 lets the client choose).
    offered = yiaddr;
    server = server_id;
    state = DHCP_REQUESTING;
    tries = 0;
    request_offer();
    return;
  }
  const waiting = state == DHCP_REQUESTING || state == DHCP_RENEWING || state == DHCP_REBINDING;
  // In REQUESTING only the server we chose may answer (its id is in every ACK and NAK, table 3).
  const other_server = state == DHCP_REQUESTING && server_id != 0 && server_id != server;
  if (type == DHCPACK) {
    count(Counter.dhcp_rx_ack);
    if (!waiting || other_server) { count(Counter.dhcp_rx_unexpected); return; }
    acknowledged(len, server_id);
  } else if (type == DHCPNAK) {
    count(Counter.dhcp_rx_nak);
    if (!waiting || other_server) { count(Counter.dhcp_rx_unexpected); return; }
    drop_address();
    start_over();
  } else {
    count(Counter.dhcp_rx_unexpected);
  }
}

/** Prefix of a contiguous mask, or -1. */
function mask_prefix(mask: u32): i32 {
  const p = <i32>popcnt(mask);
  return ipv4_mask(p) == mask ? p : -1;
}

function acknowledged(len: i32, server_id: u32): void {
  const yiaddr = dhcp_yiaddr(message);
  const lease = dhcp_seconds_option(message, len, OPT_LEASE_TIME, 0);
  if (lease == 0) { count(Counter.dhcp_rx_bad_lease); return; }
  if (!ipv4_is_unicast(yiaddr)) { count(Counter.dhcp_rx_bad_offer); return; }
  const mask = dhcp_addr_option(message, len, OPT_SUBNET_MASK, 0);
  // Without a mask, the address's class decides (RFC 2131 leaves it to the client).
  let p = mask != 0 ? mask_prefix(mask) : yiaddr >>> 31 == 0 ? 8 : yiaddr >>> 30 == 2 ? 16 : 24;
  if (p < 0 || p > 30) { count(Counter.dhcp_rx_bad_offer); return; }
  const gateway = dhcp_addr_option(message, len, OPT_ROUTER, 0);
  const on_link = gateway != 0 && gateway != yiaddr && (gateway & ipv4_mask(p)) == (yiaddr & ipv4_mask(p));
  set_times(lease, dhcp_seconds_option(message, len, OPT_RENEWAL_TIME, 0), dhcp_seconds_option(message, len, OPT_REBINDING_TIME, 0));
  const same = has_lease() && yiaddr == offered;
  // A new address (not a renewal of ours): the old one goes before the new one is probed.
  if (!same) drop_address();
  offered = yiaddr;
  if (server_id != 0) server = server_id;
  prefix = p;
  router = on_link ? gateway : 0;
  for (let i = 0; i < DHCP_DNS_COUNT; i++) unchecked((dns[i] = dhcp_addr_option(message, len, OPT_DNS, i)));
  if (same) {
    // Renewed or rebound: same address, perhaps new mask or router.
    iface_set_addr(iface, offered, prefix, router);
    bound();
    return;
  }
  state = DHCP_PROBING;
  arp_probe_start(iface, offered, prefix, router);
}

/** Lease, T1 and T2 in seconds (0 = absent) to deadlines from the REQUEST's time. */
function set_times(lease: u32, t1: u32, t2: u32): void {
  if (lease > DHCP_LEASE_MAX_S) lease = DHCP_LEASE_MAX_S;
  // Defaults 0.5 and 0.875 of the lease (RFC 2131 4.4.5), also when the server's are inconsistent.
  const default_t1 = lease / 2;
  const default_t2 = lease / 8 * 7 + lease % 8 * 7 / 8;
  if (t1 == 0) t1 = default_t1;
  if (t2 == 0) t2 = default_t2;
  if (!(t1 <= t2 && t2 <= lease)) {
    t1 = default_t1;
    t2 = default_t2;
  }
  lease_s = lease;
  t1_at = requested_at + t1 * 1_000;
  t2_at = requested_at + t2 * 1_000;
  expire_at = requested_at + lease * 1_000;
}
