// Copies in and out of a byte ring of `size` bytes at `base`, at logical position `at`
// (any non-negative value; it is taken modulo size). Callers keep their own head and
// count; these only move bytes, wrapping at the end.
import { copy } from "./bytes";

export function ring_write(base: usize, size: i32, at: i32, src: usize, len: i32): void {
  const start = at % size;
  const first = min(len, size - start);
  copy(base + <usize>start, src, first);
  if (first < len) copy(base, src + <usize>first, len - first);
}

export function ring_read(base: usize, size: i32, at: i32, dst: usize, len: i32): void {
  const start = at % size;
  const first = min(len, size - start);
  copy(dst, base + <usize>start, first);
  if (first < len) copy(dst + <usize>first, base, len - first);
}
