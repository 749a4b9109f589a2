// ENC28J60 driver logic that needs no chip: ring pointer arithmetic, the odd-ERXRDPT rule
// (errata #14), RSV/TSV decoding, the [MCHP] multicast hash and the MAADR mapping (facts sheet
// /work/shared/reference/ENC28J60.md §2, §3, §4, §6).
import {
  enc_rx_read_pointer, enc_next_valid, enc_ring_add, enc_ring_expected_next, enc_rx_free,
  enc_rsv_ok, enc_rsv_count, enc_tsv_late_collision, enc_tsv_count, enc_hash_bit, enc_hash_add,
  enc_maadr_reg, ENC_RX_START, ENC_RX_END, ENC_RX_SIZE, ENC_TX_START, ENC_TX_AREA, ENC_TX_MAX,
} from "../../../assembly/drivers/enc28j60";
import { REG_MAC, REG_ADDR_MASK, REG_BANK_SHIFT } from "../../../assembly/drivers/enc28j60_regs";

describe("enc28j60 buffer layout", () => {
  it("puts the RX ring at 0 (errata #5) with an odd end (errata #14) and two TX areas after it", () => {
    expect<u32>(ENC_RX_START).toBe(0);
    expect<u32>(ENC_RX_END & 1).toBe(1);
    expect<u32>(ENC_TX_START).toBe(ENC_RX_END + 1);
    // control byte + largest frame + 7-byte TSV fit each area, the second below 0x2000 (no wrap, §4)
    expect<bool>(1 + <u32>ENC_TX_MAX + 7 <= ENC_TX_AREA).toBe(true);
    expect<u32>(ENC_TX_START + 2 * ENC_TX_AREA).toBe(0x2000);
  });
});

describe("enc28j60 ERXRDPT (errata #14)", () => {
  it("frees up to next-1, always odd", () => {
    expect<u32>(enc_rx_read_pointer(0x0046)).toBe(0x0045);
    expect<u32>(enc_rx_read_pointer(0x19fe)).toBe(0x19fd);
    for (let next: u32 = 2; next <= ENC_RX_END; next += 2) {
      expect<u32>(enc_rx_read_pointer(next) & 1).toBe(1);
    }
  });

  it("uses ERXND when next == ERXST", () => {
    expect<u32>(enc_rx_read_pointer(ENC_RX_START)).toBe(ENC_RX_END);
  });
});

describe("enc28j60 next-packet pointer", () => {
  it("accepts even pointers inside the ring other than the packet itself", () => {
    expect<bool>(enc_next_valid(0x0046, 0)).toBe(true);
    expect<bool>(enc_next_valid(0, 0x13e0)).toBe(true);
    expect<bool>(enc_next_valid(0x13fe, 0x1000)).toBe(true);
  });

  it("rejects odd, out-of-ring and self pointers", () => {
    expect<bool>(enc_next_valid(0x0047, 0)).toBe(false);
    expect<bool>(enc_next_valid(0x1400, 0)).toBe(false);
    expect<bool>(enc_next_valid(0x1ffe, 0)).toBe(false);
    expect<bool>(enc_next_valid(0xfffe, 0)).toBe(false);
    expect<bool>(enc_next_valid(0x0100, 0x0100)).toBe(false);
  });

  it("wraps random access past ERXND by the ring size", () => {
    expect<u32>(ENC_RX_SIZE).toBe(0x1400);
    expect<u32>(enc_ring_add(0x13fa, 5)).toBe(0x13ff);
    expect<u32>(enc_ring_add(0x13fa, 6)).toBe(0);
    expect<u32>(enc_ring_add(0x13e0, 70)).toBe(0x26);
  });

  it("predicts the next packet: 6-byte header, count bytes, even filler", () => {
    expect<u32>(enc_ring_expected_next(0, 64)).toBe(70);
    expect<u32>(enc_ring_expected_next(0, 65)).toBe(72);
    expect<u32>(enc_ring_expected_next(0x13e0, 64)).toBe(0x26);
    expect<u32>(enc_ring_expected_next(0x13f8, 1518)).toBe(0x13f8 + 6 + 1518 - 0x1400);
  });

  it("computes free ring space from the write and read pointers", () => {
    expect<u32>(enc_rx_free(0x100, 0x100)).toBe(ENC_RX_END);
    expect<u32>(enc_rx_free(0x100, 0x0ff)).toBe(ENC_RX_END - 1);
    expect<u32>(enc_rx_free(0x100, 0x200)).toBe(0xff);
    expect<u32>(enc_rx_free(0, ENC_RX_END)).toBe(ENC_RX_END - 1);
  });
});

