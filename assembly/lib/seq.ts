// TCP sequence numbers live in a 2^32 circle (RFC 9293 3.4): compare through the signed
// difference, never with plain < on the raw values.

@inline export function seq_lt(a: u32, b: u32): bool { return <i32>(a - b) < 0; }
@inline export function seq_le(a: u32, b: u32): bool { return <i32>(a - b) <= 0; }
@inline export function seq_gt(a: u32, b: u32): bool { return <i32>(a - b) > 0; }
@inline export function seq_ge(a: u32, b: u32): bool { return <i32>(a - b) >= 0; }
@inline export function seq_max(a: u32, b: u32): u32 { return seq_gt(a, b) ? a : b; }
@inline export function seq_min(a: u32, b: u32): u32 { return seq_lt(a, b) ? a : b; }
/** lo <= a < hi on the circle. */
@inline export function seq_in(a: u32, lo: u32, hi: u32): bool { return a - lo < hi - lo; }
