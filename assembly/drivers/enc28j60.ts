// ENC28J60 driver: 10BASE-T MAC+PHY on SPI. Talks to the chip only through hal.spi_select and
// hal.spi_transfer. Facts: /work/shared/reference/ENC28J60.md (section numbers below are that
// sheet's; [DS] = DS39662E, [ERR] = DS80349C errata item numbers).
//
// Static memory only. A received frame goes from the chip's buffer straight into the caller's
// buffer (one RBM); a transmitted frame goes from the caller's buffer straight into the chip (one
// WBM). Nothing here allocates.
//
// Reset timing (errata #2): after SRC the part needs >= 1 ms and CLKRDY cannot be trusted (SRC
// does not clear it). The driver has no clock, so enc_init is a two-step state machine driven by
// the host's time: the first call issues SRC and returns ENC_PENDING; later calls return
// ENC_PENDING until now_ms has moved on by ENC_RESET_WAIT_MS (2: with whole-millisecond stamps,
// a difference of 2 guarantees at least 1 ms really elapsed), then poll ESTAT.CLKRDY a bounded
// number of times and configure the chip. Board glue that can sleep may simply call
// enc_init(mac, 0, f), wait 2 ms, then enc_init(mac, 2, f).

import { hal_spi_select, hal_spi_transfer } from "../hal";
import { Counter, count } from "../lib/counters";
import {
  REG_ADDR_MASK, REG_BANK_SHIFT, REG_MAC, REG_COMMON_FIRST,
  OP_RCR, OP_RBM, OP_WCR, OP_WBM, OP_BFS, OP_BFC, OP_SRC,
  EIE, EIR, ESTAT, ECON2, ECON1,
  ERDPTL, EWRPTL, ETXSTL, ETXNDL, ERXSTL, ERXNDL, ERXRDPTL,
  EHT0, ERXFCON, EPKTCNT,
  MACON1, MACON3, MACON4, MABBIPG, MAIPGL, MAIPGH, MAMXFLL, MICMD, MIREGADR, MIWRL, MIWRH, MIRDL, MIRDH,
  MAADR1, MAADR2, MAADR3, MAADR4, MAADR5, MAADR6, MISTAT, EREVID,
  EIE_INTIE, EIE_PKTIE, EIE_LINKIE, EIE_RXERIE,
  EIR_LINKIF, EIR_TXIF, EIR_TXERIF, EIR_RXERIF,
  ESTAT_CLKRDY, ECON2_AUTOINC, ECON2_PKTDEC, ECON2_PWRSV, ECON2_VRPS,
  ECON1_TXRST, ECON1_RXRST, ECON1_TXRTS, ECON1_RXEN,
  ERXFCON_UCEN, ERXFCON_CRCEN, ERXFCON_HTEN, ERXFCON_MCEN, ERXFCON_BCEN,
  MACON1_TXPAUS, MACON1_RXPAUS, MACON1_MARXEN, MACON3_PADCFG0, MACON3_TXCRCEN, MACON3_FRMLNEN,
  MACON3_FULDPX, MACON4_DEFER, MICMD_MIIRD, MISTAT_BUSY,
  PHCON1, PHCON2, PHSTAT2, PHIE, PHIR, PHLCON, PHCON1_PDPXMD, PHCON2_HDLDIS, PHSTAT2_LSTAT,
  PHIE_PLNKIE, PHIE_PGEIE, RSV_RXOK_BYTE4, TSV_LATECOL_BYTE3,
} from "./enc28j60_regs";

// ---- Buffer layout (§3) ----
/** RX ring start: errata #5 (a write of ERXST/ERXND may load 0 into the write pointer). */
@inline export const ENC_RX_START: u32 = 0x0000;
/** RX ring end, inclusive; odd so ERXRDPT = ERXND is a legal odd value (errata #14). 5 KB: more
 *  than 3 full-size frames, 4 ms of a saturated 10 Mbit/s line. */
@inline export const ENC_RX_END: u32 = 0x13ff;
@inline export const ENC_RX_SIZE: u32 = ENC_RX_END - ENC_RX_START + 1;
/** Two TX areas of ENC_TX_AREA bytes from here: 0x1400 and 0x1A00. Each holds the control byte,
 *  a 1522-byte frame (ENC_TX_MAX) and the 7-byte TSV (1530 bytes, no wrap, §4). While one frame
 *  is on the wire the next is written into the other, so the SPI write overlaps its wire time. */
