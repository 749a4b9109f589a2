// Network byte order helpers. WebAssembly is little-endian, so every multi-byte field on
// the wire goes through bswap here; callers never byte-swap by hand.

@inline export function get8(ptr: usize): u32 {
  return <u32>load<u8>(ptr);
}

@inline export function get16(ptr: usize): u32 {
  return <u32>bswap<u16>(load<u16>(ptr));
}

@inline export function get32(ptr: usize): u32 {
  return bswap<u32>(load<u32>(ptr));
}

@inline export function put8(ptr: usize, value: u32): void {
  store<u8>(ptr, <u8>value);
}

@inline export function put16(ptr: usize, value: u32): void {
  store<u16>(ptr, bswap<u16>(<u16>value));
}

@inline export function put32(ptr: usize, value: u32): void {
  store<u32>(ptr, bswap<u32>(value));
}

/** Byte copy that works without the bulk-memory feature (boards run MVP WebAssembly). */
export function copy(dst: usize, src: usize, len: i32): void {
  // memory.copy lowers to a loop when bulk-memory is disabled; overlapping ranges are handled.
  memory.copy(dst, src, <usize>len);
}

export function fill(dst: usize, value: u8, len: i32): void {
  memory.fill(dst, value, <usize>len);
}

export function equal(a: usize, b: usize, len: i32): bool {
  for (let i = 0; i < len; i++) {
    if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  }
  return true;
}
