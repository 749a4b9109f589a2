// How connections end: closed (with the error the application will see), moved to the
// compact TIME-WAIT table, or aborted with a RST. A slot frees itself once the application
// has released its handle; an unaccepted child also gives its place back to its listener.
import { TCP_CHALLENGE_ACK_BURST, TCP_CHALLENGE_ACK_PER_S, TCP_FIN_WAIT_2_TIMEOUT_MS } from "../../config";
import { Counter, count } from "../../lib/counters";
import { bucket_init, bucket_take, BUCKET_BYTES } from "../../lib/token_bucket";
import { TCP_RST } from "../../wire/tcp";
import { clock_now, clock_wake_at } from "../clock";
import { send_ack, send_segment } from "./output";
import {
  tcb, tcb_free, has, set, clear, Tcb,
  CLOSED, TIME_WAIT, F_APP_CLOSED, F_DELACK, F_RTX, F_PERSIST, F_ACK_NOW, F_TIMESTAMPS,
} from "./tcb";
import { time_wait_add } from "./timewait";

const challenge_bucket: usize = memory.data(BUCKET_BYTES, 4);
/** Pending timers and owed ACKs die with the connection (F_KEEPALIVE is the socket option). */
@inline const TIMERS: u32 = F_DELACK | F_RTX | F_PERSIST | F_ACK_NOW;

export function lifecycle_reset(now: u32): void {
  bucket_init(challenge_bucket, TCP_CHALLENGE_ACK_BURST, now);
}

/** Detaches an unaccepted child from its listener. */
function leave_parent(t: Tcb): void {
  if (t.parent < 0) return;
  const parent = tcb(t.parent);
  if (parent.children > 0) parent.children--;
  t.parent = -1;
}

/**
 * Ends connection i in CLOSED with `error` (0 for an orderly end). The slot is freed now if
 * nobody holds it: the application closed it, or it was a child never accepted.
 */
export function tcb_close(i: i32, error: i32): void {
  const t = tcb(i);
  const orphan = t.parent >= 0;
  leave_parent(t);
  t.state = CLOSED;
  t.error = error;
  clear(t, TIMERS);
  if (orphan || has(t, F_APP_CLOSED)) tcb_free(i);
}

/** RFC 9293 3.6.1: the connection remembers its end for 2 MSL, in the compact table. */
export function tcb_enter_time_wait(i: i32): void {
  const t = tcb(i);
  time_wait_add(t.local_addr, t.local_port, t.remote_addr, t.remote_port, t.snd_nxt, t.rcv_nxt, has(t, F_TIMESTAMPS), t.ts_recent);
  leave_parent(t);
  t.state = TIME_WAIT;
  clear(t, TIMERS);
  if (has(t, F_APP_CLOSED)) tcb_free(i);
}

/** Abort: RST to the peer (RFC 9293 3.10.5, <SEQ=SND.NXT><CTL=RST>) and CLOSED with error. */
export function tcb_abort(i: i32, error: i32): void {
  const t = tcb(i);
  send_segment(i, t, t.snd_nxt, TCP_RST, 0, 0);
  count(Counter.tcp_tx_rst);
  tcb_close(i, error);
}

/**
 * A released connection in FIN-WAIT-2 waits only so long for the peer's FIN (RFC 9293
 * 3.6 leaves this to the implementation; Linux uses 60 s). The timer uses the F_RTX slot,
 * which FIN-WAIT-2 has no other use for.
 */
export function arm_orphan_timer(t: Tcb): void {
  t.rtx_at = clock_now() + TCP_FIN_WAIT_2_TIMEOUT_MS;
  set(t, F_RTX);
  clock_wake_at(t.rtx_at);
}

/** RFC 5961 challenge ACK, rate limited by one bucket for all connections (section 7). */
export function challenge_ack(i: i32): void {
  if (!bucket_take(challenge_bucket, TCP_CHALLENGE_ACK_PER_S, TCP_CHALLENGE_ACK_BURST, clock_now())) {
    count(Counter.tcp_tx_challenge_ack_limited);
    return;
  }
  count(Counter.tcp_tx_challenge_ack);
  send_ack(i);
}
