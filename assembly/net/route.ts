// Routing table: longest-prefix match (RFC 1812 5.2.4.3) over rows derived from the
// interfaces and a bounded set of static rows.
//
//   row index   [0, IFACE_COUNT)               connected: the interface's subnet, no gateway
//               [IFACE_COUNT, 2 * IFACE_COUNT) default: 0.0.0.0/0 via the interface's gateway
//               [2 * IFACE_COUNT, ROW_COUNT)   static: route_add / route_del
//
// Derived rows follow iface_set_ipv4 with nothing to keep in step. A row is usable while its
// interface is up and addressed and its gateway (if any) lies on that interface's subnet.
// Among usable rows covering dst the longest prefix wins, then the lowest metric, then the
// lowest row (connected before default before static, statics in the order added).
// Static rows beyond ROUTE_STATIC_COUNT are refused (ENOSPC); nothing is evicted.
import { IFACE_COUNT, ROUTE_STATIC_COUNT } from "../config";
import { ipv4_is_multicast, ipv4_mask, IPV4_BROADCAST } from "../wire/ipv4";
import { EEXIST, EINVAL, ENETUNREACH, ENOSPC, ESRCH } from "../socket/errno";
import { iface_addr, iface_gateway, iface_is_up, iface_on_link, iface_prefix, iface_valid } from "./iface";

@inline export const ROUTE_FREE: u8 = 0;
@inline export const ROUTE_CONNECTED: u8 = 1;
@inline export const ROUTE_DEFAULT: u8 = 2;
@inline export const ROUTE_STATIC: u8 = 3;
@inline const STATIC_FIRST: i32 = 2 * IFACE_COUNT;
@inline export const ROUTE_ROW_COUNT: i32 = STATIC_FIRST + ROUTE_STATIC_COUNT;
@inline const NONE: i32 = -1;

const static_used = new StaticArray<bool>(ROUTE_STATIC_COUNT);
const static_dst = new StaticArray<u32>(ROUTE_STATIC_COUNT);
const static_prefix = new StaticArray<i32>(ROUTE_STATIC_COUNT);
const static_gateway = new StaticArray<u32>(ROUTE_STATIC_COUNT);
const static_iface = new StaticArray<i32>(ROUTE_STATIC_COUNT);
const static_metric = new StaticArray<u32>(ROUTE_STATIC_COUNT);

// Fields of the row most recently read by row_load (one row at a time, no allocation).
let row_kind: u8 = ROUTE_FREE;
let row_dst: u32 = 0;
let row_prefix: i32 = 0;
let row_gateway: u32 = 0;
let row_iface: i32 = 0;
let row_metric: u32 = 0;

export function route_reset(): void {
  for (let i = 0; i < ROUTE_STATIC_COUNT; i++) unchecked((static_used[i] = false));
}

/** Loads row i into the row_* fields; returns its kind (ROUTE_FREE when it does not exist). */
function row_load(i: i32): u8 {
  row_kind = ROUTE_FREE;
  if (i < 0 || i >= ROUTE_ROW_COUNT) return ROUTE_FREE;
  if (i < STATIC_FIRST) {
    const iface = i < IFACE_COUNT ? i : i - IFACE_COUNT;
    const addr = iface_addr(iface);
    if (addr == 0) return ROUTE_FREE;
    row_iface = iface;
    row_metric = 0;
    if (i < IFACE_COUNT) {
      row_prefix = iface_prefix(iface);
      row_dst = addr & ipv4_mask(row_prefix);
      row_gateway = 0;
      row_kind = ROUTE_CONNECTED;
    } else {
      if (iface_gateway(iface) == 0) return ROUTE_FREE;
      row_prefix = 0;
      row_dst = 0;
      row_gateway = iface_gateway(iface);
      row_kind = ROUTE_DEFAULT;
    }
    return row_kind;
  }
  const s = i - STATIC_FIRST;
  if (!unchecked(static_used[s])) return ROUTE_FREE;
  row_dst = unchecked(static_dst[s]);
  row_prefix = unchecked(static_prefix[s]);
  row_gateway = unchecked(static_gateway[s]);
  row_iface = unchecked(static_iface[s]);
  row_metric = unchecked(static_metric[s]);
  row_kind = ROUTE_STATIC;
  return row_kind;
}

/** The loaded row can carry traffic now. */
function row_usable(): bool {
  if (!iface_is_up(row_iface) || iface_addr(row_iface) == 0) return false;
  return row_gateway == 0 || iface_on_link(row_iface, row_gateway);
}

