// IPv4 address conflict detection (RFC 5227) for addresses applied through arp_probe_start:
// probe, then apply and announce, then defend.
//
//   NONE -> PROBING (random wait, PROBE_NUM probes from 0.0.0.0, ANNOUNCE_WAIT; the address is
//   not set on the interface, so it is neither answered nor used as a source)
//   PROBING -> READY (address applied, ANNOUNCE_NUM gratuitous announcements) or CONFLICT
//   READY -> CONFLICT: a second conflicting packet within DEFEND_INTERVAL of the defence of
//   the first (2.4 (b)); the address is removed from the interface.
// A conflict while probing is any ARP packet whose sender is the address, or a probe for it
// from another MAC (2.1.1). Who asked for the address (the host, app/dhcp.ts) reads the state.
// Addresses set directly (iface_set_ipv4) are not tracked here.
import {
  ARP_ANNOUNCE_INTERVAL_MS, ARP_ANNOUNCE_NUM, ARP_ANNOUNCE_WAIT_MS, ARP_DEFEND_INTERVAL_MS, ARP_PROBE_MAX_MS,
  ARP_PROBE_MIN_MS, ARP_PROBE_NUM, ARP_PROBE_WAIT_MS, IFACE_COUNT,
} from "../config";
import { hal_random } from "../hal";
import { equal } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import { time_reached } from "../lib/time";
import { arp_op, arp_sender_addr, arp_sender_mac, arp_target_addr, ARP_OP_REQUEST } from "../wire/arp";
import { arp_flush_iface, arp_request_as } from "./arp";
import { clock_now, clock_wake_at } from "./clock";
import { iface_is_up, iface_mac, iface_set_addr } from "./iface";

@inline export const ADDR_NONE: u8 = 0;
@inline export const ADDR_PROBING: u8 = 1;
@inline export const ADDR_READY: u8 = 2;
@inline export const ADDR_CONFLICT: u8 = 3;

const state = new StaticArray<u8>(IFACE_COUNT);
const probe_addr = new StaticArray<u32>(IFACE_COUNT);
const probe_prefix = new StaticArray<i32>(IFACE_COUNT);
const probe_gateway = new StaticArray<u32>(IFACE_COUNT);
/** PROBING: probes sent so far; READY: announcements sent so far. */
const sent = new StaticArray<u32>(IFACE_COUNT);
/** When the next probe or announcement is due (or, after the last probe, the address applied). */
const deadline = new StaticArray<u32>(IFACE_COUNT);
/** READY: a defence was sent at defended_at (2.4 (b)). */
const defended = new StaticArray<bool>(IFACE_COUNT);
const defended_at = new StaticArray<u32>(IFACE_COUNT);

export function arp_probe_reset(): void {
  for (let i = 0; i < IFACE_COUNT; i++) unchecked((state[i] = ADDR_NONE));
}

@inline export function arp_probe_state(iface: i32): u8 { return unchecked(state[iface]); }

/** A random delay in [low, low + span) ms. */
@inline function random_ms(low: u32, span: u32): u32 {
  return low + hal_random() % span;
}

function arm(iface: i32, at: u32): void {
  unchecked((deadline[iface] = at));
  clock_wake_at(at);
}

/**
 * Probes addr on iface and applies it (with prefix and gateway, as iface_set_addr) once no one
 * else claims it. The interface's current address is removed at once.
 */
export function arp_probe_start(iface: i32, addr: u32, prefix: i32, gateway: u32): void {
  iface_set_addr(iface, 0, 0, 0);
  arp_flush_iface(iface);
  unchecked((state[iface] = ADDR_PROBING));
  unchecked((probe_addr[iface] = addr));
  unchecked((probe_prefix[iface] = prefix));
  unchecked((probe_gateway[iface] = gateway));
  unchecked((sent[iface] = 0));
  unchecked((defended[iface] = false));
  arm(iface, clock_now() + random_ms(0, ARP_PROBE_WAIT_MS));
}

/** Stops tracking the interface's address (it stays as it is on the interface). */
export function arp_probe_forget(iface: i32): void {
  unchecked((state[iface] = ADDR_NONE));
}

