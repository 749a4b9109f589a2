// A token bucket in integer milli-tokens (no floating point in the module).
//   bucket layout: [ milli_tokens: u32 | last_ms: u32 ]
// Refilling is separate from taking so a periodic caller (poll) can keep last_ms recent:
// the u32 clock difference only reads correctly within 2^31 ms (24.8 days).
import { time_before } from "./time";

@inline export const BUCKET_BYTES: i32 = 8;

export function bucket_init(bucket: usize, burst: u32, now: u32): void {
  store<u32>(bucket, burst * 1000);
  store<u32>(bucket, now, 4);
}

/** Credits the time since the last refill. A clock that stepped back credits nothing and keeps last_ms. */
export function bucket_refill(bucket: usize, rate_per_s: u32, burst: u32, now: u32): void {
  const last = load<u32>(bucket, 4);
  if (time_before(now, last)) return;
  const cap = burst * 1000;
  // Bound the elapsed time first so the product cannot overflow.
  let elapsed = now - last;
  const fill_ms = cap / rate_per_s + 1;
  if (elapsed > fill_ms) elapsed = fill_ms;
  let tokens = load<u32>(bucket) + elapsed * rate_per_s;
  if (tokens > cap) tokens = cap;
  store<u32>(bucket, tokens);
  store<u32>(bucket, now, 4);
}

/** Refills, then takes one token if there is one. */
export function bucket_take(bucket: usize, rate_per_s: u32, burst: u32, now: u32): bool {
  bucket_refill(bucket, rate_per_s, burst, now);
  const tokens = load<u32>(bucket);
  if (tokens < 1000) return false;
  store<u32>(bucket, tokens - 1000);
  return true;
}
