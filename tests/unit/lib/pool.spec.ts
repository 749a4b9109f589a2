import { TX_POOL_COUNT, FRAME_BUFFER_BYTES } from "../../../assembly/config";
import { pool_alloc, pool_available, pool_free, pool_ptr, pool_reset, POOL_NONE } from "../../../assembly/lib/pool";

const taken = memory.data(4 * 64, 4);

function take_all(): i32 {
  let n = 0;
  while (n < 64) {
    const b = pool_alloc();
    if (b == POOL_NONE) break;
    store<i32>(taken + (<usize>n << 2), b);
    n++;
  }
  return n;
}

describe("tx pool", () => {
  beforeEach(() => {
    pool_reset();
  });

  it("starts full", () => {
    expect<i32>(pool_available()).toBe(TX_POOL_COUNT);
  });

  it("hands out every buffer once, then reports exhaustion", () => {
    expect<i32>(take_all()).toBe(TX_POOL_COUNT);
    expect<i32>(pool_available()).toBe(0);
    expect<i32>(pool_alloc()).toBe(POOL_NONE);
    expect<i32>(pool_alloc()).toBe(POOL_NONE);
    for (let i = 0; i < TX_POOL_COUNT; i++) {
      const a = load<i32>(taken + (<usize>i << 2));
      expect<bool>(a >= 0 && a < TX_POOL_COUNT).toBe(true);
      for (let j = i + 1; j < TX_POOL_COUNT; j++) {
        expect<i32>(load<i32>(taken + (<usize>j << 2))).not.toBe(a);
      }
    }
  });

  it("gives buffers that are aligned, large enough and disjoint", () => {
    take_all();
    for (let i = 0; i < TX_POOL_COUNT; i++) {
      const p = pool_ptr(load<i32>(taken + (<usize>i << 2)));
      expect<usize>(p & 7).toBe(0);
      for (let j = 0; j < TX_POOL_COUNT; j++) {
        if (j == i) continue;
        const q = pool_ptr(load<i32>(taken + (<usize>j << 2)));
        expect<bool>(q >= p + <usize>FRAME_BUFFER_BYTES || p >= q + <usize>FRAME_BUFFER_BYTES).toBe(true);
      }
    }
  });

  it("reuses a freed buffer after exhaustion", () => {
    take_all();
    const freed = load<i32>(taken + 8);
    pool_free(freed);
    expect<i32>(pool_available()).toBe(1);
    expect<i32>(pool_alloc()).toBe(freed);
    expect<i32>(pool_alloc()).toBe(POOL_NONE);
  });

  it("returns to full after freeing everything in any order", () => {
    const n = take_all();
    for (let i = n - 1; i >= 0; i -= 2) pool_free(load<i32>(taken + (<usize>i << 2)));
    for (let i = n - 2; i >= 0; i -= 2) pool_free(load<i32>(taken + (<usize>i << 2)));
    expect<i32>(pool_available()).toBe(TX_POOL_COUNT);
    expect<i32>(take_all()).toBe(TX_POOL_COUNT);
  });

  it("reset reclaims buffers still held", () => {
    pool_alloc();
    pool_alloc();
    pool_reset();
    expect<i32>(pool_available()).toBe(TX_POOL_COUNT);
  });

  throws("on a double free", () => {
    const b = pool_alloc();
    pool_free(b);
    pool_free(b);
  });

  throws("on freeing an index out of range", () => {
    pool_free(TX_POOL_COUNT);
  });
});