@inline export const ENC_TX_START: u32 = 0x1400;
@inline export const ENC_TX_AREA: u32 = 0x600;
/** MAMXFL: the largest frame including FCS (§5 step 6): 1526 so a full-size double-tagged (QinQ,
 *  802.1ad) frame fits, 1500 + 14 + two 4-byte tags + FCS. Below the reset value (1536), so the
 *  MAC takes it without HFRMEN; Linux uses 1518 and drops even a full 802.1Q frame. */
@inline export const ENC_MAX_FRAME: u32 = 1526;
/** Largest frame enc_tx takes (no FCS: the MAC appends it, MACON3.TXCRCEN/PADCFG). */
@inline export const ENC_TX_MAX: i32 = <i32>ENC_MAX_FRAME - 4;
/** Smallest byte count (DA..FCS) accepted from the RSV: an Ethernet header plus FCS. */
@inline const RX_MIN_COUNT: u32 = 14 + 4;

// ---- Bounds on every wait (a timeout is an error result, never a hang) ----
@inline export const ENC_RESET_WAIT_MS: u32 = 2;
/** ESTAT.CLKRDY polls after the reset wait. */
@inline const CLKRDY_POLLS: i32 = 1000;
/** MISTAT.BUSY polls: one MII cycle is 10.24 us; a 3-byte RCR is >= 1.2 us at 20 MHz SPI. */
@inline const MII_POLLS: i32 = 1000;
/** EIR polls for TXIF/TXERIF: a 2-byte RCR takes >= 0.8 us at 20 MHz, so >= 32 ms, enough for a
 *  1518-byte frame (1.23 ms) plus half-duplex deferral and collision back-off. */
@inline const TX_POLLS: i32 = 40000;
/** Retransmissions after a TSV late collision (errata #13; EthernetENC uses 3, Linux 16). */
@inline export const ENC_TX_RETRIES: i32 = 3;

// ---- Results ----
@inline export const ENC_OK: i32 = 0;
@inline export const ENC_PENDING: i32 = 1;
@inline export const ENC_ERR_NOT_READY: i32 = -1;
@inline export const ENC_ERR_NO_CHIP: i32 = -2;
@inline export const ENC_ERR_CLOCK: i32 = -3;
@inline export const ENC_ERR_MII: i32 = -4;
@inline export const ENC_RX_BAD_STATUS: i32 = -10;
@inline export const ENC_RX_TOO_LONG: i32 = -11;
@inline export const ENC_RX_RESET: i32 = -12;
@inline export const ENC_TX_LINK_DOWN: i32 = -20;
@inline export const ENC_TX_ABORTED: i32 = -21;
@inline export const ENC_TX_TIMEOUT: i32 = -22;
@inline export const ENC_TX_BAD_LENGTH: i32 = -23;

// ---- enc_events bits ----
@inline export const ENC_EVENT_LINK: i32 = 1;

// ---- enc_init flags ----
/** Full duplex: MACON3.FULDPX and PHCON1.PDPXMD set together (§5 step 7, errata #16). There is no
 *  auto-negotiation (§8): use full duplex only if the partner is forced to full duplex too. */
@inline export const ENC_FLAG_FULL_DUPLEX: i32 = 1;
/** Drive the INT pin: EIE = INTIE|PKTIE|LINKIE|RXERIE (a wake-up hint; the driver still polls). */
@inline export const ENC_FLAG_INT: i32 = 2;

// ---- Static state ----
const spi_out: usize = memory.data(4);
const spi_in: usize = memory.data(4);
const rx_header: usize = memory.data(8);
const tx_status: usize = memory.data(8);
const hash_table: usize = memory.data(8);

const INIT_IDLE: i32 = 0;
const INIT_WAIT: i32 = 1;
const INIT_READY: i32 = 2;

let init_state: i32 = INIT_IDLE;
let reset_at: u32 = 0;
/** ECON1.BSEL as last written; -1 = unknown (before the first SRC). */
let bank: i32 = -1;
let next_packet: u32 = ENC_RX_START;
let revision: u32 = 0;
let full_duplex: bool = false;
let int_enabled: bool = false;
let hash_mode: bool = false;
/** Last PHSTAT2.LSTAT seen: 1 up, 0 down, -1 unknown. */
let link_state: i32 = -1;
/** A frame sent by enc_tx whose end has not been seen yet; its ETXND and retry count. */
let tx_in_flight: bool = false;
let tx_end: u32 = ENC_TX_START;
let tx_attempt: i32 = 0;
/** TX area (0 or 1) the next frame is written into: the one not on the wire. */
let tx_area: u32 = 0;
/** Frames started so far (wraps): tells a frame on the wire from the one seen there before. */
let tx_serial: u32 = 0;

