import { seq_ge, seq_gt, seq_in, seq_le, seq_lt, seq_max, seq_min } from "../../../assembly/lib/seq";

// Sequence numbers compare on the 2^32 circle (RFC 9293 3.4): a is before b when b - a,
// taken modulo 2^32, is in (0, 2^31).

describe("seq: comparisons away from any boundary", () => {
  it("orders small numbers as plain integers do", () => {
    expect<bool>(seq_lt(1, 2)).toBe(true);
    expect<bool>(seq_lt(2, 1)).toBe(false);
    expect<bool>(seq_lt(5, 5)).toBe(false);
    expect<bool>(seq_le(5, 5)).toBe(true);
    expect<bool>(seq_le(6, 5)).toBe(false);
    expect<bool>(seq_gt(2, 1)).toBe(true);
    expect<bool>(seq_gt(1, 1)).toBe(false);
    expect<bool>(seq_ge(1, 1)).toBe(true);
    expect<bool>(seq_ge(0, 1)).toBe(false);
  });

  it("max and min pick by circle order", () => {
    expect<u32>(seq_max(100, 200)).toBe(200);
    expect<u32>(seq_min(100, 200)).toBe(100);
    expect<u32>(seq_max(7, 7)).toBe(7);
  });
});

describe("seq: the wrap from 0xffffffff to 0", () => {
  it("0xffffffff is just before 0", () => {
    expect<bool>(seq_lt(0xffffffff, 0)).toBe(true);
    expect<bool>(seq_gt(0, 0xffffffff)).toBe(true);
    expect<bool>(seq_le(0xffffffff, 0)).toBe(true);
    expect<bool>(seq_ge(0, 0xffffffff)).toBe(true);
    expect<bool>(seq_lt(0, 0xffffffff)).toBe(false);
    expect<bool>(seq_gt(0xffffffff, 0)).toBe(false);
  });

  it("numbers a little past the wrap are after numbers a little before it", () => {
    expect<bool>(seq_lt(0xfffffff0, 0x10)).toBe(true);
    expect<bool>(seq_gt(0x10, 0xfffffff0)).toBe(true);
    expect<u32>(seq_max(0xfffffff0, 0x10)).toBe(0x10);
    expect<u32>(seq_min(0xfffffff0, 0x10)).toBe(0xfffffff0);
    expect<u32>(seq_max(0x10, 0xfffffff0)).toBe(0x10);
    expect<u32>(seq_min(0x10, 0xfffffff0)).toBe(0xfffffff0);
  });

  it("adding to a sequence number wraps and still compares after it", () => {
    const a: u32 = 0xffffff00;
    const b: u32 = a + 0x200; // 0x100
    expect<u32>(b).toBe(0x100);
    expect<bool>(seq_lt(a, b)).toBe(true);
    expect<bool>(seq_gt(b, a)).toBe(true);
  });
});

describe("seq: the 2^31 boundary", () => {
  it("a distance of 2^31 - 1 is still ahead", () => {
    expect<bool>(seq_lt(0, 0x7fffffff)).toBe(true);
    expect<bool>(seq_gt(0x7fffffff, 0)).toBe(true);
    expect<bool>(seq_lt(0x80000000, 0xffffffff)).toBe(true);
    expect<bool>(seq_lt(0xffffffff, 0x7ffffffe)).toBe(true);
  });

  it("a distance of 2^31 + 1 is behind (the circle turned the other way)", () => {
    expect<bool>(seq_lt(0, 0x80000001)).toBe(false);
    expect<bool>(seq_gt(0, 0x80000001)).toBe(true);
    expect<bool>(seq_lt(0x80000001, 0)).toBe(true);
  });

  it("exactly 2^31 apart: each is before the other by the signed difference (undefined in RFC terms)", () => {
    // <i32>(0 - 0x80000000) = -2^31 < 0, and <i32>(0x80000000 - 0) = -2^31 < 0 too.
    expect<bool>(seq_lt(0, 0x80000000)).toBe(true);
    expect<bool>(seq_lt(0x80000000, 0)).toBe(true);
    expect<bool>(seq_gt(0, 0x80000000)).toBe(false);
  });
});

describe("seq_in: lo <= a < hi on the circle", () => {
  it("includes lo and excludes hi", () => {
    expect<bool>(seq_in(100, 100, 200)).toBe(true);
    expect<bool>(seq_in(199, 100, 200)).toBe(true);
    expect<bool>(seq_in(200, 100, 200)).toBe(false);
    expect<bool>(seq_in(99, 100, 200)).toBe(false);
  });

  it("an empty interval holds nothing", () => {
    expect<bool>(seq_in(100, 100, 100)).toBe(false);
    expect<bool>(seq_in(0, 0, 0)).toBe(false);
  });

  it("an interval across the wrap", () => {
    const lo: u32 = 0xfffffff0;
    const hi: u32 = 0x10;
    expect<bool>(seq_in(0xfffffff0, lo, hi)).toBe(true);
    expect<bool>(seq_in(0xffffffff, lo, hi)).toBe(true);
    expect<bool>(seq_in(0, lo, hi)).toBe(true);
    expect<bool>(seq_in(0xf, lo, hi)).toBe(true);
    expect<bool>(seq_in(0x10, lo, hi)).toBe(false);
    expect<bool>(seq_in(0xffffffef, lo, hi)).toBe(false);
    expect<bool>(seq_in(0x80000000, lo, hi)).toBe(false);
  });

  it("an interval of more than 2^31 still works (it is an unsigned distance)", () => {
    expect<bool>(seq_in(0x90000000, 0, 0xa0000000)).toBe(true);
    expect<bool>(seq_in(0xa0000000, 0, 0xa0000000)).toBe(false);
  });
});
