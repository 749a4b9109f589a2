import { time_before, time_reached, time_until } from "../../../assembly/lib/time";

describe("time compare", () => {
  it("orders nearby times", () => {
    expect<bool>(time_before(100, 200)).toBe(true);
    expect<bool>(time_before(200, 100)).toBe(false);
    expect<bool>(time_before(100, 100)).toBe(false);
    expect<bool>(time_reached(100, 100)).toBe(true);
    expect<bool>(time_reached(99, 100)).toBe(false);
  });

  it("orders times across the u32 wrap", () => {
    expect<bool>(time_before(0xfffffff0, 0x00000010)).toBe(true);
    expect<bool>(time_before(0x00000010, 0xfffffff0)).toBe(false);
    expect<bool>(time_reached(0x00000010, 0xfffffff0)).toBe(true);
    expect<bool>(time_reached(0xfffffff0, 0x00000010)).toBe(false);
    expect<bool>(time_reached(0, 0xffffffff)).toBe(true);
  });

  it("treats differences below 2^31 as forward and above as backward", () => {
    expect<bool>(time_before(0, 0x7fffffff)).toBe(true);
    expect<bool>(time_before(0, 0x80000001)).toBe(false);
    expect<bool>(time_before(0x80000001, 0)).toBe(true);
  });

  it("counts milliseconds until a deadline across the wrap", () => {
    expect<u32>(time_until(1000, 1500)).toBe(500);
    expect<u32>(time_until(0xfffffff0, 0x00000010)).toBe(0x20);
    expect<u32>(time_until(1500, 1500)).toBe(0);
    expect<u32>(time_until(1501, 1500)).toBe(0);
    expect<u32>(time_until(0x00000010, 0xfffffff0)).toBe(0);
  });
});
