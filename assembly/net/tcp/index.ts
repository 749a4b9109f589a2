// TCP's entry points for the rest of the module: reset at init, timers at poll.
import { tcb_reset_all } from "./tcb";
import { isn_reset } from "./isn";
import { lifecycle_reset } from "./lifecycle";
import { tcp_timers } from "./timers";
import { time_wait_poll, time_wait_reset } from "./timewait";
export { tcp_flush } from "./output";

export function tcp_reset(now: u32): void {
  tcb_reset_all();
  time_wait_reset();
  lifecycle_reset(now);
  isn_reset();
}

export function tcp_poll(now: u32): void {
  tcp_timers(now);
  time_wait_poll(now);
}
