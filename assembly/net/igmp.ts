// IGMPv2 host side (RFC 2236): group memberships per interface, an unsolicited report on join
// and its repeat, reports in answer to queries after a random delay, suppression when another
// member reports first, and a leave when the last reference goes.
//
// One table for all interfaces, IGMP_GROUP_COUNT rows; a row is free when refs is 0:
//   iface | group | refs (joins not yet left) | timer armed, deadline | last reporter
// A join beyond the table is refused (igmp_join_table_full); rows are never evicted. A row with
// its timer armed is the RFC's Delaying Member, otherwise an Idle Member. 224.0.0.1 is implicit
// on every interface and never reported (RFC 2236 6), so it has no row.
//
// Queries of every version are answered with v2 reports (v1 reports while an IGMPv1 router is
// present, RFC 2236 4); IGMPv3 queries and reports are accepted and counted (RFC 3376 7).
import { IFACE_COUNT, IGMP_GROUP_COUNT, IGMP_UNSOLICITED_REPORT_INTERVAL_MS, IGMP_V1_ROUTER_PRESENT_MS } from "../config";
import { hal_random } from "../hal";
import { Counter, count } from "../lib/counters";
import { pool_alloc, POOL_NONE } from "../lib/pool";
import { time_reached, time_until } from "../lib/time";
import {
  igmp_check, igmp_emit, igmp_group, igmp_max_resp_code, igmp_query_max_resp_tenths, igmp_type,
  IGMP_HEADER_BYTES, IGMP_LEAVE_GROUP, IGMP_MEMBERSHIP_QUERY, IGMP_V1_MEMBERSHIP_REPORT,
  IGMP_V2_MEMBERSHIP_REPORT, IGMP_V3_MEMBERSHIP_REPORT, IGMP_V3_QUERY_MIN_BYTES,
} from "../wire/igmp";
import { ipv4_is_multicast, IPV4_ROUTER_ALERT_BYTES, IP_PROTO_IGMP } from "../wire/ipv4";
import { clock_now, clock_wake_at } from "./clock";
import { iface_is_up } from "./iface";
import { ALL_HOSTS_GROUP, ipv4_payload, tx_ipv4 } from "./ipv4";
import { nic_multicast_changed } from "./nic";

/** 224.0.0.2, where leaves go (RFC 2236 3). */
@inline const ALL_ROUTERS_GROUP: u32 = 0xe0000002;
/** IGMP messages never leave the link (RFC 2236 2). */
@inline const IGMP_TTL: u32 = 1;

const groups = new StaticArray<u32>(IGMP_GROUP_COUNT);
const ifaces = new StaticArray<i32>(IGMP_GROUP_COUNT);
const refs = new StaticArray<i32>(IGMP_GROUP_COUNT);
const armed = new StaticArray<bool>(IGMP_GROUP_COUNT);
const deadlines = new StaticArray<u32>(IGMP_GROUP_COUNT);
const last_reporter = new StaticArray<bool>(IGMP_GROUP_COUNT);
/** Per interface: an IGMPv1 query was heard, and until when v1 behaviour lasts. */
const v1_seen = new StaticArray<bool>(IFACE_COUNT);
const v1_until = new StaticArray<u32>(IFACE_COUNT);
/** One interface's groups (224.0.0.1 first) for the NIC's filter. */
const filter = new StaticArray<u32>(IGMP_GROUP_COUNT + 1);

export function igmp_reset(): void {
  for (let i = 0; i < IGMP_GROUP_COUNT; i++) {
    unchecked((refs[i] = 0));
    unchecked((armed[i] = false));
  }
  for (let i = 0; i < IFACE_COUNT; i++) unchecked((v1_seen[i] = false));
}

function find(iface: i32, group: u32): i32 {
  for (let i = 0; i < IGMP_GROUP_COUNT; i++) {
    if (unchecked(refs[i]) > 0 && unchecked(ifaces[i]) == iface && unchecked(groups[i]) == group) return i;
  }
  return -1;
}

/** The interface receives datagrams sent to group (224.0.0.1 is checked by the caller). */
export function igmp_joined(iface: i32, group: u32): bool {
  return find(iface, group) >= 0;
}

function v1_router_present(iface: i32): bool {
  return unchecked(v1_seen[iface]) && !time_reached(clock_now(), unchecked(v1_until[iface]));
}

function send(iface: i32, type: u32, group: u32, dst: u32): bool {
  if (!iface_is_up(iface)) return false;
  const buffer = pool_alloc();
  if (buffer == POOL_NONE) { count(Counter.tx_no_buffer); return false; }
  igmp_emit(ipv4_payload(buffer) + <usize>IPV4_ROUTER_ALERT_BYTES, type, 0, group);
  tx_ipv4(buffer, iface, 0, dst, IP_PROTO_IGMP, IGMP_HEADER_BYTES, IGMP_TTL, true);
  return true;
}

function report(row: i32): void {
  const iface = unchecked(ifaces[row]);
  const group = unchecked(groups[row]);
  const type = v1_router_present(iface) ? IGMP_V1_MEMBERSHIP_REPORT : IGMP_V2_MEMBERSHIP_REPORT;
  if (send(iface, type, group, group)) count(Counter.igmp_tx_report);
  unchecked((last_reporter[row] = true));
}

/**
 * Starts the row's report timer at a random point in [0, max_ms); a running timer is only
 * moved earlier, when max_ms is below what it has left (RFC 2236 3).
 */
