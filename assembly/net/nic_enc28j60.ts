// The ENC28J60 as an interface: its initialisation state machine, link tracking and receive
// loop, all run from poll(). The driver (drivers/enc28j60.ts) knows the chip; this file knows
// the stack (which interface, when to announce, where frames go).
import { FRAME_BUFFER_BYTES, NIC_INIT_RETRY_MS, NIC_LINK_POLL_MS, NIC_POLL_MS, NIC_RX_BATCH, NIC_TX_STUCK_MS } from "../config";
import { Counter, count } from "../lib/counters";
import { time_reached } from "../lib/time";
import {
  enc_events, enc_init, enc_link_state, enc_poll_link, enc_rx, enc_tx_flush, enc_tx_in_flight, enc_tx_serial,
  ENC_EVENT_LINK, ENC_FLAG_INT, ENC_OK, ENC_PENDING, ENC_RESET_WAIT_MS,
} from "../drivers/enc28j60";
import { arp_announce } from "./arp";
import { clock_wake_at } from "./clock";
import { rx_ethernet } from "./ethernet";
import { iface_addr, iface_is_up, iface_mac } from "./iface";
import { nic_enc_iface, nic_rx_buffer, nic_set_enc_iface } from "./nic";

/** Initialising (ENC_PENDING), ready (ENC_OK), or the last enc_init error (< 0). */
let status: i32 = ENC_PENDING;
let flags: i32 = 0;
let retry_at: u32 = 0;
let link_poll_at: u32 = 0;
let link: i32 = 0;
/** The frame seen on the wire by the last polls, and since when. */
let watched_serial: u32 = 0;
let watched_since: u32 = 0;

/** Hands interface iface to the chip; the reset and set-up run from the following polls. */
export function nic_enc_attach(iface: i32, enc_flags: i32): void {
  nic_set_enc_iface(iface);
  flags = enc_flags;
  status = ENC_PENDING;
  link = 0;
}

/** 0 initialising, 1 carrier up, 2 no carrier, < 0 the chip failed to initialise (ENC_ERR_*). */
export function nic_enc_status(): i32 {
  return status < 0 ? status : status == ENC_OK ? (link == 1 ? 1 : 2) : 0;
}

function set_link(up: i32, iface: i32): void {
  // A link that comes up is a new segment: announce the address there (RFC 5227 2.3).
  if (up == 1 && link != 1 && iface_is_up(iface) && iface_addr(iface) != 0) arp_announce(iface);
  link = up;
}

function initialise(iface: i32, now: u32): void {
  if (status < 0 && !time_reached(now, retry_at)) {
    clock_wake_at(retry_at);
    return;
  }
  const result = enc_init(iface_mac(iface), now, flags);
  if (result == ENC_PENDING) {
    status = ENC_PENDING;
    clock_wake_at(now + ENC_RESET_WAIT_MS);
    return;
  }
  status = result;
  if (result != ENC_OK) {
    count(Counter.enc_init_failed);
    retry_at = now + NIC_INIT_RETRY_MS;
    clock_wake_at(retry_at);
    return;
  }
  link_poll_at = now + NIC_LINK_POLL_MS;
  set_link(enc_link_state(), iface);
}

/** The chip's share of a poll before any frame is read: initialisation, its events (a finished
 *  or late-collided transmission) and the link. True when the chip is ready for nic_enc_receive. */
export function nic_enc_poll(now: u32): bool {
  const iface = nic_enc_iface();
  if (iface < 0) return false;
  if (status != ENC_OK) {
    initialise(iface, now);
    if (status != ENC_OK) return false;
  }
  const events = enc_events();
  // LINKIF also holds the INT pin asserted, hiding later packets' edges: read the PHY at once.
  if ((events & ENC_EVENT_LINK) != 0 || time_reached(now, link_poll_at)) {
    const up = enc_poll_link();
    if (up >= 0) set_link(up, iface);
    link_poll_at = now + NIC_LINK_POLL_MS;
  }
  clock_wake_at(link_poll_at);
  return true;
}

/** Takes up to NIC_RX_BATCH received frames through the stack; returns how many. */
export function nic_enc_receive(): i32 {
  const iface = nic_enc_iface();
  const buffer = nic_rx_buffer(iface);
  let taken = 0;
  for (; taken < NIC_RX_BATCH; taken++) {
    const len = enc_rx(buffer, FRAME_BUFFER_BYTES);
    if (len == 0) break;
    if (len > 0) rx_ethernet(iface, buffer, len); // drops are counted by the driver
  }
  return taken;
}

/** Ends the chip's share of a poll: when to look again. more = frames may still be waiting. */
export function nic_enc_done(now: u32, more: bool): void {
  // Without the INT pin, look again soon; with it, the host wakes the module when the chip has
  // something.
  if (more) clock_wake_at(now);
  else if ((flags & ENC_FLAG_INT) == 0) clock_wake_at(now + NIC_POLL_MS);
  watch_tx(now);
}

/** A frame on the wire is looked at again next millisecond, so a late collision is retried then
 *  (errata #13), not only when the stack next sends; one there for NIC_TX_STUCK_MS is given up. */
function watch_tx(now: u32): void {
  if (!enc_tx_in_flight()) return;
  const serial = enc_tx_serial();
  if (serial != watched_serial) {
    watched_serial = serial;
    watched_since = now;
  } else if (time_reached(now, watched_since + NIC_TX_STUCK_MS)) {
    enc_tx_flush(); // bounded wait, then TXRTS cleared and the timeout counted
    return;
  }
  clock_wake_at(now + 1);
}