/** The best usable row covering dst (restricted to one interface unless only_iface < 0), or NONE. */
function best_row(dst: u32, only_iface: i32): i32 {
  let best = NONE;
  let best_prefix: i32 = -1;
  let best_metric: u32 = 0;
  for (let i = 0; i < ROUTE_ROW_COUNT; i++) {
    if (row_load(i) == ROUTE_FREE || !row_usable()) continue;
    if (only_iface >= 0 && row_iface != only_iface) continue;
    if ((dst & ipv4_mask(row_prefix)) != row_dst) continue;
    if (row_prefix > best_prefix || (row_prefix == best_prefix && row_metric < best_metric)) {
      best = i;
      best_prefix = row_prefix;
      best_metric = row_metric;
    }
  }
  return best;
}

/**
 * The interface to send to dst from, or -1 (no route). The limited broadcast and groups
 * without a route leave from the first interface that is up and addressed.
 */
export function route_lookup(dst: u32): i32 {
  const row = best_row(dst, NONE);
  if (row != NONE) {
    row_load(row);
    return row_iface;
  }
  if (dst != IPV4_BROADCAST && !ipv4_is_multicast(dst)) return NONE;
  for (let i = 0; i < IFACE_COUNT; i++) {
    if (iface_is_up(i) && iface_addr(i) != 0) return i;
  }
  return NONE;
}

/**
 * The neighbour on iface that takes a datagram for dst: dst itself on a connected subnet or
 * a gateway-less route (direct delivery), else the route's gateway; 0 when iface has no route.
 */
export function route_next_hop(iface: i32, dst: u32): u32 {
  const row = best_row(dst, iface);
  if (row == NONE) return 0;
  row_load(row);
  return row_gateway != 0 ? row_gateway : dst;
}

/** The connected interface whose subnet holds addr, or NONE. */
function connected_iface(addr: u32): i32 {
  for (let i = 0; i < IFACE_COUNT; i++) {
    if (iface_on_link(i, addr)) return i;
  }
  return NONE;
}

/**
 * Adds a static route. gateway 0 makes dst/prefix directly reachable on iface (which must
 * then be given); otherwise the gateway must lie on a connected subnet (of iface, when
 * iface >= 0). EINVAL for a bad prefix, host bits set or a bad interface, ENETUNREACH for an
 * unreachable gateway, EEXIST for a duplicate (same dst, prefix, metric), ENOSPC when full.
 */
export function route_add(dst: u32, prefix: i32, gateway: u32, iface: i32, metric: u32): i32 {
  if (prefix < 0 || prefix > 32 || (dst & ~ipv4_mask(prefix)) != 0) return EINVAL;
  if (iface < NONE || (iface >= 0 && !iface_valid(iface))) return EINVAL;
  if (gateway == 0) {
    if (iface < 0) return EINVAL;
  } else if (iface < 0) {
    iface = connected_iface(gateway);
    if (iface == NONE) return ENETUNREACH;
  } else if (!iface_on_link(iface, gateway)) {
    return ENETUNREACH;
  }
  let free = NONE;
  for (let s = 0; s < ROUTE_STATIC_COUNT; s++) {
    if (!unchecked(static_used[s])) {
      if (free == NONE) free = s;
      continue;
    }
    if (unchecked(static_dst[s]) == dst && unchecked(static_prefix[s]) == prefix && unchecked(static_metric[s]) == metric) return EEXIST;
  }
  if (free == NONE) return ENOSPC;
  unchecked((static_dst[free] = dst));
  unchecked((static_prefix[free] = prefix));
  unchecked((static_gateway[free] = gateway));
  unchecked((static_iface[free] = iface));
  unchecked((static_metric[free] = metric));
  unchecked((static_used[free] = true));
  return 0;
}

/** Removes the static route dst/prefix (through gateway, unless gateway is 0); ESRCH if none. */
export function route_del(dst: u32, prefix: i32, gateway: u32): i32 {
  if (prefix < 0 || prefix > 32) return EINVAL;
  for (let s = 0; s < ROUTE_STATIC_COUNT; s++) {
    if (!unchecked(static_used[s]) || unchecked(static_dst[s]) != dst || unchecked(static_prefix[s]) != prefix) continue;
    if (gateway != 0 && unchecked(static_gateway[s]) != gateway) continue;
    unchecked((static_used[s] = false));
    return 0;
  }
  return ESRCH;
}

/** Kind of row i (ROUTE_FREE if unused); the route_row_* accessors read its fields. */
export function route_row(i: i32): u8 { return row_load(i); }
@inline export function route_row_dst(): u32 { return row_dst; }
@inline export function route_row_prefix(): i32 { return row_prefix; }
@inline export function route_row_gateway(): u32 { return row_gateway; }
@inline export function route_row_iface(): i32 { return row_iface; }
@inline export function route_row_metric(): u32 { return row_metric; }
