import { get8, get16, get32, put8, put16, put32, copy, fill, equal } from "../../../assembly/lib/bytes";
import { first_difference, prefilled } from "../helpers/bytes";

const WORDS = memory.data<u8>([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);

describe("network byte order", () => {
  it("reads big-endian fields at any offset", () => {
    expect<u32>(get8(WORDS + 7)).toBe(0xf0);
    expect<u32>(get16(WORDS)).toBe(0x1234);
    expect<u32>(get16(WORDS + 1)).toBe(0x3456);
    expect<u32>(get16(WORDS + 6)).toBe(0xdef0);
    expect<u32>(get32(WORDS)).toBe(0x12345678);
    expect<u32>(get32(WORDS + 3)).toBe(0x789abcde);
    expect<u32>(get32(WORDS + 4)).toBe(0x9abcdef0);
  });

  it("writes big-endian fields and nothing beside them", () => {
    const buf = prefilled(16);
    put16(buf + 1, 0xbeef);
    put32(buf + 4, 0xc000020a);
    put8(buf + 9, 0x7f);
    const expected = memory.data<u8>([0xa5, 0xbe, 0xef, 0xa5, 0xc0, 0x00, 0x02, 0x0a, 0xa5, 0x7f, 0xa5]);
    expect<i32>(first_difference(buf, expected, 11)).toBe(-1);
  });

  it("keeps only the low bits of wide values", () => {
    const buf = prefilled(4);
    put16(buf, 0x12345678);
    put8(buf + 2, 0x1ff);
    expect<u32>(get16(buf)).toBe(0x5678);
    expect<u32>(get8(buf + 2)).toBe(0xff);
    expect<u32>(get8(buf + 3)).toBe(0xa5);
  });

  it("round-trips every 16-bit boundary value", () => {
    const buf = prefilled(8);
    const values = memory.data<u32>([0, 1, 0x00ff, 0x0100, 0x7fff, 0x8000, 0xfffe, 0xffff]);
    for (let i = 0; i < 8; i++) {
      const v = load<u32>(values + (<usize>i << 2));
      put16(buf + 1, v);
      expect<u32>(get16(buf + 1)).toBe(v);
    }
  });

  it("round-trips 32-bit values with the top bit set", () => {
    const buf = prefilled(8);
    put32(buf + 2, 0xffffffff);
    expect<u32>(get32(buf + 2)).toBe(0xffffffff);
    put32(buf + 2, 0x80000001);
    expect<u32>(get32(buf + 2)).toBe(0x80000001);
    expect<u32>(get8(buf + 2)).toBe(0x80);
    expect<u32>(get8(buf + 5)).toBe(0x01);
  });
});

describe("copy, fill, equal", () => {
  it("copies overlapping ranges in both directions", () => {
    const buf = prefilled(16);
    for (let i = 0; i < 8; i++) store<u8>(buf + <usize>i, <u8>(i + 1));
    copy(buf + 2, buf, 6); // forward overlap
    const forward = memory.data<u8>([1, 2, 1, 2, 3, 4, 5, 6]);
    expect<i32>(first_difference(buf, forward, 8)).toBe(-1);
    copy(buf, buf + 2, 6); // backward overlap
    const backward = memory.data<u8>([1, 2, 3, 4, 5, 6, 5, 6]);
    expect<i32>(first_difference(buf, backward, 8)).toBe(-1);
  });

  it("fills exactly len bytes", () => {
    const buf = prefilled(8);
    fill(buf + 1, 0, 6);
    expect<u32>(load<u8>(buf)).toBe(0xa5);
    expect<u32>(load<u8>(buf + 7)).toBe(0xa5);
    expect<bool>(equal(buf + 1, memory.data(6), 6)).toBe(true);
  });

  it("compares byte ranges", () => {
    const a = memory.data<u8>([1, 2, 3, 4]);
    const b = memory.data<u8>([1, 2, 3, 5]);
    expect<bool>(equal(a, b, 3)).toBe(true);
    expect<bool>(equal(a, b, 4)).toBe(false);
    expect<bool>(equal(a, b, 0)).toBe(true);
  });
});
