// Transmission control blocks (RFC 9293 3.3.1): one fixed slot per connection, laid out once.
// A slot index is also the socket handle the application holds. Each slot owns a send ring,
// a receive ring, the receiver's out-of-order ranges and the sender's SACK scoreboard.
//
//   tcbs:       [ Tcb 0 | Tcb 1 | ... ]                   TCP_CONNECTION_COUNT x sizeof<Tcb>
//   send rings: [ TCP_SEND_BUFFER_BYTES per slot ]        byte at SND.UNA is at send_head
//   recv rings: [ TCP_RECV_BUFFER_BYTES per slot ]        next byte the app reads is at recv_head
//   ooo / sack: [ RANGES_BYTES per slot ] each
import { TCP_CONNECTION_COUNT, TCP_RECV_BUFFER_BYTES, TCP_SEND_BUFFER_BYTES } from "../../config";
import { fill } from "../../lib/bytes";
import { RANGES_BYTES, ranges_reset } from "../../lib/ranges";

// States (RFC 9293 3.3.2), plus FREE for an unused slot.
@inline export const FREE: i32 = 0;
@inline export const CLOSED: i32 = 1;
@inline export const LISTEN: i32 = 2;
@inline export const SYN_SENT: i32 = 3;
@inline export const SYN_RECEIVED: i32 = 4;
@inline export const ESTABLISHED: i32 = 5;
@inline export const FIN_WAIT_1: i32 = 6;
@inline export const FIN_WAIT_2: i32 = 7;
@inline export const CLOSE_WAIT: i32 = 8;
@inline export const CLOSING: i32 = 9;
@inline export const LAST_ACK: i32 = 10;
@inline export const TIME_WAIT: i32 = 11;

// Flags.
@inline export const F_NODELAY: u32 = 1 << 0;      // Nagle off
@inline export const F_KEEPALIVE: u32 = 1 << 1;
@inline export const F_SACK: u32 = 1 << 2;         // both sides sent SACK-permitted
@inline export const F_TIMESTAMPS: u32 = 1 << 3;   // both sides sent timestamps
@inline export const F_ACK_NOW: u32 = 1 << 4;      // an ACK must go out on the next output
@inline export const F_DELACK: u32 = 1 << 5;       // delayed-ACK timer armed
@inline export const F_RTX: u32 = 1 << 6;          // retransmit/persist timer armed
@inline export const F_SHUT_WR: u32 = 1 << 7;      // app is done sending: FIN after the data
@inline export const F_FIN_RCVD: u32 = 1 << 8;     // peer's FIN taken in order (EOF after the data)
@inline export const F_APP_CLOSED: u32 = 1 << 9;   // handle released; the slot frees itself when done
@inline export const F_ACCEPTABLE: u32 = 1 << 10;  // established child waiting for accept()
@inline export const F_RECOVERY: u32 = 1 << 11;    // NewReno fast recovery (RFC 6582)
@inline export const F_RTT_TIMING: u32 = 1 << 12;  // timing rtt_seq (Karn's rule, no timestamps)
@inline export const F_SYN_WS: u32 = 1 << 13;      // window scaling agreed
@inline export const F_PERSIST: u32 = 1 << 14;     // the armed F_RTX timer is the persist timer
@inline export const F_WINDOW_UPDATE: u32 = 1 << 15; // the app freed receive space worth announcing
@inline export const F_OUTPUT: u32 = 1 << 16;      // a segment arrived: run output at the next flush

@unmanaged export class Tcb {
  state: i32;
  flags: u32;
  /** Error the application sees next (negative errno), 0 if none. */
  error: i32;
  /** Listener this child belongs to until accepted, or -1. */
  parent: i32;
  /** Listener: children allowed at once (SYN-RECEIVED plus waiting for accept) and in use now. */
  backlog: i32;
  children: i32;
  /** Order of creation, so accept() hands out children first come, first served. */
  serial: u32;
  local_addr: u32;
  local_port: u32;
  remote_addr: u32;
  remote_port: u32;

