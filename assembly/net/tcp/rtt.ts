// Retransmission timeout from round-trip samples (RFC 6298), in integer milliseconds:
// srtt is kept x8 and rttvar x4 so the 1/8 and 1/4 gains are shifts.
import { TCP_RTO_INITIAL_MS, TCP_RTO_MAX_MS, TCP_RTO_MIN_MS } from "../../config";
import { Tcb } from "./tcb";

export function rtt_reset(t: Tcb): void {
  t.srtt8 = 0;
  t.rttvar4 = 0;
  t.rto = TCP_RTO_INITIAL_MS;
}

/** Folds in one sample (ms) and recomputes RTO (RFC 6298 2.2, 2.3, 2.4). */
export function rtt_sample(t: Tcb, sample_ms: u32): void {
  const r: u32 = sample_ms == 0 ? 1 : sample_ms;
  if (t.srtt8 == 0) {
    t.srtt8 = r << 3;
    t.rttvar4 = r << 1;
  } else {
    const srtt = t.srtt8 >> 3;
    const error = r > srtt ? r - srtt : srtt - r;
    // RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R|, then SRTT <- 7/8 SRTT + 1/8 R.
    t.rttvar4 = t.rttvar4 - (t.rttvar4 >> 2) + error;
    t.srtt8 = t.srtt8 - (t.srtt8 >> 3) + r;
  }
  t.rto = rto_of(t);
}

/** SRTT + max(G, 4 RTTVAR) with a 1 ms clock granularity, clamped. */
export function rto_of(t: Tcb): u32 {
  const variance = t.rttvar4 > 1 ? t.rttvar4 : 1;
  let rto = (t.srtt8 >> 3) + variance;
  if (rto < TCP_RTO_MIN_MS) rto = TCP_RTO_MIN_MS;
  if (rto > TCP_RTO_MAX_MS) rto = TCP_RTO_MAX_MS;
  return rto;
}

/** Exponential backoff after a timeout (RFC 6298 5.5). */
export function rtt_backoff(t: Tcb): void {
  t.rto = t.rto >= TCP_RTO_MAX_MS >> 1 ? TCP_RTO_MAX_MS : t.rto << 1;
}
