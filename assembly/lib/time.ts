// Millisecond clock values are u32 and wrap every 49.7 days; compare them through the signed
// difference, never with plain < (the same rule as sequence numbers).

@inline export function time_before(a: u32, b: u32): bool {
  return <i32>(a - b) < 0;
}

@inline export function time_reached(now: u32, deadline: u32): bool {
  return <i32>(now - deadline) >= 0;
}

/** Milliseconds from now until deadline, 0 if it has passed. */
@inline export function time_until(now: u32, deadline: u32): u32 {
  const delta = <i32>(deadline - now);
  return delta > 0 ? <u32>delta : 0;
}
