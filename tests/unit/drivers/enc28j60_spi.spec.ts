// ENC28J60 driver against the mock SPI chip in as-pect.config.js (module "enc_mock"): the exact
// bytes clocked per CS frame, init register values, a scripted receive (with ring wrap, errata
// #14 ERXRDPT, bad status, overflow, corrupted pointer recovery) and transmit (errata #12/#13).
import {
  enc_init, enc_rx, enc_tx, enc_poll_link, enc_read, enc_write16, enc_phy_read, enc_revision,
  enc_tx_flush, enc_set_multicast_hash, enc_hash_add, enc_ready,
  ENC_OK, ENC_PENDING, ENC_ERR_CLOCK, ENC_ERR_NO_CHIP, ENC_FLAG_FULL_DUPLEX,
  ENC_RX_BAD_STATUS, ENC_RX_TOO_LONG, ENC_RX_RESET, ENC_TX_LINK_DOWN, ENC_TX_ABORTED,
  ENC_TX_TIMEOUT, ENC_TX_BAD_LENGTH, ENC_TX_RETRIES, ENC_TX_START, ENC_TX_AREA,
  ENC_OK as ENC_TX_DONE,
} from "../../../assembly/drivers/enc28j60";
import { Counter, counter_value } from "../../../assembly/lib/counters";
import { MACON3, ERXRDPTL, ERXSTL, EIR, MAADR1, EPKTCNT, PHCON2 } from "../../../assembly/drivers/enc28j60_regs";

// @ts-ignore: decorator
@external("enc_mock", "reset") declare function mock_reset(): void;
// @ts-ignore: decorator
@external("enc_mock", "clear_log") declare function mock_clear_log(): void;
// @ts-ignore: decorator
@external("enc_mock", "frames") declare function mock_frames(): i32;
// @ts-ignore: decorator
@external("enc_mock", "frame_len") declare function mock_frame_len(i: i32): i32;
// @ts-ignore: decorator
@external("enc_mock", "frame_byte") declare function mock_frame_byte(i: i32, j: i32): i32;
// @ts-ignore: decorator
@external("enc_mock", "reg") declare function mock_reg(bank: i32, addr: i32): i32;
// @ts-ignore: decorator
@external("enc_mock", "set_reg") declare function mock_set_reg(bank: i32, addr: i32, v: i32): void;
// @ts-ignore: decorator
@external("enc_mock", "phy") declare function mock_phy(addr: i32): i32;
// @ts-ignore: decorator
@external("enc_mock", "set_phy") declare function mock_set_phy(addr: i32, v: i32): void;
// @ts-ignore: decorator
@external("enc_mock", "buf") declare function mock_buf(addr: i32): i32;
// @ts-ignore: decorator
@external("enc_mock", "set_buf") declare function mock_set_buf(addr: i32, ptr: usize, len: i32): void;
// @ts-ignore: decorator
@external("enc_mock", "tx_script") declare function mock_tx_script(late_collisions: i32, stuck: i32): void;
// @ts-ignore: decorator
@external("enc_mock", "tx_started") declare function mock_tx_started(): i32;

