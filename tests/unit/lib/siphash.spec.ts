import { siphash24, SIPHASH_KEY_BYTES } from "../../../assembly/lib/siphash";

// The reference vectors of the SipHash paper (Aumasson and Bernstein, 2012; vectors.h of the
// reference code): key 00 01 .. 0f, message of length n = 00 01 .. (n-1). Cross-checked with
// an independent Python implementation; 15 bytes is the worked example of the paper's appendix.
const KEY = memory.data<u8>([
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
]);
const MESSAGE_BYTES: i32 = 64;
const message: usize = memory.data(MESSAGE_BYTES);
for (let i = 0; i < MESSAGE_BYTES; i++) store<u8>(message + <usize>i, <u8>i);

describe("siphash24", () => {
  it("uses a 16-byte key", () => {
    expect<i32>(SIPHASH_KEY_BYTES).toBe(16);
  });

  it("matches the reference vector for the empty message", () => {
    expect<u64>(siphash24(KEY, message, 0)).toBe(0x726fdb47dd0e0e31);
  });

  it("matches the reference vectors for 1, 2 and 7 bytes (tail only)", () => {
    expect<u64>(siphash24(KEY, message, 1)).toBe(0x74f839c593dc67fd);
    expect<u64>(siphash24(KEY, message, 2)).toBe(0x0d6c8009d9a94f5a);
    expect<u64>(siphash24(KEY, message, 7)).toBe(0xab0200f58b01d137);
  });

  it("matches the reference vectors for 8 and 9 bytes (one whole word)", () => {
    expect<u64>(siphash24(KEY, message, 8)).toBe(0x93f5f5799a932462);
    expect<u64>(siphash24(KEY, message, 9)).toBe(0x9e0082df0ba9e4b0);
  });

  it("matches the reference vectors for 12 bytes (the ISN input size), 15 and 16", () => {
    expect<u64>(siphash24(KEY, message, 12)).toBe(0x751e8fbc860ee5fb);
    expect<u64>(siphash24(KEY, message, 15)).toBe(0xa129ca6149be45e5);
    expect<u64>(siphash24(KEY, message, 16)).toBe(0x3f2acc7f57c29bdb);
  });

  it("matches the reference vector for 63 bytes", () => {
    expect<u64>(siphash24(KEY, message, 63)).toBe(0x958a324ceb064572);
  });

  it("reads the message from any alignment", () => {
    const shifted = memory.data(MESSAGE_BYTES + 1);
    memory.copy(shifted + 1, message, MESSAGE_BYTES);
    expect<u64>(siphash24(KEY, shifted + 1, 63)).toBe(0x958a324ceb064572);
  });

  it("depends on the key", () => {
    const other = memory.data(16);
    memory.copy(other, KEY, 16);
    store<u8>(other + 15, 0x0e);
    expect<u64>(siphash24(other, message, 15)).not.toBe(0xa129ca6149be45e5);
  });
});