/** EREVID bits 4:0 read by the last successful init (B1=0x02, B4=0x04, B5=0x05, B7=0x06; §7). */
export function enc_revision(): u32 {
  return revision;
}

/** Link as last read from the PHY (init or enc_poll_link): 1 up, 0 down or unknown. */
export function enc_link_state(): i32 {
  return link_state == 1 ? 1 : 0;
}

export function enc_ready(): bool {
  return init_state == INIT_READY;
}

// =====================================================================================
// Low level: one CS frame per command (§1, "Each command has its own CS low->high frame")
// =====================================================================================

/** Clocks `n` bytes (opcode, data, dummy...) in one CS frame; returns the last byte received. */
function frame(byte0: u32, byte1: u32, n: i32): u32 {
  store<u8>(spi_out, <u8>byte0);
  store<u8>(spi_out + 1, <u8>byte1);
  store<u8>(spi_out + 2, 0);
  hal_spi_select(1);
  hal_spi_transfer(spi_out, spi_in, n);
  hal_spi_select(0);
  return <u32>load<u8>(spi_in + <usize>(n - 1));
}

/** Makes `reg`'s bank current (ECON1.BSEL1:0, [DS Fig 3-1]). Common registers need no bank. */
function select_bank(reg: u32): void {
  if ((reg & REG_ADDR_MASK) >= REG_COMMON_FIRST) return;
  const want = <i32>((reg >> REG_BANK_SHIFT) & 3);
  if (want == bank) return;
  // Touch only the BSEL bits that differ; unknown bank: clear both, then set.
  const clear = bank < 0 ? 3 : bank & ~want;
  const set = bank < 0 ? want : want & ~bank;
  if (clear != 0) frame(OP_BFC | ECON1, <u32>clear, 2);
  if (set != 0) frame(OP_BFS | ECON1, <u32>set, 2);
  bank = want;
}

/** RCR. MAC/MII registers (REG_MAC) return a dummy byte first, then the data ([DS §4.2.1]). */
export function enc_read(reg: u32): u32 {
  select_bank(reg);
  return frame(OP_RCR | (reg & REG_ADDR_MASK), 0, (reg & REG_MAC) != 0 ? 3 : 2);
}

/** WCR. */
export function enc_write(reg: u32, value: u32): void {
  select_bank(reg);
  frame(OP_WCR | (reg & REG_ADDR_MASK), value, 2);
}

/** BFS: reg |= mask. ETH registers only ([DS §4.2.5]); this driver never uses it on MAC/MII. */
export function enc_bfs(reg: u32, mask: u32): void {
  select_bank(reg);
  frame(OP_BFS | (reg & REG_ADDR_MASK), mask, 2);
}

/** BFC: reg &= ~mask; also the way to clear EIR flags without losing one set mid-write (§5). */
export function enc_bfc(reg: u32, mask: u32): void {
  select_bank(reg);
  frame(OP_BFC | (reg & REG_ADDR_MASK), mask, 2);
}

/** 16-bit pair write: low byte, then high byte. ERXRDPT latches its low byte until the high
 *  byte is written ([DS §7.2.4]), so this order is required there and harmless elsewhere. */
export function enc_write16(reg_low: u32, value: u32): void {
  enc_write(reg_low, value & 0xff);
  enc_write(reg_low + 1, (value >> 8) & 0xff);
}

/** RBM: `len` buffer bytes from ERDPT straight into dst (ERDPT auto-increments and wraps at
 *  ERXND -> ERXST, §1). */
function read_buffer(dst: usize, len: i32): void {
  store<u8>(spi_out, <u8>OP_RBM);
  hal_spi_select(1);
  hal_spi_transfer(spi_out, 0, 1);
  hal_spi_transfer(0, dst, len);
  hal_spi_select(0);
}

/** WBM: the per-packet control byte 0x00 (MACON3 decides padding and CRC, [DS Fig 7-1]), then
 *  `len` bytes from src, written at EWRPT. */
function write_packet(src: usize, len: i32): void {
  store<u8>(spi_out, <u8>OP_WBM);
  store<u8>(spi_out + 1, 0x00);
  hal_spi_select(1);
  hal_spi_transfer(spi_out, 0, 2);
  hal_spi_transfer(src, 0, len);
  hal_spi_select(0);
}

/** SRC (soft reset, one byte 0xFF). ECON1 resets to 0, so the bank becomes 0. */
function soft_reset(): void {
  store<u8>(spi_out, <u8>OP_SRC);
  hal_spi_select(1);
  hal_spi_transfer(spi_out, 0, 1);
  hal_spi_select(0);
  bank = 0;
}

