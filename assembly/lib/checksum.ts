// The Internet checksum (RFC 1071), incremental so pseudo-headers and payloads can be summed
// separately: accumulate with sum_bytes/sum_word, then finish() folds and complements.

/** Adds len bytes at ptr, as big-endian 16-bit words, to a 32-bit running sum. */
export function sum_bytes(ptr: usize, len: i32, sum: u32): u32 {
  let acc: u64 = <u64>sum;
  let i = 0;
  // Four bytes per step; carries collect in the upper half of the 64-bit accumulator.
  for (; i + 4 <= len; i += 4) {
    const w = bswap<u32>(load<u32>(ptr + <usize>i));
    acc += <u64>(w >> 16) + <u64>(w & 0xffff);
  }
  for (; i + 2 <= len; i += 2) acc += <u64>bswap<u16>(load<u16>(ptr + <usize>i));
  if (i < len) acc += <u64>load<u8>(ptr + <usize>i) << 8;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return <u32>acc;
}

/** Adds one 16-bit value (host order) to a running sum. */
@inline export function sum_word(value: u32, sum: u32): u32 {
  return sum + (value & 0xffff);
}

/** Adds a 32-bit value as two 16-bit words (addresses in pseudo-headers). */
@inline export function sum_u32(value: u32, sum: u32): u32 {
  return sum + (value >>> 16) + (value & 0xffff);
}

/** Folds the carries and complements: the value to store in a checksum field. */
export function finish(sum: u32): u32 {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** Checksum over a byte range alone (IPv4 header, ICMP message). */
export function checksum(ptr: usize, len: i32): u32 {
  return finish(sum_bytes(ptr, len, 0));
}

/** Sum of the IPv4 pseudo-header (RFC 768, RFC 9293 3.1) for UDP and TCP. */
export function sum_pseudo_header(src: u32, dst: u32, protocol: u32, length: u32): u32 {
  return sum_word(length, sum_word(protocol, sum_u32(dst, sum_u32(src, 0))));
}