  // Send sequence space (RFC 9293 3.3.1). snd_max is the highest sequence sent so far.
  iss: u32;
  snd_una: u32;
  snd_nxt: u32;
  snd_max: u32;
  snd_wnd: u32;
  snd_wl1: u32;
  snd_wl2: u32;
  max_snd_wnd: u32;
  snd_wscale: u32;
  /** Data bytes per full segment to this peer (its MSS less our per-segment option bytes). */
  mss: u32;
  send_head: i32;
  send_used: i32;

  // Receive sequence space. rcv_adv is the right window edge last advertised.
  irs: u32;
  rcv_nxt: u32;
  rcv_adv: u32;
  rcv_wscale: u32;
  recv_head: i32;
  recv_used: i32;

  // Timestamps (RFC 7323).
  ts_recent: u32;
  last_ack_sent: u32;

  // Round-trip estimate (RFC 6298), milliseconds scaled: srtt x8, rttvar x4.
  srtt8: u32;
  rttvar4: u32;
  rto: u32;
  rtt_seq: u32;
  rtt_start: u32;

  // Timers: deadlines valid while their flag (F_RTX, F_DELACK, F_KEEPALIVE) is set.
  rtx_at: u32;
  dack_at: u32;
  keep_at: u32;
  retries: u32;
  keep_probes: u32;
  /** Full-sized segments received since the last ACK we sent (ACK every second one). */
  segs_unacked: u32;

  // Congestion control (RFC 5681, 6582).
  cwnd: u32;
  ssthresh: u32;
  dupacks: u32;
  recover: u32;
  /** Highest sequence retransmitted during this recovery (RFC 6675 HighRxt). */
  high_rxt: u32;
  acked_in_ca: u32;
}

const tcbs: usize = memory.data(offsetof<Tcb>() * TCP_CONNECTION_COUNT, 8);
const send_rings: usize = memory.data(TCP_SEND_BUFFER_BYTES * TCP_CONNECTION_COUNT, 8);
const recv_rings: usize = memory.data(TCP_RECV_BUFFER_BYTES * TCP_CONNECTION_COUNT, 8);
const ooo_sets: usize = memory.data(RANGES_BYTES * TCP_CONNECTION_COUNT, 8);
const sack_sets: usize = memory.data(RANGES_BYTES * TCP_CONNECTION_COUNT, 8);

@inline export function tcb(index: i32): Tcb {
  return changetype<Tcb>(tcbs + <usize>(index * offsetof<Tcb>()));
}
@inline export function send_ring(index: i32): usize { return send_rings + <usize>(index * TCP_SEND_BUFFER_BYTES); }
@inline export function recv_ring(index: i32): usize { return recv_rings + <usize>(index * TCP_RECV_BUFFER_BYTES); }
/** Receiver's out-of-order data, offsets from RCV.NXT. */
@inline export function ooo_ranges(index: i32): usize { return ooo_sets + <usize>(index * RANGES_BYTES); }
/** Sender's SACK scoreboard, offsets from SND.UNA. */
@inline export function sack_ranges(index: i32): usize { return sack_sets + <usize>(index * RANGES_BYTES); }

export function tcb_reset_all(): void {
  fill(tcbs, 0, offsetof<Tcb>() * TCP_CONNECTION_COUNT);
}

/** Claims a free slot with every field zeroed, or returns -1. */
export function tcb_alloc(): i32 {
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
    const t = tcb(i);
    if (t.state != FREE) continue;
    fill(changetype<usize>(t), 0, offsetof<Tcb>());
    t.state = CLOSED;
    t.parent = -1;
    ranges_reset(ooo_ranges(i));
    ranges_reset(sack_ranges(i));
    return i;
  }
  return -1;
}

export function tcb_free(index: i32): void {
  tcb(index).state = FREE;
}

@inline export function has(t: Tcb, flag: u32): bool { return (t.flags & flag) != 0; }
@inline export function set(t: Tcb, flag: u32): void { t.flags |= flag; }
@inline export function clear(t: Tcb, flag: u32): void { t.flags &= ~flag; }

/** States in which data may still arrive from the peer. */
@inline export function can_receive(state: i32): bool {
  return state == ESTABLISHED || state == FIN_WAIT_1 || state == FIN_WAIT_2;
}

/** Synchronized states (RFC 9293 3.5.2): a connection has been established. */
@inline export function synchronized(state: i32): bool {
  return state >= ESTABLISHED && state <= TIME_WAIT;
}