/** Bounded wait for MISTAT.BUSY to clear; false (and counted) on timeout. */
function mii_wait(): bool {
  for (let i = 0; i < MII_POLLS; i++) {
    if ((enc_read(MISTAT) & MISTAT_BUSY) == 0) return true;
  }
  count(Counter.enc_mii_timeouts);
  return false;
}

/** PHY read through MII (§5 step 7): MIREGADR, MICMD=MIIRD, poll BUSY, MICMD=0, MIRDL, MIRDH.
 *  Returns the 16-bit value, or ENC_ERR_MII on timeout. */
export function enc_phy_read(addr: u32): i32 {
  enc_write(MIREGADR, addr);
  enc_write(MICMD, MICMD_MIIRD);
  const ok = mii_wait();
  enc_write(MICMD, 0);
  if (!ok) return ENC_ERR_MII;
  const lo = enc_read(MIRDL);
  return <i32>(lo | (enc_read(MIRDH) << 8));
}

/** PHY write through MII: MIREGADR, MIWRL, MIWRH (starts the 10.24 us cycle), poll BUSY. */
export function enc_phy_write(addr: u32, value: u32): i32 {
  enc_write(MIREGADR, addr);
  enc_write(MIWRL, value & 0xff);
  enc_write(MIWRH, (value >> 8) & 0xff);
  return mii_wait() ? ENC_OK : ENC_ERR_MII;
}

// =====================================================================================
// Pure helpers (no SPI): exported for the specs and for the module's diagnostics
// =====================================================================================

/** The MAADR register that holds mac[index] (§2: mac[0]->0x04 MAADR1, [1]->0x05, [2]->0x02,
 *  [3]->0x03, [4]->0x00, [5]->0x01). */
export function enc_maadr_reg(index: i32): u32 {
  switch (index) {
    case 0: return MAADR1;
    case 1: return MAADR2;
    case 2: return MAADR3;
    case 3: return MAADR4;
    case 4: return MAADR5;
    default: return MAADR6;
  }
}

/** ERXRDPT value that frees everything before `next` (errata #14: must be odd): next-1, or ERXND
 *  when next == ERXST (next-1 would fall outside the ring). */
export function enc_rx_read_pointer(next: u32): u32 {
  return next == ENC_RX_START ? ENC_RX_END : next - 1;
}

/** A next-packet pointer read from a header at `at` is plausible: even ([DS §7.2.2], packets start
 *  even), inside [ERXST, ERXND], and not the packet itself. */
export function enc_next_valid(next: u32, at: u32): bool {
  return (next & 1) == 0 && next >= ENC_RX_START && next <= ENC_RX_END && next != at;
}

/** Address `offset` bytes after `at` in the ring, wrapping by hand past ERXND ([DS Ex 7-1]). */
export function enc_ring_add(at: u32, offset: u32): u32 {
  let p = at + offset;
  if (p > ENC_RX_END) p -= ENC_RX_SIZE;
  return p;
}

/** Where the packet after one at `at` with RSV byte count `count` should start: 6-byte header,
 *  count bytes, a filler byte to keep packets even ([DS Table 7-3]). Used only as a diagnostic
 *  (Counter.enc_rx_next_mismatch) because whether the count covers everything is unverified (§3 ?). */
export function enc_ring_expected_next(at: u32, count: u32): u32 {
  return enc_ring_add(at, (6 + count + 1) & ~1);
}

/** Free ring bytes for write pointer wr and read pointer rd ([DS §7.2.4], Linux get_free_rxfifo). */
export function enc_rx_free(wr: u32, rd: u32): u32 {
  if (wr > rd) return (ENC_RX_END - ENC_RX_START) - (wr - rd);
  if (wr == rd) return ENC_RX_END - ENC_RX_START;
  return rd - wr - 1;
}

/** RSV bit 23 "received OK" (header byte +4 bit 7, [DS Table 7-3]). */
export function enc_rsv_ok(header: usize): bool {
  return (load<u8>(header + 4) & RSV_RXOK_BYTE4) != 0;
}

/** RSV[15:0]: byte count DA..FCS (header bytes +2/+3, little-endian). */
export function enc_rsv_count(header: usize): u32 {
  return <u32>load<u8>(header + 2) | (<u32>load<u8>(header + 3) << 8);
}

/** TSV bit 29 late collision (byte 3 bit 5, [DS Table 7-1]; errata #13/#15). */
export function enc_tsv_late_collision(tsv: usize): bool {
  return (load<u8>(tsv + 3) & TSV_LATECOL_BYTE3) != 0;
}

