import { bucket_init, bucket_take, BUCKET_BYTES } from "../../../assembly/lib/token_bucket";

const bucket: usize = memory.data(BUCKET_BYTES, 4);
const RATE: u32 = 10; // one token per 100 ms
const BURST: u32 = 10;

/** Takes until refused at one instant; returns how many were granted. */
function drain(now: u32): i32 {
  let granted = 0;
  while (bucket_take(bucket, RATE, BURST, now)) {
    granted++;
    if (granted > 1000) break;
  }
  return granted;
}

describe("token bucket", () => {
  it("grants a full burst at start, then refuses", () => {
    bucket_init(bucket, BURST, 5000);
    expect<i32>(drain(5000)).toBe(10);
    expect<bool>(bucket_take(bucket, RATE, BURST, 5000)).toBe(false);
  });

  it("refills one token per 1000 / rate ms, not earlier", () => {
    bucket_init(bucket, BURST, 0);
    drain(0);
    expect<bool>(bucket_take(bucket, RATE, BURST, 99)).toBe(false);
    expect<bool>(bucket_take(bucket, RATE, BURST, 100)).toBe(true);
    expect<bool>(bucket_take(bucket, RATE, BURST, 100)).toBe(false);
    // 350 ms later: three and a half tokens, so three are granted and the half is kept.
    expect<i32>(drain(450)).toBe(3);
    expect<bool>(bucket_take(bucket, RATE, BURST, 499)).toBe(false);
    expect<bool>(bucket_take(bucket, RATE, BURST, 500)).toBe(true);
  });

  it("never holds more than the burst however long it waited", () => {
    bucket_init(bucket, BURST, 0);
    drain(0);
    expect<i32>(drain(60_000)).toBe(10);
  });

  it("does not overflow after a gap near 2^31 ms", () => {
    bucket_init(bucket, BURST, 0);
    drain(0);
    // Unbounded, 0x7fff0000 ms * 10 tokens/s would wrap the u32 milli-token count.
    expect<i32>(drain(0x7fff0000)).toBe(10);
  });

  it("refills across the clock wrap", () => {
    bucket_init(bucket, BURST, 0xffffff00);
    drain(0xffffff00);
    // 0x110 = 272 ms later, past the wrap: two tokens.
    expect<i32>(drain(0x00000010)).toBe(2);
  });

  it("adds nothing when the clock steps backwards", () => {
    bucket_init(bucket, BURST, 10_000);
    drain(10_000);
    expect<bool>(bucket_take(bucket, RATE, BURST, 9_000)).toBe(false);
  });

  it("keeps an unspent burst when refilled", () => {
    bucket_init(bucket, BURST, 0);
    expect<bool>(bucket_take(bucket, RATE, BURST, 0)).toBe(true);
    expect<bool>(bucket_take(bucket, RATE, BURST, 0)).toBe(true);
    // Two spent, 150 ms refills 1.5: nine and a half, so nine granted.
    expect<i32>(drain(150)).toBe(9);
  });
});

describe("token bucket: clock steps backwards", () => {
  // BUG (assembly/lib/token_bucket.ts): a backwards step stores the earlier time as
  // last_ms, so the same interval is credited again when the clock comes back: a 1 s step
  // back and forth mints a full burst (this spec gets 10, not 0). Not refilling on a
  // backwards step is right; moving last_ms back is what double-counts. Enable once fixed.
  it("does not credit the same interval twice", () => {
    bucket_init(bucket, BURST, 10_000);
    drain(10_000);
    expect<bool>(bucket_take(bucket, RATE, BURST, 9_000)).toBe(false);
    expect<i32>(drain(10_000)).toBe(0);
  });
});
