// A token bucket in integer milli-tokens (no floating point in the module).
//   bucket layout: [ milli_tokens: u32 | last_ms: u32 ]
import { time_before } from "./time";

@inline export const BUCKET_BYTES: i32 = 8;

export function bucket_init(bucket: usize, burst: u32, now: u32): void {
  store<u32>(bucket, burst * 1000);
  store<u32>(bucket, now, 4);
}

/** Refills for the time passed, then takes one token if there is one. */
export function bucket_take(bucket: usize, rate_per_s: u32, burst: u32, now: u32): bool {
  const last = load<u32>(bucket, 4);
  let tokens = load<u32>(bucket);
  const cap = burst * 1000;
  if (!time_before(now, last)) {
    // Bound the elapsed time first so the product cannot overflow.
    let elapsed = now - last;
    const fill_ms = cap / rate_per_s + 1;
    if (elapsed > fill_ms) elapsed = fill_ms;
    tokens += elapsed * rate_per_s;
    if (tokens > cap) tokens = cap;
  }
  store<u32>(bucket, now, 4);
  if (tokens < 1000) {
    store<u32>(bucket, tokens);
    return false;
  }
  store<u32>(bucket, tokens - 1000);
  return true;
}