/** TSV[15:0] byte count. */
export function enc_tsv_count(tsv: usize): u32 {
  return <u32>load<u8>(tsv) | (<u32>load<u8>(tsv + 1) << 8);
}

/** Hash-table bit (0..63) for a destination address ([MCHP] SetRXHashTableEntry, §6): CRC-32,
 *  polynomial 0x04C11DB7 shifted MSb-first, each byte fed LSb-first, register starts at
 *  0xFFFFFFFF, no final inversion; the bit is CRC bits 28:23. */
export function enc_hash_bit(mac: usize): u32 {
  let crc: u32 = 0xffffffff;
  for (let i = 0; i < 6; i++) {
    let b = <u32>load<u8>(mac + <usize>i);
    for (let j = 0; j < 8; j++) {
      const feedback = (crc >> 31) ^ (b & 1);
      crc <<= 1;
      if (feedback != 0) crc ^= 0x04c11db7;
      b >>= 1;
    }
  }
  return (crc >> 23) & 0x3f;
}

/** Sets mac's bit in an 8-byte hash table (bit k in byte k>>3, bit k&7: EHT0..EHT7, §6). */
export function enc_hash_add(table: usize, mac: usize): void {
  const k = enc_hash_bit(mac);
  const at = table + <usize>(k >> 3);
  store<u8>(at, <u8>(<u32>load<u8>(at) | (<u32>1 << (k & 7))));
}

// =====================================================================================
// Initialisation (§5)
// =====================================================================================

function rx_filter_value(): u32 {
  // UCEN|CRCEN|BCEN plus either all multicast (MCEN) or the hash table (HTEN), OR mode (§6).
  return ERXFCON_UCEN | ERXFCON_CRCEN | ERXFCON_BCEN | (hash_mode ? ERXFCON_HTEN : ERXFCON_MCEN);
}

function write_rx_filter(): void {
  for (let i: u32 = 0; i < 8; i++) enc_write(EHT0 + i, <u32>load<u8>(hash_table + <usize>i));
  enc_write(ERXFCON, rx_filter_value());
}

/** Sets up an empty RX ring at ERXST=0 (errata #5) with ERXRDPT = ERXND (odd, errata #14). Only
 *  while RXEN=0 (§3: change ERXST/ERXND only with RXEN clear). */
function rx_ring_init(): void {
  enc_write16(ERXSTL, ENC_RX_START);
  enc_write16(ERXNDL, ENC_RX_END);
  enc_write16(ERXRDPTL, ENC_RX_END);
  next_packet = ENC_RX_START;
}

/**
 * Resets and configures the chip. Call repeatedly with the current time until it stops
 * returning ENC_PENDING (see the reset-timing note at the top). mac: 6 bytes, first byte on the
 * wire first. flags: ENC_FLAG_*. Returns ENC_OK when receiving is enabled (enc_revision() holds
 * the silicon revision), or ENC_ERR_CLOCK / ENC_ERR_NO_CHIP / ENC_ERR_MII.
 */
