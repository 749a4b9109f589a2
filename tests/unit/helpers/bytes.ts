// Byte helpers for specs: compare ranges, copy a constant into a writable scratch buffer,
// pre-fill emit targets with 0xa5 so untouched bytes stand out.

/** Index of the first byte where a and b differ, or -1 when the len bytes are equal. */
export function first_difference(a: usize, b: usize, len: i32): i32 {
  for (let i = 0; i < len; i++) {
    if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return i;
  }
  return -1;
}

/** Every byte of the range equals value. */
export function all_bytes(ptr: usize, len: i32, value: u8): bool {
  for (let i = 0; i < len; i++) {
    if (load<u8>(ptr + <usize>i) != value) return false;
  }
  return true;
}

export const SCRATCH_BYTES: i32 = 4096;
const scratch_area: usize = memory.data(SCRATCH_BYTES, 8);

/** A writable copy of len bytes at src (the one scratch buffer: valid until the next clone). */
export function clone(src: usize, len: i32): usize {
  assert(len <= SCRATCH_BYTES);
  memory.copy(scratch_area, src, <usize>len);
  return scratch_area;
}

/** The scratch buffer filled with 0xa5 (emit targets). */
export function prefilled(len: i32): usize {
  assert(len <= SCRATCH_BYTES);
  memory.fill(scratch_area, 0xa5, <usize>len);
  return scratch_area;
}

/** Dotted quad to a host-order u32. */
export function ip4(a: u32, b: u32, c: u32, d: u32): u32 {
  return (a << 24) | (b << 16) | (c << 8) | d;
}
