// Initial sequence numbers (RFC 6528): ISN = M + F(localip, localport, remoteip, remoteport,
// secretkey). M is a clock ticking every 4 microseconds (RFC 9293 3.4.1); F is SipHash-2-4
// under a secret drawn at start-up, so an off-path attacker cannot predict the ISN of a
// connection from the ISNs of others, while one 4-tuple still gets increasing ISNs across
// incarnations (the reason for M: old duplicates fall behind the new sequence space).
import { hal_random } from "../../hal";
import { put16, put32 } from "../../lib/bytes";
import { siphash24, SIPHASH_KEY_BYTES } from "../../lib/siphash";

/** 4-microsecond ticks per millisecond: M advances 250 per ms of our millisecond clock. */
@inline const TICKS_PER_MS: u32 = 250;

//   0            4             8            10           12
//   | local addr | remote addr | local port | remote port |
@inline const TUPLE_BYTES: i32 = 12;

const secret: usize = memory.data(SIPHASH_KEY_BYTES, 8);
const tuple: usize = memory.data(TUPLE_BYTES, 8);
let seeded = false;

/** Draws a new secret (start-up; again only if every connection may see new ISNs). */
export function isn_reset(): void {
  for (let i = 0; i < SIPHASH_KEY_BYTES; i += 4) store<u32>(secret + <usize>i, hal_random());
  seeded = true;
}

export function isn_generate(local_addr: u32, local_port: u32, remote_addr: u32, remote_port: u32, now_ms: u32): u32 {
  // A zero key would make every ISN predictable: never hash without a drawn secret.
  if (!seeded) isn_reset();
  put32(tuple, local_addr);
  put32(tuple + 4, remote_addr);
  put16(tuple + 8, local_port);
  put16(tuple + 10, remote_port);
  const f = <u32>siphash24(secret, tuple, TUPLE_BYTES);
  // u32 arithmetic wraps, as sequence numbers do (the tick wraps every 4.77 hours; now_ms wrapping
  // after 49.7 days keeps M continuous, since 2^32 * 250 is 0 mod 2^32).
  return now_ms * TICKS_PER_MS + f;
}