export function enc_init(mac: usize, now_ms: u32, flags: i32): i32 {
  if (init_state != INIT_WAIT) {
    // Errata #19: SRC is ignored while ECON2.PWRSV=1, so wake first (ECON2 is common to all banks).
    enc_bfc(ECON2, ECON2_PWRSV);
    soft_reset();
    reset_at = now_ms;
    init_state = INIT_WAIT;
    link_state = -1;
    tx_in_flight = false;
    tx_area = 0;
    return ENC_PENDING;
  }
  if (now_ms - reset_at < ENC_RESET_WAIT_MS) return ENC_PENDING; // errata #2: >= 1 ms after SRC
  init_state = INIT_IDLE;

  // [DS §2.2]: no MAC/MII/PHY access, TXRTS or RXEN before CLKRDY.
  let clock = false;
  for (let i = 0; i < CLKRDY_POLLS; i++) {
    if ((enc_read(ESTAT) & ESTAT_CLKRDY) != 0) { clock = true; break; }
  }
  if (!clock) return ENC_ERR_CLOCK;
  const rev = enc_read(EREVID);
  if (rev == 0x00 || rev == 0xff) return ENC_ERR_NO_CHIP; // §5 step 4: nothing on the bus
  revision = rev & 0x1f;

  full_duplex = (flags & ENC_FLAG_FULL_DUPLEX) != 0;
  int_enabled = (flags & ENC_FLAG_INT) != 0;

  // §5 step 2. WCR on ECON1 writes BSEL too: the cache follows.
  enc_write(ECON1, 0);
  bank = 0;
  enc_write(ECON2, ECON2_AUTOINC | ECON2_VRPS);

  // §5 step 3: buffer pointers.
  rx_ring_init();
  enc_write16(ETXSTL, ENC_TX_START);
  enc_write16(ETXNDL, ENC_TX_START);

  // §5 step 5 / §6: receive filters.
  write_rx_filter();

  // §5 step 6: MAC. MACON3: PADCFG=001 (pad to 60 + CRC), TXCRCEN, FRMLNEN, FULDPX = PDPXMD.
  enc_write(MACON1, MACON1_MARXEN | MACON1_TXPAUS | MACON1_RXPAUS);
  enc_write(MACON3, MACON3_PADCFG0 | MACON3_TXCRCEN | MACON3_FRMLNEN | (full_duplex ? MACON3_FULDPX : 0));
  enc_write(MACON4, full_duplex ? 0 : MACON4_DEFER);
  enc_write16(MAMXFLL, ENC_MAX_FRAME);
  enc_write(MABBIPG, full_duplex ? 0x15 : 0x12);
  enc_write(MAIPGL, 0x12);
  if (!full_duplex) enc_write(MAIPGH, 0x0c);
  for (let i = 0; i < 6; i++) enc_write(enc_maadr_reg(i), <u32>load<u8>(mac + <usize>i));

  // §5 step 7: PHY. PDPXMD written explicitly (errata #16); HDLDIS in half duplex (errata #9).
  if (enc_phy_write(PHCON1, full_duplex ? PHCON1_PDPXMD : 0) < 0) return ENC_ERR_MII;
  if (enc_phy_write(PHCON2, full_duplex ? 0 : PHCON2_HDLDIS) < 0) return ENC_ERR_MII;
  // PHLCON 0x3476: reserved bits 13:12 = 1, LEDA = link (0100), LEDB = TX/RX activity (0111),
  // stretched (Linux's value, §2); avoids mode 1110 (errata #11).
  if (enc_phy_write(PHLCON, 0x3476) < 0) return ENC_ERR_MII;
  // LINKIF needs both PGEIE and PLNKIE ([DS §12.1.5]); reading PHIR clears stale flags.
  if (enc_phy_write(PHIE, PHIE_PGEIE | PHIE_PLNKIE) < 0) return ENC_ERR_MII;
  if (enc_phy_read(PHIR) < 0) return ENC_ERR_MII;

  // §5 step 8: flags cleared with BFC; INT only on request.
  enc_bfc(EIR, 0xff);
  enc_write(EIE, int_enabled ? EIE_INTIE | EIE_PKTIE | EIE_LINKIE | EIE_RXERIE : 0);

  // §5 step 9: enable reception last.
  enc_bfs(ECON1, ECON1_RXEN);
  init_state = INIT_READY;

  const st = enc_phy_read(PHSTAT2);
  link_state = st >= 0 && (<u32>st & PHSTAT2_LSTAT) != 0 ? 1 : 0;
  return ENC_OK;
}

/**
 * Receive filter for multicast: table = 0 accepts every multicast frame (ERXFCON.MCEN, the stack
 * filters in software); otherwise the 8 bytes at table (built with enc_hash_add) become EHT0..7 and
 * the hash filter (HTEN) replaces MCEN. Applied at once if the chip is running (RXEN is cleared
 * around the change, [DS §7.2.1]) and again by every enc_init.
 */
export function enc_set_multicast_hash(table: usize): void {
  hash_mode = table != 0;
  for (let i: usize = 0; i < 8; i++) store<u8>(hash_table + i, hash_mode ? load<u8>(table + i) : 0);
  if (init_state != INIT_READY) return;
  enc_bfc(ECON1, ECON1_RXEN);
  write_rx_filter();
  enc_bfs(ECON1, ECON1_RXEN);
}

// =====================================================================================
// Receive (§3)
// =====================================================================================

/** Frees the ring up to `next` (odd ERXRDPT, errata #14) and decrements EPKTCNT ([DS p.45]). */
function rx_release(next: u32): void {
  enc_write16(ERXRDPTL, enc_rx_read_pointer(next));
  enc_bfs(ECON2, ECON2_PKTDEC);
}