function conflict(iface: i32): void {
  unchecked((state[iface] = ADDR_CONFLICT));
  count(Counter.arp_conflict);
}

function announce(iface: i32, now: u32): void {
  const addr = unchecked(probe_addr[iface]);
  arp_request_as(iface, addr, addr);
  count(Counter.arp_announce_tx);
  unchecked((sent[iface] = unchecked(sent[iface]) + 1));
  if (unchecked(sent[iface]) < ARP_ANNOUNCE_NUM) arm(iface, now + ARP_ANNOUNCE_INTERVAL_MS);
}

function probe_step(iface: i32, now: u32): void {
  // Probes are meaningless on a link that is down: start over when it comes back.
  if (!iface_is_up(iface)) {
    unchecked((sent[iface] = 0));
    arm(iface, now + ARP_PROBE_WAIT_MS);
    return;
  }
  const probes = unchecked(sent[iface]);
  if (probes < ARP_PROBE_NUM) {
    arp_request_as(iface, 0, unchecked(probe_addr[iface]));
    count(Counter.arp_probe_tx);
    unchecked((sent[iface] = probes + 1));
    const last = probes + 1 == ARP_PROBE_NUM;
    arm(iface, now + (last ? ARP_ANNOUNCE_WAIT_MS : random_ms(ARP_PROBE_MIN_MS, ARP_PROBE_MAX_MS - ARP_PROBE_MIN_MS)));
    return;
  }
  // ANNOUNCE_WAIT passed without a conflict: the address is ours (RFC 5227 2.3).
  iface_set_addr(iface, unchecked(probe_addr[iface]), unchecked(probe_prefix[iface]), unchecked(probe_gateway[iface]));
  unchecked((state[iface] = ADDR_READY));
  unchecked((sent[iface] = 0));
  announce(iface, now);
}

/** Sends the probes and announcements that are due and re-arms the wake-up of the rest. */
export function arp_probe_poll(now: u32): void {
  for (let i = 0; i < IFACE_COUNT; i++) {
    const s = unchecked(state[i]);
    const pending = s == ADDR_PROBING || (s == ADDR_READY && unchecked(sent[i]) < ARP_ANNOUNCE_NUM);
    if (!pending) continue;
    if (!time_reached(now, unchecked(deadline[i]))) { clock_wake_at(unchecked(deadline[i])); continue; }
    if (s == ADDR_PROBING) probe_step(i, now);
    else announce(i, now);
  }
}

/**
 * Looks at every valid ARP packet received on an up interface before ARP does. Returns true
 * when the packet was a conflict with a tracked address (ARP must then not learn from it).
 */
export function arp_probe_rx(iface: i32, packet: usize): bool {
  const s = unchecked(state[iface]);
  if (s != ADDR_PROBING && s != ADDR_READY) return false;
  const mac = arp_sender_mac(packet);
  if (equal(mac, iface_mac(iface), 6)) return false;
  const addr = unchecked(probe_addr[iface]);
  const sender = arp_sender_addr(packet);
  if (s == ADDR_PROBING) {
    const other_probe = sender == 0 && arp_op(packet) == ARP_OP_REQUEST && arp_target_addr(packet) == addr;
    if (sender != addr && !other_probe) return false;
    conflict(iface);
    return true;
  }
  if (sender != addr) return false;
  const now = clock_now();
  if (!unchecked(defended[iface]) || time_reached(now, unchecked(defended_at[iface]) + ARP_DEFEND_INTERVAL_MS)) {
    // Defend once (RFC 5227 2.4 (b)): announce and keep the address.
    count(Counter.arp_conflict);
    count(Counter.arp_defend);
    unchecked((defended[iface] = true));
    unchecked((defended_at[iface] = now));
    arp_request_as(iface, addr, addr);
    return true;
  }
  // A second conflict within DEFEND_INTERVAL: give the address up.
  conflict(iface);
  iface_set_addr(iface, 0, 0, 0);
  arp_flush_iface(iface);
  return true;
}