const MAC = memory.data<u8>([0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
const FRAME = memory.data(64);
const DST = memory.data(1600);
const HDR = memory.data(8);

/** True when CS frame i clocked exactly the n bytes at `bytes`. */
function frame_is(i: i32, bytes: usize, n: i32): bool {
  if (i >= mock_frames() || mock_frame_len(i) != n) return false;
  for (let j = 0; j < n; j++) if (mock_frame_byte(i, j) != <i32>load<u8>(bytes + <usize>j)) return false;
  return true;
}

function reg16(bank: i32, addr: i32): i32 {
  return mock_reg(bank, addr) | (mock_reg(bank, addr + 1) << 8);
}

function bring_up(flags: i32): void {
  mock_reset();
  mock_set_phy(0x11, 0x0400); // PHSTAT2.LSTAT: link up
  expect<i32>(enc_init(MAC, 1000, flags)).toBe(ENC_PENDING);
  expect<i32>(enc_init(MAC, 1001, flags)).toBe(ENC_PENDING);
  expect<i32>(enc_init(MAC, 1002, flags)).toBe(ENC_OK);
  mock_clear_log();
}

function fill_frame(len: i32, seed: u8): void {
  for (let i = 0; i < len; i++) store<u8>(FRAME + <usize>i, <u8>(seed + <u8>i));
}

/** Writes a received packet into the mock ring as the chip would (§3 layout) and bumps EPKTCNT. */
function put_packet(at: i32, next: i32, len: i32, status4: u8, seed: u8): void {
  const count = len + 4;
  store<u8>(HDR, <u8>next); store<u8>(HDR + 1, <u8>(next >> 8));
  store<u8>(HDR + 2, <u8>count); store<u8>(HDR + 3, <u8>(count >> 8));
  store<u8>(HDR + 4, status4); store<u8>(HDR + 5, 0);
  fill_frame(len, seed);
  // header and frame, wrapping at ERXND (0x13FF) -> ERXST (0)
  for (let i = 0; i < 6 + len; i++) {
    const a = (at + i) % 0x1400;
    mock_set_buf(a, i < 6 ? HDR + <usize>i : FRAME + <usize>(i - 6), 1);
  }
  mock_set_reg(1, 0x19, mock_reg(1, 0x19) + 1);
}

describe("enc28j60 init (errata #2 wait, §5 sequence)", () => {
  it("issues BFC ECON2.PWRSV (errata #19) then SRC, and waits 2 ms of host time", () => {
    mock_reset();
    expect<i32>(enc_init(MAC, 0xffffffff, 0)).toBe(ENC_PENDING);
    expect<bool>(frame_is(0, memory.data<u8>([0xbe, 0x20]), 2)).toBe(true);
    expect<bool>(frame_is(1, memory.data<u8>([0xff]), 1)).toBe(true);
    expect<i32>(mock_frames()).toBe(2);
    expect<i32>(enc_init(MAC, 0, 0)).toBe(ENC_PENDING); // 1 ms across the u32 wrap
    expect<i32>(mock_frames()).toBe(2);
    expect<i32>(enc_init(MAC, 1, 0)).toBe(ENC_OK);
    expect<u32>(enc_revision()).toBe(6);
    expect<bool>(enc_ready()).toBe(true);
  });

  it("programs the ring, filters, MAC and PHY for half duplex", () => {
    bring_up(0);
    expect<i32>(reg16(0, 0x08)).toBe(0);      // ERXST (errata #5)
    expect<i32>(reg16(0, 0x0a)).toBe(0x13ff); // ERXND
    expect<i32>(reg16(0, 0x0c)).toBe(0x13ff); // ERXRDPT = ERXND, odd (errata #14)
    expect<i32>(reg16(0, 0x04)).toBe(0x1400); // ETXST
    expect<i32>(mock_reg(1, 0x18)).toBe(0xa3); // ERXFCON UCEN|CRCEN|BCEN|MCEN
    expect<i32>(mock_reg(2, 0x00)).toBe(0x0d); // MACON1 TXPAUS|RXPAUS|MARXEN
    expect<i32>(mock_reg(2, 0x02)).toBe(0x32); // MACON3 half duplex
    expect<i32>(mock_reg(2, 0x03)).toBe(0x40); // MACON4 DEFER
    expect<i32>(reg16(2, 0x0a)).toBe(1526);   // MAMXFL (double-tagged full frame + FCS)
    expect<i32>(mock_reg(2, 0x04)).toBe(0x12); // MABBIPG
    expect<i32>(mock_reg(2, 0x06)).toBe(0x12);
    expect<i32>(mock_reg(2, 0x07)).toBe(0x0c);
    // mac[0]->0x04, [1]->0x05, [2]->0x02, [3]->0x03, [4]->0x00, [5]->0x01 (§2)
    expect<i32>(mock_reg(3, 0x04)).toBe(0x02);
    expect<i32>(mock_reg(3, 0x05)).toBe(0x11);
    expect<i32>(mock_reg(3, 0x02)).toBe(0x22);
    expect<i32>(mock_reg(3, 0x03)).toBe(0x33);
    expect<i32>(mock_reg(3, 0x00)).toBe(0x44);
    expect<i32>(mock_reg(3, 0x01)).toBe(0x55);
    expect<i32>(mock_phy(0x00)).toBe(0);       // PHCON1.PDPXMD = 0
    expect<i32>(mock_phy(0x10)).toBe(0x0100);  // PHCON2.HDLDIS (errata #9)
    expect<i32>(mock_phy(0x14)).toBe(0x3476);  // PHLCON
    expect<i32>(mock_phy(0x12)).toBe(0x0012);  // PHIE PGEIE|PLNKIE
    expect<i32>(mock_reg(0, 0x1f) & 0x04).toBe(0x04); // ECON1.RXEN last
    expect<i32>(mock_reg(0, 0x1b)).toBe(0);    // EIE off without ENC_FLAG_INT
  });

  it("matches MAC and PHY duplex in full duplex", () => {
    bring_up(ENC_FLAG_FULL_DUPLEX);
    expect<i32>(mock_reg(2, 0x02)).toBe(0x33);
    expect<i32>(mock_reg(2, 0x03)).toBe(0);
    expect<i32>(mock_reg(2, 0x04)).toBe(0x15);
    expect<i32>(mock_phy(0x00)).toBe(0x0100);
    expect<i32>(mock_phy(0x10)).toBe(0);
  });

  it("reports a missing clock or chip instead of hanging", () => {
    mock_reset();
    expect<i32>(enc_init(MAC, 0, 0)).toBe(ENC_PENDING);
    mock_set_reg(0, 0x1d, 0); // ESTAT.CLKRDY never sets
    expect<i32>(enc_init(MAC, 5, 0)).toBe(ENC_ERR_CLOCK);
    expect<i32>(enc_init(MAC, 10, 0)).toBe(ENC_PENDING); // starts over with SRC
    mock_set_reg(3, 0x12, 0xff); // EREVID floating high
    mock_set_reg(0, 0x1d, 0x01);
    expect<i32>(enc_init(MAC, 12, 0)).toBe(ENC_ERR_NO_CHIP);
    expect<i32>(enc_rx(DST, 1518)).toBeLessThan(0);
  });
});

describe("enc28j60 SPI framing (§1)", () => {
  it("reads a MAC register with a dummy byte after switching bank 0 -> 2 -> 3 -> 1", () => {
    bring_up(0);
    enc_read(ERXSTL); // bank 0
    mock_clear_log();
    expect<u32>(enc_read(MACON3)).toBe(0x32);
    expect<i32>(mock_frames()).toBe(2);
    expect<bool>(frame_is(0, memory.data<u8>([0x9f, 0x02]), 2)).toBe(true); // BFS ECON1 BSEL1
    expect<bool>(frame_is(1, memory.data<u8>([0x02, 0x00, 0x00]), 3)).toBe(true); // RCR + dummy
    mock_clear_log();
    enc_read(MACON3); // bank cached: one frame
    enc_read(EIR);    // common register: no switch, no dummy
    expect<i32>(mock_frames()).toBe(2);
    expect<bool>(frame_is(1, memory.data<u8>([0x1c, 0x00]), 2)).toBe(true);
    mock_clear_log();
    expect<u32>(enc_read(MAADR1)).toBe(0x02);
    expect<bool>(frame_is(0, memory.data<u8>([0x9f, 0x01]), 2)).toBe(true); // 2 -> 3
    expect<bool>(frame_is(1, memory.data<u8>([0x04, 0x00, 0x00]), 3)).toBe(true);
    mock_clear_log();
    expect<u32>(enc_read(EPKTCNT)).toBe(0);
    expect<bool>(frame_is(0, memory.data<u8>([0xbf, 0x02]), 2)).toBe(true); // 3 -> 1
    expect<bool>(frame_is(1, memory.data<u8>([0x19, 0x00]), 2)).toBe(true); // ETH: no dummy
    expect<i32>(mock_frames()).toBe(2);
  });

  it("writes ERXRDPT low byte then high byte (low latched)", () => {
    bring_up(0);
    enc_read(ERXSTL);
    mock_clear_log();
    enc_write16(ERXRDPTL, 0x1235);
    expect<i32>(mock_frames()).toBe(2);
    expect<bool>(frame_is(0, memory.data<u8>([0x4c, 0x35]), 2)).toBe(true);
    expect<bool>(frame_is(1, memory.data<u8>([0x4d, 0x12]), 2)).toBe(true);
    expect<i32>(reg16(0, 0x0c)).toBe(0x1235);
  });

  it("reads a PHY register through MII", () => {
    bring_up(0);
    expect<i32>(enc_phy_read(PHCON2)).toBe(0x0100);
    expect<i32>(mock_reg(2, 0x12)).toBe(0); // MICMD cleared after the read
  });
});

describe("enc28j60 receive (§3)", () => {
  it("copies one frame without FCS in a single RBM and frees with an odd ERXRDPT", () => {
    bring_up(0);
    expect<i32>(enc_rx(DST, 1518)).toBe(0);
    put_packet(0, 70, 60, 0xc0, 0x10);
    mock_clear_log();
    expect<i32>(enc_rx(DST, 1518)).toBe(60);
    for (let i = 0; i < 60; i++) expect<u8>(load<u8>(DST + <usize>i)).toBe(<u8>(0x10 + i));
    expect<i32>(reg16(0, 0x0c)).toBe(69);
    expect<i32>(mock_reg(1, 0x19)).toBe(0); // PKTDEC
    // exactly one RBM clocked the frame: opcode + 60 bytes, straight into DST
    let rbm_frames = 0;
    for (let i = 0; i < mock_frames(); i++) {
      if (mock_frame_byte(i, 0) == 0x3a) {
        rbm_frames++;
        if (mock_frame_len(i) > 7) expect<i32>(mock_frame_len(i)).toBe(61);
      }
    }
    expect<i32>(rbm_frames).toBe(2); // header (6) and frame (60)
    expect<i32>(enc_rx(DST, 1518)).toBe(0);
  });

  it("follows the next pointer across the ring end and writes ERXND when next == ERXST", () => {
    bring_up(0);
    put_packet(0, 0x13e0, 60, 0xc0, 0x20); // next pointer not where the count says: diagnostic only
    expect<i32>(enc_rx(DST, 1518)).toBe(60);
    expect<u32>(counter_value(Counter.enc_rx_next_mismatch)).toBe(1);
    expect<i32>(reg16(0, 0x0c)).toBe(0x13df);
    put_packet(0x13e0, 0x26, 60, 0xc0, 0x30); // 6 + 64 bytes from 0x13E0 wrap to 0x26
    expect<i32>(enc_rx(DST, 1518)).toBe(60);
    for (let i = 0; i < 60; i++) expect<u8>(load<u8>(DST + <usize>i)).toBe(<u8>(0x30 + i));
    expect<i32>(reg16(0, 0x0c)).toBe(0x25);
    expect<u32>(counter_value(Counter.enc_rx_next_mismatch)).toBe(1);
    put_packet(0x26, 0, 60, 0x00, 0x40); // RSV bit 23 clear: dropped; next == ERXST
    expect<i32>(enc_rx(DST, 1518)).toBe(ENC_RX_BAD_STATUS);
    expect<u32>(counter_value(Counter.enc_rx_bad_status)).toBe(1);
    expect<i32>(reg16(0, 0x0c)).toBe(0x13ff);
    expect<i32>(mock_reg(1, 0x19)).toBe(0);
  });

  it("drops a frame larger than the caller's buffer and keeps sync", () => {
    bring_up(0);
    put_packet(0, 70, 60, 0x80, 0x50);
    put_packet(70, 140, 60, 0x80, 0x60);
    expect<i32>(enc_rx(DST, 59)).toBe(ENC_RX_TOO_LONG);
    expect<u32>(counter_value(Counter.enc_rx_too_long)).toBe(1);
    expect<i32>(enc_rx(DST, 60)).toBe(60);
    expect<u8>(load<u8>(DST)).toBe(0x60);
    expect<i32>(reg16(0, 0x0c)).toBe(139);
  });

  it("clears and counts a ring overflow (RXERIF)", () => {
    bring_up(0);
    mock_set_reg(0, 0x1c, 0x01);
    expect<i32>(enc_rx(DST, 1518)).toBe(0);
    expect<u32>(counter_value(Counter.enc_rx_overflow)).toBe(1);
    expect<i32>(mock_reg(0, 0x1c) & 0x01).toBe(0);
  });

  it("resets the RX logic on a corrupted next pointer", () => {
    bring_up(0);
    put_packet(0, 71, 60, 0xc0, 0x70); // odd next pointer
    mock_set_reg(1, 0x19, 3);
    expect<i32>(enc_rx(DST, 1518)).toBe(ENC_RX_RESET);
    expect<u32>(counter_value(Counter.enc_rx_resets)).toBe(1);
    expect<i32>(mock_reg(1, 0x19)).toBe(0);          // stale packets drained
    expect<i32>(reg16(0, 0x0c)).toBe(0x13ff);         // ring re-initialised
    expect<i32>(mock_reg(0, 0x1f) & 0xc4).toBe(0x04); // RXRST released, RXEN back on
    put_packet(0, 70, 60, 0xc0, 0x80);                // the driver reads from ERXST again
    expect<i32>(enc_rx(DST, 1518)).toBe(60);
    expect<u8>(load<u8>(DST)).toBe(0x80);
    put_packet(70, 0x1400, 60, 0xc0, 0x90);           // next beyond ERXND
    expect<i32>(enc_rx(DST, 1518)).toBe(ENC_RX_RESET);
    put_packet(0, 70, 2000, 0xc0, 0x90);              // count > MAMXFL
    expect<i32>(enc_rx(DST, 1600)).toBe(ENC_RX_RESET);
    expect<u32>(counter_value(Counter.enc_rx_resets)).toBe(3);
  });
});

describe("enc28j60 transmit (§4, errata #12/#13)", () => {
  it("pulses TXRST, writes control byte and frame, sets ETXND and TXRTS", () => {
    bring_up(0);
    fill_frame(60, 0xa0);
    expect<i32>(enc_tx(FRAME, 60)).toBe(60);
    expect<i32>(mock_buf(ENC_TX_START)).toBe(0x00);
    for (let i = 0; i < 60; i++) expect<i32>(mock_buf(ENC_TX_START + 1 + i)).toBe(0xa0 + i);
    expect<i32>(reg16(0, 0x06)).toBe(ENC_TX_START + 60);
    // TXRST set, TXRST clear, BFC EIR TXIF|TXERIF, TXRTS set: consecutive frames
    let at = -1;
    for (let i = 0; i < mock_frames(); i++) {
      if (frame_is(i, memory.data<u8>([0x9f, 0x80]), 2)) { at = i; break; }
    }
    expect<i32>(at).toBeGreaterThan(0);
    expect<bool>(frame_is(at + 1, memory.data<u8>([0xbf, 0x80]), 2)).toBe(true);
    expect<bool>(frame_is(at + 2, memory.data<u8>([0xbc, 0x0a]), 2)).toBe(true);
    expect<bool>(frame_is(at + 3, memory.data<u8>([0x9f, 0x08]), 2)).toBe(true);
    // WBM: opcode, control byte, frame in one CS frame
    let wbm = -1;
    for (let i = 0; i < mock_frames(); i++) if (mock_frame_byte(i, 0) == 0x7a) wbm = i;
    expect<i32>(mock_frame_len(wbm)).toBe(62);
    expect<i32>(mock_frame_byte(wbm, 1)).toBe(0);
  });

  it("alternates two TX areas: the next frame is written before the previous one has finished", () => {
    bring_up(0);
    fill_frame(60, 0x10);
    expect<i32>(enc_tx(FRAME, 60)).toBe(60);
    fill_frame(80, 0x40);
    expect<i32>(enc_tx(FRAME, 80)).toBe(80);
    expect<i32>(mock_buf(ENC_TX_START + 1)).toBe(0x10);
    expect<i32>(mock_buf(ENC_TX_START + ENC_TX_AREA + 1)).toBe(0x40);
    expect<i32>(reg16(0, 0x04)).toBe(ENC_TX_START + ENC_TX_AREA); // ETXST: the second area
    expect<i32>(reg16(0, 0x06)).toBe(ENC_TX_START + ENC_TX_AREA + 80);
    // The WBM of the second frame comes before the EIR reads that wait for the first.
    let wbm = -1;
    let eir_read = -1;
    for (let i = 0; i < mock_frames(); i++) {
      if (mock_frame_byte(i, 0) == 0x7a) wbm = i;
      if (wbm >= 0 && eir_read < 0 && mock_frame_byte(i, 0) == 0x1c) eir_read = i;
    }
    expect<i32>(eir_read).toBeGreaterThan(wbm);
    fill_frame(60, 0x70);
    expect<i32>(enc_tx(FRAME, 60)).toBe(60);
    expect<i32>(mock_buf(ENC_TX_START + 1)).toBe(0x70); // back to the first area
    expect<i32>(enc_tx_flush()).toBe(ENC_TX_DONE);
  });

  it("retries late collisions from the TSV, then gives up", () => {
    bring_up(0);
    fill_frame(60, 0);
    mock_tx_script(2, 0);
    expect<i32>(enc_tx(FRAME, 60)).toBe(60);
    expect<i32>(enc_tx_flush()).toBe(ENC_TX_DONE);
    expect<i32>(mock_tx_started()).toBe(3);
    expect<u32>(counter_value(Counter.enc_tx_retries)).toBe(2);
    mock_tx_script(100, 0);
    expect<i32>(enc_tx(FRAME, 60)).toBe(60);
    expect<i32>(enc_tx_flush()).toBe(ENC_TX_ABORTED);
    expect<i32>(mock_tx_started()).toBe(3 + 1 + ENC_TX_RETRIES);
    expect<u32>(counter_value(Counter.enc_tx_errors)).toBe(1);
  });

  it("clears a TXRTS that never completes and reports a timeout", () => {
    bring_up(0);
    mock_tx_script(0, 1);
    expect<i32>(enc_tx(FRAME, 60)).toBe(60);
    expect<i32>(enc_tx_flush()).toBe(ENC_TX_TIMEOUT);
    expect<u32>(counter_value(Counter.enc_tx_timeouts)).toBe(1);
    expect<i32>(mock_reg(0, 0x1f) & 0x08).toBe(0);
  });

  it("refuses bad lengths and a down link", () => {
    bring_up(0);
    expect<i32>(enc_tx(FRAME, 0)).toBe(ENC_TX_BAD_LENGTH);
    expect<i32>(enc_tx(FRAME, 1523)).toBe(ENC_TX_BAD_LENGTH); // a double-tagged 1522-byte frame is the largest
    mock_set_phy(0x11, 0);
    expect<i32>(enc_poll_link()).toBe(0);
    expect<i32>(enc_tx(FRAME, 60)).toBe(ENC_TX_LINK_DOWN);
  });
});

describe("enc28j60 link and filters", () => {
  it("reads PHSTAT2.LSTAT, clears PHIR on LINKIF and counts changes", () => {
    bring_up(0);
    const before = counter_value(Counter.enc_link_changes);
    expect<i32>(enc_poll_link()).toBe(1);
    mock_set_phy(0x11, 0);
    mock_set_phy(0x13, 0x0014);
    mock_set_reg(0, 0x1c, 0x10); // LINKIF
    expect<i32>(enc_poll_link()).toBe(0);
    expect<i32>(mock_phy(0x13)).toBe(0);
    expect<i32>(mock_reg(0, 0x1c) & 0x10).toBe(0);
    mock_set_phy(0x11, 0x0400);
    expect<i32>(enc_poll_link()).toBe(1);
    expect<u32>(counter_value(Counter.enc_link_changes) - before).toBe(2);
  });

  it("loads the hash table and switches MCEN for HTEN, and back", () => {
    bring_up(0);
    const table = memory.data(8);
    enc_hash_add(table, memory.data<u8>([0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa])); // bit 28
    enc_set_multicast_hash(table);
    expect<i32>(mock_reg(1, 0x03)).toBe(0x10); // EHT3
    expect<i32>(mock_reg(1, 0x18)).toBe(0xa5); // UCEN|CRCEN|BCEN|HTEN
    expect<i32>(mock_reg(0, 0x1f) & 0x04).toBe(0x04);
    enc_set_multicast_hash(0);
    expect<i32>(mock_reg(1, 0x03)).toBe(0);
    expect<i32>(mock_reg(1, 0x18)).toBe(0xa3);
  });
});