/** Recovery from a corrupted header: RXRST pulse, empty ring, stale packet count drained. */
function rx_reset(): void {
  enc_bfc(ECON1, ECON1_RXEN);
  enc_bfs(ECON1, ECON1_RXRST);
  enc_bfc(ECON1, ECON1_RXRST);
  rx_ring_init();
  // Whether RXRST clears EPKTCNT is not in the sheet; PKTDEC never goes below 0, so drain it.
  for (let i = 0; i < 255; i++) {
    if (enc_read(EPKTCNT) == 0) break;
    enc_bfs(ECON2, ECON2_PKTDEC);
  }
  enc_bfc(EIR, EIR_RXERIF);
  enc_bfs(ECON1, ECON1_RXEN);
  count(Counter.enc_rx_resets);
}

/**
 * Takes the next received frame, without its FCS, into dst. Returns its length, 0 if none is
 * waiting, or a negative ENC_RX_* code when a packet was dropped (the caller may call again):
 * ENC_RX_BAD_STATUS (RSV bit 23 clear or a runt), ENC_RX_TOO_LONG (larger than capacity),
 * ENC_RX_RESET (corrupted header: the RX logic and ring were reset, waiting packets are lost).
 */
export function enc_rx(dst: usize, capacity: i32): i32 {
  if (init_state != INIT_READY) return ENC_ERR_NOT_READY;
  // RXERIF: an incoming packet was aborted (no room, or EPKTCNT at 255). Stored packets and the
  // next-packet pointer are untouched, so clearing the flag keeps sync.
  if ((enc_read(EIR) & EIR_RXERIF) != 0) {
    enc_bfc(EIR, EIR_RXERIF);
    count(Counter.enc_rx_overflow);
  }
  // Errata #6: PKTIF is unreliable; EPKTCNT is the truth.
  if (enc_read(EPKTCNT) == 0) return 0;

  const at = next_packet;
  enc_write16(ERDPTL, at);
  read_buffer(rx_header, 6);
  const next = <u32>load<u8>(rx_header) | (<u32>load<u8>(rx_header + 1) << 8);
  const byte_count = enc_rsv_count(rx_header);
  if (!enc_next_valid(next, at) || byte_count < 4 || byte_count > ENC_MAX_FRAME) {
    rx_reset();
    return ENC_RX_RESET;
  }
  if (next != enc_ring_expected_next(at, byte_count)) count(Counter.enc_rx_next_mismatch);

  const len = <i32>byte_count - 4;
  let result: i32;
  if (!enc_rsv_ok(rx_header) || byte_count < RX_MIN_COUNT) {
    count(Counter.enc_rx_bad_status);
    result = ENC_RX_BAD_STATUS;
  } else if (len > capacity) {
    count(Counter.enc_rx_too_long);
    result = ENC_RX_TOO_LONG;
  } else {
    read_buffer(dst, len); // ERDPT already points at the DA; the chip wraps ERXND -> ERXST
    result = len;
  }
  next_packet = next;
  rx_release(next);
  return result;
}

// =====================================================================================
// Transmit (§4)
// =====================================================================================

/** One look at the frame in flight, given EIR: ENC_PENDING while it is on the wire (or sent
 *  again after a late collision: errata #13, the frame is still in its TX area), else ENC_OK or
 *  ENC_TX_ABORTED (TXERIF with the retries spent), and nothing is in flight any more. */
function tx_check(eir: u32): i32 {
  if ((eir & (EIR_TXIF | EIR_TXERIF)) == 0) return ENC_PENDING;
  if ((eir & EIR_TXERIF) == 0) {
    tx_in_flight = false;
    return ENC_OK;
  }
  // Abort: TXRTS can stay set after a false late collision (errata #13); read the TSV at
  // ETXND+1 (7 bytes, [DS Table 7-1]); ESTAT.LATECOL is unreliable (errata #15).
  enc_bfc(ECON1, ECON1_TXRTS);
  enc_write16(ERDPTL, tx_end + 1);
  read_buffer(tx_status, 7);
  if (enc_tsv_late_collision(tx_status) && tx_attempt < ENC_TX_RETRIES) {
    tx_attempt++;
    count(Counter.enc_tx_retries);
    tx_trigger();
    return ENC_PENDING;
  }
  tx_in_flight = false;
  count(Counter.enc_tx_errors);
  return ENC_TX_ABORTED;
}

/** Waits (bounded, TX_POLLS reads of EIR per attempt) for the frame in flight to end: ENC_OK,
 *  ENC_TX_ABORTED, or ENC_TX_TIMEOUT (neither TXIF nor TXERIF: TXRTS cleared by hand, errata #13). */
