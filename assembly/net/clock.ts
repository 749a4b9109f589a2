// The host's clock as of the last poll(now_ms). Module code reads time only from here.
let now: u32 = 0;

export function clock_set(now_ms: u32): void {
  now = now_ms;
}

@inline export function clock_now(): u32 {
  return now;
}
