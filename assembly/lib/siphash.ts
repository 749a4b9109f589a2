// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
// hash for short inputs, here the 4-tuple behind initial sequence numbers (RFC 6528).
// Words are read little-endian, as the paper specifies; WebAssembly loads are little-endian,
// so load<u64> reads a message word directly. The state lives in four globals: no allocation.

// "somepseudorandomlygeneratedbytes", the paper's initialisation constants.
@inline const INIT0: u64 = 0x736f6d6570736575;
@inline const INIT1: u64 = 0x646f72616e646f6d;
@inline const INIT2: u64 = 0x6c7967656e657261;
@inline const INIT3: u64 = 0x7465646279746573;

@inline export const SIPHASH_KEY_BYTES: i32 = 16;

let v0: u64 = 0;
let v1: u64 = 0;
let v2: u64 = 0;
let v3: u64 = 0;

@inline function sip_round(): void {
  v0 += v1; v1 = rotl<u64>(v1, 13); v1 ^= v0; v0 = rotl<u64>(v0, 32);
  v2 += v3; v3 = rotl<u64>(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl<u64>(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl<u64>(v1, 17); v1 ^= v2; v2 = rotl<u64>(v2, 32);
}

/** Two compression rounds per 8-byte word (the "2" of SipHash-2-4). */
@inline function compress(word: u64): void {
  v3 ^= word;
  sip_round();
  sip_round();
  v0 ^= word;
}

/** SipHash-2-4 of len bytes at data under the 16-byte key at key. */
export function siphash24(key: usize, data: usize, len: i32): u64 {
  assert(len >= 0);
  const k0 = load<u64>(key);
  const k1 = load<u64>(key, 8);
  v0 = k0 ^ INIT0;
  v1 = k1 ^ INIT1;
  v2 = k0 ^ INIT2;
  v3 = k1 ^ INIT3;
  const whole = len & ~7;
  for (let i = 0; i < whole; i += 8) compress(load<u64>(data + <usize>i));
  // The last word: the remaining 0..7 bytes, little-endian, with len mod 256 in the top byte.
  let last: u64 = <u64>(len & 0xff) << 56;
  for (let i = whole; i < len; i++) last |= <u64>load<u8>(data + <usize>i) << (<u64>(i - whole) << 3);
  compress(last);
  // Four finalisation rounds (the "4").
  v2 ^= 0xff;
  sip_round();
  sip_round();
  sip_round();
  sip_round();
  return v0 ^ v1 ^ v2 ^ v3;
}