describe("enc28j60 status vectors", () => {
  it("decodes the RSV: count and bit 23 received OK", () => {
    const ok = memory.data<u8>([0x46, 0x00, 0x40, 0x00, 0xc0, 0x00]); // IPv4: bits 22 and 23
    expect<u32>(enc_rsv_count(ok)).toBe(64);
    expect<bool>(enc_rsv_ok(ok)).toBe(true);
    const bad = memory.data<u8>([0x46, 0x00, 0xee, 0x05, 0x50, 0x03]); // CRC error, no bit 23
    expect<u32>(enc_rsv_count(bad)).toBe(1518);
    expect<bool>(enc_rsv_ok(bad)).toBe(false);
  });

  it("decodes the TSV: count and bit 29 late collision", () => {
    const late = memory.data<u8>([0x3c, 0x00, 0x00, 0x20, 0, 0, 0]);
    expect<u32>(enc_tsv_count(late)).toBe(60);
    expect<bool>(enc_tsv_late_collision(late)).toBe(true);
    const done = memory.data<u8>([0xea, 0x05, 0x80, 0xdf, 0xff, 0xff, 0x0f]); // every other bit of byte 3
    expect<u32>(enc_tsv_count(done)).toBe(1514);
    expect<bool>(enc_tsv_late_collision(done)).toBe(false);
  });
});

describe("enc28j60 multicast hash ([MCHP] formula)", () => {
  // Expected bits computed independently with the reflected CRC-32 (poly 0xEDB88320, LSb-first,
  // no final xor) and the register bit-reversed, then bits 28:23.
  it("matches precomputed bits for known addresses", () => {
    expect<u32>(enc_hash_bit(memory.data<u8>([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]))).toBe(63);
    expect<u32>(enc_hash_bit(memory.data<u8>([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb]))).toBe(62);
    expect<u32>(enc_hash_bit(memory.data<u8>([0x33, 0x33, 0x00, 0x00, 0x00, 0x01]))).toBe(51);
    expect<u32>(enc_hash_bit(memory.data<u8>([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(62);
    expect<u32>(enc_hash_bit(memory.data<u8>([0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa]))).toBe(28);
    expect<u32>(enc_hash_bit(memory.data<u8>([0x01, 0x80, 0xc2, 0x00, 0x00, 0x00]))).toBe(15);
  });

  it("sets bit k in EHT[k >> 3], bit k & 7", () => {
    const table = memory.data(8);
    enc_hash_add(table, memory.data<u8>([0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa])); // 28
    enc_hash_add(table, memory.data<u8>([0x01, 0x80, 0xc2, 0x00, 0x00, 0x00])); // 15
    enc_hash_add(table, memory.data<u8>([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01])); // 63
    expect<u8>(load<u8>(table + 0)).toBe(0);
    expect<u8>(load<u8>(table + 1)).toBe(0x80);
    expect<u8>(load<u8>(table + 2)).toBe(0);
    expect<u8>(load<u8>(table + 3)).toBe(0x10);
    expect<u8>(load<u8>(table + 7)).toBe(0x80);
  });
});

describe("enc28j60 MAC address registers (§2)", () => {
  it("maps mac[0..5] to bank-3 addresses 04 05 02 03 00 01, all MAC (dummy byte)", () => {
    const expected = memory.data<u8>([0x04, 0x05, 0x02, 0x03, 0x00, 0x01]);
    for (let i = 0; i < 6; i++) {
      const reg = enc_maadr_reg(i);
      expect<u32>(reg & REG_ADDR_MASK).toBe(<u32>load<u8>(expected + <usize>i));
      expect<u32>((reg >> REG_BANK_SHIFT) & 3).toBe(3);
      expect<u32>(reg & REG_MAC).toBe(REG_MAC);
    }
  });
});
