// Fixed pool of transmit frame buffers, laid out once. A buffer is named by its index;
// a free list threads through `next_free`. Exhaustion is an operating condition (the caller
// drops and counts), a double free is a programmer error (assert).
//
//   frames: [ buffer 0 | buffer 1 | ... ]   each FRAME_BUFFER_BYTES, 8-byte aligned
import { TX_POOL_COUNT, FRAME_BUFFER_BYTES } from "../config";

@inline const STRIDE: i32 = (FRAME_BUFFER_BYTES + 7) & ~7;
@inline export const POOL_NONE: i32 = -1;

const frames: usize = memory.data(STRIDE * TX_POOL_COUNT, 8);
const next_free = new StaticArray<i32>(TX_POOL_COUNT);
const in_use = new StaticArray<bool>(TX_POOL_COUNT);
let free_head: i32 = POOL_NONE;
let free_count: i32 = 0;

export function pool_reset(): void {
  for (let i = 0; i < TX_POOL_COUNT; i++) {
    unchecked((next_free[i] = i + 1 < TX_POOL_COUNT ? i + 1 : POOL_NONE));
    unchecked((in_use[i] = false));
  }
  free_head = 0;
  free_count = TX_POOL_COUNT;
}

/** Takes a free buffer, or POOL_NONE when all are in use. */
export function pool_alloc(): i32 {
  const index = free_head;
  if (index == POOL_NONE) return POOL_NONE;
  free_head = unchecked(next_free[index]);
  unchecked((in_use[index] = true));
  free_count--;
  return index;
}

export function pool_free(index: i32): void {
  assert(index >= 0 && index < TX_POOL_COUNT && unchecked(in_use[index]), "pool: bad free");
  unchecked((in_use[index] = false));
  unchecked((next_free[index] = free_head));
  free_head = index;
  free_count++;
}

@inline export function pool_ptr(index: i32): usize {
  return frames + <usize>(index * STRIDE);
}

export function pool_available(): i32 {
  return free_count;
}