function tx_wait(): i32 {
  if (!tx_in_flight) return ENC_OK;
  let attempt = tx_attempt;
  for (let i = 0; i < TX_POLLS; i++) {
    const result = tx_check(enc_read(EIR));
    if (result != ENC_PENDING) return result;
    if (tx_attempt != attempt) { attempt = tx_attempt; i = 0; } // a retry gets its own bound
  }
  enc_bfc(ECON1, ECON1_TXRTS); // errata #13: TXRTS may never clear on its own
  tx_in_flight = false;
  count(Counter.enc_tx_timeouts);
  return ENC_TX_TIMEOUT;
}

/**
 * The chip's events for a poll, from one read of EIR, without waiting: finishes (or retries) the
 * frame in flight if the chip is done with it. Returns ENC_EVENT_LINK when EIR.LINKIF says the
 * PHY saw a link change (read it with enc_poll_link, which also clears the flag).
 */
export function enc_events(): i32 {
  if (init_state != INIT_READY) return 0;
  const eir = enc_read(EIR);
  if (tx_in_flight) tx_check(eir);
  return (eir & EIR_LINKIF) != 0 ? ENC_EVENT_LINK : 0;
}

/** Starts sending what ETXST..ETXND hold. */
function tx_trigger(): void {
  // Errata #12: pulse TXRST before every transmission, then clear TXERIF (and TXIF, step 4).
  enc_bfs(ECON1, ECON1_TXRST);
  enc_bfc(ECON1, ECON1_TXRST);
  enc_bfc(EIR, EIR_TXIF | EIR_TXERIF);
  enc_bfs(ECON1, ECON1_TXRTS);
}

/**
 * Sends one frame (DA..payload, no FCS; the MAC pads to 60 and appends the CRC). The frame is
 * written into the free TX area while the previous one may still be on the wire, then started
 * as soon as that one has finished; the call returns without waiting for its own end, so the
 * stack works while the wire is busy (1.2 ms for a full frame at 10 Mbit/s). Returns len, or
 * ENC_TX_LINK_DOWN (the last link poll saw no carrier), ENC_TX_BAD_LENGTH, ENC_ERR_NOT_READY.
 * How a frame ended is counted (enc_tx_errors, enc_tx_timeouts) and returned by enc_tx_flush.
 */
export function enc_tx(src: usize, len: i32): i32 {
  if (init_state != INIT_READY) return ENC_ERR_NOT_READY;
  if (len < 1 || len > ENC_TX_MAX) return ENC_TX_BAD_LENGTH;
  if (link_state != 1) return ENC_TX_LINK_DOWN;

  // Host sequence (§4): EWRPT = the area's start, WBM control byte + frame. EWRPT and the
  // buffer are the host's side of the dual-ported memory: writing them does not disturb the
  // MAC reading the other area.
  const start = ENC_TX_START + tx_area * ENC_TX_AREA;
  enc_write16(EWRPTL, start);
  write_packet(src, len);
  // ETXST/ETXND still describe the frame on the wire (a late-collision retry resends it), so
  // they change only once it has finished.
  tx_wait();
  tx_end = start + <u32>len;
  enc_write16(ETXSTL, start);
  enc_write16(ETXNDL, tx_end);
  tx_attempt = 0;
  tx_trigger();
  tx_in_flight = true;
  tx_area ^= 1;
  tx_serial++;
  return len;
}

/** A frame is on the wire (started, its end not seen yet). */
export function enc_tx_in_flight(): bool {
  return tx_in_flight;
}

/** Frames started so far (wraps): tells the frame on the wire from one seen there before. */
export function enc_tx_serial(): u32 {
  return tx_serial;
}

/** Waits for the frame in flight, if any: ENC_OK, ENC_TX_ABORTED or ENC_TX_TIMEOUT. */
export function enc_tx_flush(): i32 {
  return init_state == INIT_READY ? tx_wait() : ENC_OK;
}

// =====================================================================================
// Link (§5 "Link state")
// =====================================================================================

/** Reads PHSTAT2.LSTAT (live; PHSTAT1.LLSTAT latches). Clears PHIR (and so LINKIF) when LINKIF is
 *  set. Returns 1 up, 0 down, or ENC_ERR_NOT_READY / ENC_ERR_MII. Counts changes it sees. */
export function enc_poll_link(): i32 {
  if (init_state != INIT_READY) return ENC_ERR_NOT_READY;
  if ((enc_read(EIR) & EIR_LINKIF) != 0) {
    if (enc_phy_read(PHIR) < 0) return ENC_ERR_MII;
  }
  const st = enc_phy_read(PHSTAT2);
  if (st < 0) return ENC_ERR_MII;
  const up = (<u32>st & PHSTAT2_LSTAT) != 0 ? 1 : 0;
  if (link_state >= 0 && up != link_state) count(Counter.enc_link_changes);
  link_state = up;
  return up;
}