function arm(row: i32, max_ms: u32): void {
  const now = clock_now();
  if (unchecked(armed[row]) && time_until(now, unchecked(deadlines[row])) <= max_ms) return;
  const deadline = now + (max_ms == 0 ? 0 : hal_random() % max_ms);
  unchecked((deadlines[row] = deadline));
  unchecked((armed[row] = true));
  clock_wake_at(deadline);
}

/** Tells the interface's NIC the groups it now receives (also after a driver is attached). */
export function igmp_filter_refresh(iface: i32): void {
  unchecked((filter[0] = ALL_HOSTS_GROUP));
  let n = 1;
  for (let i = 0; i < IGMP_GROUP_COUNT; i++) {
    if (unchecked(refs[i]) > 0 && unchecked(ifaces[i]) == iface) unchecked((filter[n++] = unchecked(groups[i])));
  }
  nic_multicast_changed(iface, changetype<usize>(filter), n);
}

/**
 * Joins group on iface, or adds a reference to the membership. The caller has checked that
 * group is multicast and not 224.0.0.1. False when the table is full.
 */
export function igmp_join(iface: i32, group: u32): bool {
  let row = find(iface, group);
  if (row >= 0) {
    unchecked((refs[row] = unchecked(refs[row]) + 1));
    return true;
  }
  for (let i = 0; i < IGMP_GROUP_COUNT && row < 0; i++) if (unchecked(refs[i]) == 0) row = i;
  if (row < 0) { count(Counter.igmp_join_table_full); return false; }
  unchecked((groups[row] = group));
  unchecked((ifaces[row] = iface));
  unchecked((refs[row] = 1));
  unchecked((armed[row] = false));
  // RFC 2236 3: report at once in case we are the first member, and repeat it once later.
  report(row);
  arm(row, IGMP_UNSOLICITED_REPORT_INTERVAL_MS);
  igmp_filter_refresh(iface);
  return true;
}

/** Drops one reference; the last one leaves the group. False when not a member. */
export function igmp_leave(iface: i32, group: u32): bool {
  const row = find(iface, group);
  if (row < 0) return false;
  const left = unchecked(refs[row]) - 1;
  unchecked((refs[row] = left));
  if (left > 0) return true;
  unchecked((armed[row] = false));
  // RFC 2236 3: only the host that sent the last report leaves; an IGMPv1 router ignores leaves.
  if (unchecked(last_reporter[row]) && !v1_router_present(iface)) {
    if (send(iface, IGMP_LEAVE_GROUP, group, ALL_ROUTERS_GROUP)) count(Counter.igmp_tx_leave);
  }
  igmp_filter_refresh(iface);
  return true;
}

/** Reports whose delay has run out; re-arms the wake-up of the others. */
export function igmp_poll(now: u32): void {
  for (let i = 0; i < IGMP_GROUP_COUNT; i++) {
    if (unchecked(refs[i]) == 0 || !unchecked(armed[i])) continue;
    const deadline = unchecked(deadlines[i]);
    if (!time_reached(now, deadline)) { clock_wake_at(deadline); continue; }
    unchecked((armed[i] = false));
    report(i);
  }
}

function rx_query(iface: i32, igmp: usize, len: i32): void {
  // RFC 3376 7.1: a query of 9 to 11 bytes is no version's and is ignored.
  const group = igmp_group(igmp);
  if ((len > IGMP_HEADER_BYTES && len < IGMP_V3_QUERY_MIN_BYTES) || (group != 0 && !ipv4_is_multicast(group))) {
    count(Counter.igmp_rx_bad_query);
    return;
  }
  if (len >= IGMP_V3_QUERY_MIN_BYTES) {
    count(Counter.igmp_rx_v3_query);
  } else {
    count(Counter.igmp_rx_query);
    if (igmp_max_resp_code(igmp) == 0) {
      unchecked((v1_seen[iface] = true));
      unchecked((v1_until[iface] = clock_now() + IGMP_V1_ROUTER_PRESENT_MS));
    }
  }
  const max_ms = igmp_query_max_resp_tenths(igmp, len) * 100;
  for (let i = 0; i < IGMP_GROUP_COUNT; i++) {
    if (unchecked(refs[i]) == 0 || unchecked(ifaces[i]) != iface) continue;
    if (group == 0 || unchecked(groups[i]) == group) arm(i, max_ms);
  }
}

/** Another member reported the group first: ours is not needed (RFC 2236 3). */
function rx_report(iface: i32, group: u32): void {
  const row = find(iface, group);
  if (row < 0 || !unchecked(armed[row])) return;
  unchecked((armed[row] = false));
  unchecked((last_reporter[row] = false));
  count(Counter.igmp_rx_report_suppressed);
}

export function rx_igmp(iface: i32, igmp: usize, len: i32): void {
  count(Counter.igmp_rx);
  const reason = igmp_check(igmp, len);
  if (reason != Counter.OK) { count(reason); return; }
  const type = igmp_type(igmp);
  if (type == IGMP_MEMBERSHIP_QUERY) rx_query(iface, igmp, len);
  else if (type == IGMP_V1_MEMBERSHIP_REPORT || type == IGMP_V2_MEMBERSHIP_REPORT) rx_report(iface, igmp_group(igmp));
  else if (type == IGMP_V3_MEMBERSHIP_REPORT) count(Counter.igmp_rx_v3_report);
  else count(Counter.igmp_rx_other_type); // leaves from other members, unknown types
}
