import { checksum, finish, sum_bytes } from "../../assembly/lib/checksum";

describe("RFC 1071 checksum", () => {
  it("matches the worked example of RFC 1071 section 3", () => {
    const data = memory.data<u8>([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    // The folded sum is 0xddf2, so the checksum is its complement.
    expect<u32>(checksum(data, 8)).toBe(0x220d);
  });
  it("sums in pieces the same as at once", () => {
    const data = memory.data<u8>([0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11]);
    expect<u32>(finish(sum_bytes(data + 4, 6, sum_bytes(data, 4, 0)))).toBe(checksum(data, 10));
  });
});
