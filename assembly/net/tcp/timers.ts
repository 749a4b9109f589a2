// Per-connection timers, run from poll: retransmission (RFC 6298 5), persist (zero-window
// probes, RFC 9293 3.8.6.1), delayed ACK (3.8.6.3) and keepalive (RFC 1122 4.2.3.6).
import { TCP_CONNECTION_COUNT, TCP_KEEPALIVE_INTERVAL_MS, TCP_KEEPALIVE_PROBES, TCP_RETRIES_MAX, TCP_SYN_RETRIES_MAX } from "../../config";
import { Counter, count } from "../../lib/counters";
import { ranges_reset } from "../../lib/ranges";
import { time_reached } from "../../lib/time";
import { clock_wake_at } from "../clock";
import { cc_on_timeout } from "./congestion";
import { tcb_abort, tcb_close } from "./lifecycle";
import { send_ack, send_probe, send_syn, tcp_output } from "./output";
import { rtt_backoff } from "./rtt";
import {
  Tcb, tcb, sack_ranges, has, set, clear,
  ESTABLISHED, CLOSE_WAIT, FIN_WAIT_2, SYN_RECEIVED, SYN_SENT, FREE, LISTEN, CLOSED, TIME_WAIT,
  F_DELACK, F_KEEPALIVE, F_PERSIST, F_RTT_TIMING, F_RTX,
} from "./tcb";
import { ETIMEDOUT } from "../../socket/errno";

function retransmit_timeout(i: i32, t: Tcb, now: u32): void {
  clear(t, F_RTX);
  // In FIN-WAIT-2 the timer is the orphan timeout (lifecycle.ts arm_orphan_timer).
  if (t.state == FIN_WAIT_2) { tcb_close(i, 0); return; }
  t.retries++;
  const handshake = t.state == SYN_SENT || t.state == SYN_RECEIVED;
  if (t.retries > (handshake ? TCP_SYN_RETRIES_MAX : TCP_RETRIES_MAX)) {
    count(Counter.tcp_connections_timed_out);
    if (handshake) tcb_close(i, ETIMEDOUT);
    else tcb_abort(i, ETIMEDOUT);
    return;
  }
  rtt_backoff(t);
  if (has(t, F_PERSIST)) {
    // Zero-window probe: an ACK-eliciting segment below the window; its answer carries the
    // window. Unanswered probes count as retries, answered ones reset them (window_update).
    clear(t, F_PERSIST);
    count(Counter.tcp_tx_window_probes);
    send_probe(i);
    t.rtx_at = now + t.rto;
    set(t, F_RTX | F_PERSIST);
    clock_wake_at(t.rtx_at);
    return;
  }
  count(Counter.tcp_rto_expired);
  clear(t, F_RTT_TIMING); // Karn: no sample from a retransmitted segment
  if (handshake) {
    send_syn(i);
    t.rtx_at = now + t.rto;
    set(t, F_RTX);
    clock_wake_at(t.rtx_at);
    return;
  }
  cc_on_timeout(t);
  // The receiver may have dropped what it SACKed (RFC 2018 8): resend from SND.UNA.
  ranges_reset(sack_ranges(i));
  t.snd_nxt = t.snd_una;
  tcp_output(i);
}

function keepalive_timeout(i: i32, t: Tcb, now: u32): void {
  if (t.keep_probes >= TCP_KEEPALIVE_PROBES) {
    count(Counter.tcp_keepalive_dropped);
    tcb_abort(i, ETIMEDOUT);
    return;
  }
  t.keep_probes++;
  send_probe(i);
  t.keep_at = now + TCP_KEEPALIVE_INTERVAL_MS;
  clock_wake_at(t.keep_at);
}

/** Runs every connection's due timers and re-arms the wake-up for the rest. */
export function tcp_timers(now: u32): void {
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
    const t = tcb(i);
    const state = t.state;
    if (state == FREE || state == LISTEN || state == CLOSED || state == TIME_WAIT) continue;
    if (has(t, F_DELACK)) {
      if (time_reached(now, t.dack_at)) {
        clear(t, F_DELACK);
        send_ack(i);
      } else {
        clock_wake_at(t.dack_at);
      }
    }
    if (has(t, F_RTX)) {
      if (time_reached(now, t.rtx_at)) retransmit_timeout(i, t, now);
      else clock_wake_at(t.rtx_at);
    }
    if (has(t, F_KEEPALIVE) && (t.state == ESTABLISHED || t.state == CLOSE_WAIT)) {
      if (time_reached(now, t.keep_at)) keepalive_timeout(i, t, now);
      else clock_wake_at(t.keep_at);
    }
  }
}
