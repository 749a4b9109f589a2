// Congestion control: slow start and congestion avoidance (RFC 5681), fast retransmit and
// NewReno fast recovery (RFC 6582). Windows are in bytes; t.mss is the sender's SMSS.
import { TCP_SEND_BUFFER_BYTES } from "../../config";
import { Tcb, F_RECOVERY, has, set, clear } from "./tcb";

/** RFC 6928: min(10 SMSS, max(2 SMSS, 14600)), capped by what the send ring can hold. */
export function cc_init(t: Tcb): void {
  const mss = t.mss;
  let iw: u32 = max<u32>(2 * mss, 14600);
  if (iw > 10 * mss) iw = 10 * mss;
  if (iw > <u32>TCP_SEND_BUFFER_BYTES) iw = <u32>TCP_SEND_BUFFER_BYTES;
  t.cwnd = iw;
  t.ssthresh = 0x7fffffff;
  t.dupacks = 0;
  t.acked_in_ca = 0;
  clear(t, F_RECOVERY);
}

/** Bytes in flight: sent and not yet acknowledged. */
@inline export function flight_size(t: Tcb): u32 {
  return t.snd_max - t.snd_una;
}

/** A new cumulative ACK outside recovery grew the window (RFC 5681 3.1, byte counting). */
export function cc_on_ack(t: Tcb, acked: u32): void {
  if (t.cwnd < t.ssthresh) {
    t.cwnd += acked < t.mss ? acked : t.mss;
  } else {
    // Congestion avoidance: one SMSS per window's worth of acknowledged bytes.
    t.acked_in_ca += acked;
    if (t.acked_in_ca >= t.cwnd) {
      t.acked_in_ca -= t.cwnd;
      t.cwnd += t.mss;
    }
  }
  const cap = <u32>TCP_SEND_BUFFER_BYTES * 2;
  if (t.cwnd > cap) t.cwnd = cap;
}

/** ssthresh after a loss: max(FlightSize / 2, 2 SMSS) (RFC 5681 eq. 4). */
function halve(t: Tcb): void {
  const half = flight_size(t) >> 1;
  t.ssthresh = half > 2 * t.mss ? half : 2 * t.mss;
}

/** Third duplicate ACK: enter fast recovery (RFC 6582 3.2 step 2). */
export function cc_enter_recovery(t: Tcb): void {
  halve(t);
  t.cwnd = t.ssthresh + 3 * t.mss;
  t.recover = t.snd_max;
  set(t, F_RECOVERY);
}

/** Further duplicate ACKs inflate the window by one SMSS each (step 3). */
export function cc_dupack_in_recovery(t: Tcb): void {
  t.cwnd += t.mss;
}

/** Partial ACK (step 5): deflate by the amount acknowledged; add back one SMSS if it covered one. */
export function cc_partial_ack(t: Tcb, acked: u32): void {
  t.cwnd = t.cwnd > acked ? t.cwnd - acked : 0;
  if (acked >= t.mss) t.cwnd += t.mss;
}

/** Full ACK ends recovery (step 5, option 1 with the burst guard). */
export function cc_exit_recovery(t: Tcb): void {
  const flight_plus = flight_size(t) + t.mss;
  t.cwnd = t.ssthresh < flight_plus ? t.ssthresh : flight_plus;
  t.dupacks = 0;
  clear(t, F_RECOVERY);
}

/** Retransmission timeout: back to one segment (RFC 5681 3.1 eq. 4 and the loss window). */
export function cc_on_timeout(t: Tcb): void {
  halve(t);
  t.cwnd = t.mss;
  t.dupacks = 0;
  t.acked_in_ca = 0;
  clear(t, F_RECOVERY);
}

@inline export function in_recovery(t: Tcb): bool {
  return has(t, F_RECOVERY);
}
