// The host's clock as of the last poll(now_ms), and the earliest moment any timer wants the
// next poll. Module code reads time only from here; code that arms a timer reports it with
// clock_wake_at, so poll() and rx() can tell the host how long it may sleep.
import { POLL_IDLE_MS } from "../config";
import { time_before, time_until } from "../lib/time";

let now: u32 = 0;
let wake_at: u32 = 0;
let wake_armed: bool = false;

/** Starts a poll at the host's time; timers re-arm their wake-ups while they run. */
export function clock_set(now_ms: u32): void {
  now = now_ms;
  wake_armed = false;
}

@inline export function clock_now(): u32 {
  return now;
}

export function clock_wake_at(deadline: u32): void {
  if (!wake_armed || time_before(deadline, wake_at)) {
    wake_at = deadline;
    wake_armed = true;
  }
}

/** Milliseconds the host may wait before the next poll (never more than POLL_IDLE_MS). */
export function clock_delay(): u32 {
  if (!wake_armed) return POLL_IDLE_MS;
  const wait = time_until(now, wake_at);
  return wait < POLL_IDLE_MS ? wait : POLL_IDLE_MS;
}
