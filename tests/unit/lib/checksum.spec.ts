import { checksum, finish, sum_bytes, sum_pseudo_header, sum_u32, sum_word } from "../../../assembly/lib/checksum";
import { ip4, prefilled } from "../helpers/bytes";

// 198.51.100.1 -> 198.51.100.199, UDP, total length 115; the stored checksum is 0xe54a.
const IPV4_HEADER = memory.data<u8>([
  0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xe5, 0x4a,
  0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0xc7,
]);

// UDP 192.0.2.10:5000 -> 192.0.2.2:7, payload "hello", checksum 0x2466 (with pseudo-header).
const UDP_HELLO = memory.data<u8>([
  0x13, 0x88, 0x00, 0x07, 0x00, 0x0d, 0x24, 0x66, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
]);

/** Byte-at-a-time reference sum (RFC 1071 "straightforward" algorithm), folded. */
function reference_sum(ptr: usize, len: i32): u32 {
  let sum: u32 = 0;
  for (let i = 0; i < len; i++) {
    const b = <u32>load<u8>(ptr + <usize>i);
    sum += (i & 1) == 0 ? b << 8 : b;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

/** Deterministic bytes (a small LCG), so every length sees varied data. */
function fill_pattern(ptr: usize, len: i32, seed: u32): void {
  let x = seed;
  for (let i = 0; i < len; i++) {
    x = x * 1103515245 + 12345;
    store<u8>(ptr + <usize>i, <u8>(x >> 16));
  }
}

describe("checksum vectors", () => {
  it("verifies an IPv4 header with its stored checksum to zero", () => {
    expect<u32>(checksum(IPV4_HEADER, 20)).toBe(0);
  });

  it("computes the stored IPv4 header checksum with the field zeroed", () => {
    const buf = prefilled(20);
    memory.copy(buf, IPV4_HEADER, 20);
    store<u16>(buf + 10, 0);
    expect<u32>(checksum(buf, 20)).toBe(0xe54a);
  });

  it("pads an odd final byte with a zero low byte", () => {
    expect<u32>(checksum(memory.data<u8>([0x01]), 1)).toBe(0xfeff);
    expect<u32>(checksum(memory.data<u8>([0x12, 0x34, 0x56]), 3)).toBe(0x97cb);
    // Five bytes: one 4-byte step, then the odd byte.
    expect<u32>(checksum(memory.data<u8>([0x00, 0x01, 0x00, 0x02, 0x03]), 5)).toBe(0xfcfc);
  });

  it("checksums nothing as 0xffff", () => {
    expect<u32>(checksum(IPV4_HEADER, 0)).toBe(0xffff);
  });

  it("agrees with a byte-at-a-time reference for every length up to 70", () => {
    const buf = prefilled(80);
    fill_pattern(buf, 80, 7);
    for (let len = 0; len <= 70; len++) {
      expect<u32>(sum_bytes(buf, len, 0)).toBe(reference_sum(buf, len));
    }
  });

  it("folds carries of a full frame of 0xff bytes", () => {
    const buf = prefilled(1500);
    memory.fill(buf, 0xff, 1500);
    expect<u32>(sum_bytes(buf, 1500, 0)).toBe(0xffff);
    expect<u32>(checksum(buf, 1500)).toBe(0);
    expect<u32>(checksum(buf, 1499)).toBe(0x00ff);
  });

  it("adds a starting sum that already carries", () => {
    const data = memory.data<u8>([0xff, 0xff]);
    expect<u32>(sum_bytes(data, 2, 0x0001fffe)).toBe(0xffff);
    expect<u32>(sum_bytes(data, 2, 0x00000001)).toBe(0x0001);
    expect<u32>(finish(0x0002fffd)).toBe(0);
  });
});

describe("incremental checksum", () => {
  it("equals the whole sum when split at any even offset", () => {
    const buf = prefilled(64);
    fill_pattern(buf, 61, 99);
    const whole = sum_bytes(buf, 61, 0);
    for (let k = 0; k <= 60; k += 2) {
      const first = sum_bytes(buf, k, 0);
      expect<u32>(sum_bytes(buf + <usize>k, 61 - k, first)).toBe(whole);
    }
  });

  it("adds host-order words and addresses like their bytes", () => {
    const bytes = memory.data<u8>([0xc0, 0x00, 0x02, 0x0a, 0x00, 0x11]);
    expect<u32>(finish(sum_word(0x0011, sum_u32(ip4(192, 0, 2, 10), 0)))).toBe(checksum(bytes, 6));
  });
});

describe("pseudo-header", () => {
  it("sums src, dst, protocol and length as RFC 768 lays them out", () => {
    const sum = sum_pseudo_header(ip4(192, 0, 2, 10), ip4(192, 0, 2, 2), 17, 13);
    // c000 + 020a + c000 + 0202 + 0011 + 000d, unfolded.
    expect<u32>(sum).toBe(0x1842a);
    const laid_out = memory.data<u8>([0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02, 0x02, 0x00, 0x11, 0x00, 0x0d]);
    expect<u32>(finish(sum)).toBe(checksum(laid_out, 12));
  });

  it("verifies a UDP datagram to zero and reproduces its checksum", () => {
    const src = ip4(192, 0, 2, 10);
    const dst = ip4(192, 0, 2, 2);
    expect<u32>(finish(sum_bytes(UDP_HELLO, 13, sum_pseudo_header(src, dst, 17, 13)))).toBe(0);
    const buf = prefilled(16);
    memory.copy(buf, UDP_HELLO, 13);
    store<u16>(buf + 6, 0);
    expect<u32>(finish(sum_bytes(buf, 13, sum_pseudo_header(src, dst, 17, 13)))).toBe(0x2466);
    // The pseudo-header matters: another destination gives another checksum.
    expect<u32>(finish(sum_bytes(buf, 13, sum_pseudo_header(src, ip4(192, 0, 2, 3), 17, 13)))).not.toBe(0x2466);
  });
});
