// A minimal host-side SPI driver for the ENC28J60 model (used by tests/host/enc28j60*.test.ts):
// each method is one CS frame, the way a real driver talks to the chip. Addresses are written
// out here from the facts sheet rather than imported from the model's register table, so the
// tests check the model against the sheet, not against itself.
import type { Enc28j60 } from './enc28j60.ts';

export const ECON1 = 0x1f;
export const ECON2 = 0x1e;
export const ESTAT = 0x1d;
export const EIR = 0x1c;
export const EIE = 0x1b;

export class Spi {
  constructor(readonly chip: Enc28j60) {}

  /** One CS frame: the bytes sent and what came back. */
  frame(bytes: number[]): Uint8Array {
    this.chip.select(true);
    const rx = this.chip.transfer(Uint8Array.from(bytes));
    this.chip.select(false);
    return rx;
  }

  bank(bank: number): void {
    this.frame([0xa0 | ECON1, 0x03]); // BFC BSEL
    if (bank) this.frame([0x80 | ECON1, bank]);
  }

  /** RCR of an ETH register: the value comes in the byte after the opcode. */
  rcr(addr: number): number {
    return this.frame([addr, 0])[1];
  }

  /** RCR of a MAC/MII register: a dummy byte, then the value. */
  rcrMac(addr: number): number {
    return this.frame([addr, 0, 0])[2];
  }

  wcr(addr: number, value: number): void {
    this.frame([0x40 | addr, value]);
  }

  bfs(addr: number, mask: number): void {
    this.frame([0x80 | addr, mask]);
  }

  bfc(addr: number, mask: number): void {
    this.frame([0xa0 | addr, mask]);
  }

  /** Writes a 16-bit pair in bank `bank`, low byte first (as ERXRDPT needs). */
  write16(bank: number, addr: number, value: number): void {
    this.bank(bank);
    this.wcr(addr, value & 0xff);
    this.wcr(addr + 1, value >> 8);
  }

  read16(bank: number, addr: number, mac = false): number {
    this.bank(bank);
    const read = (a: number) => (mac ? this.rcrMac(a) : this.rcr(a));
    return read(addr) | (read(addr + 1) << 8);
  }

  rbm(n: number): Uint8Array {
    return this.frame([0x3a, ...new Array(n).fill(0)]).subarray(1);
  }

  wbm(bytes: ArrayLike<number>): void {
    this.frame([0x7a, ...Array.from(bytes)]);
  }

  /** MII read as Linux does it; returns the value and how many MISTAT polls saw BUSY. */
  phyRead(addr: number): { value: number; polls: number } {
    this.bank(2);
    this.wcr(0x14, addr); // MIREGADR
    this.wcr(0x12, 0x01); // MICMD.MIIRD
    const polls = this.waitMii();
    this.bank(2);
    this.wcr(0x12, 0x00);
    return { value: this.rcrMac(0x18) | (this.rcrMac(0x19) << 8), polls };
  }

  phyWrite(addr: number, value: number): number {
    this.bank(2);
    this.wcr(0x14, addr);
    this.wcr(0x16, value & 0xff); // MIWRL
    this.wcr(0x17, value >> 8); // MIWRH starts the cycle
    return this.waitMii();
  }

  /** Polls MISTAT.BUSY (bank 3, 0x0A, dummy byte) until clear; returns the polls that saw it set. */
  waitMii(): number {
    this.bank(3);
    let polls = 0;
    while (this.rcrMac(0x0a) & 0x01) {
      if (++polls > 1000) throw new Error('MISTAT.BUSY never cleared');
    }
    return polls;
  }

  /** Linux-style init: ring 0..rxEnd, TX after it, MACON3 0x32 half duplex, HDLDIS, RX on. */
  init(mac: number[], rxEnd = 0x19ff, macon3 = 0x32): void {
    this.wcr(ECON1, 0);
    this.write16(0, 0x08, 0); // ERXST
    this.write16(0, 0x0a, rxEnd); // ERXND
    this.write16(0, 0x0c, rxEnd); // ERXRDPT (odd)
    this.write16(0, 0x04, rxEnd + 1); // ETXST
    this.bank(2);
    this.wcr(0x00, 0x0d); // MACON1 MARXEN|TXPAUS|RXPAUS
    this.wcr(0x02, macon3);
    this.write16(2, 0x0a, 1518); // MAMXFL
    this.bank(3);
    const offsets = [0x04, 0x05, 0x02, 0x03, 0x00, 0x01];
    mac.forEach((b, i) => this.wcr(offsets[i], b));
    this.phyWrite(0x10, 0x0100); // PHCON2.HDLDIS: no self-receive
    this.bfs(ECON1, 0x04); // RXEN
  }

  /** Writes control byte + frame at ETXST, sets ETXND, pulses TXRST, sets TXRTS. */
  transmit(frame: ArrayLike<number>, control = 0, txst = 0x1a00): void {
    this.write16(0, 0x02, txst); // EWRPT
    this.wbm([control, ...Array.from(frame)]);
    this.write16(0, 0x04, txst);
    this.write16(0, 0x06, txst + frame.length); // ETXND = last byte
    this.bfs(ECON1, 0x80);
    this.bfc(ECON1, 0x80); // TXRST pulse (errata #12)
    this.bfc(EIR, 0x0a); // TXIF | TXERIF
    this.bfs(ECON1, 0x08); // TXRTS
  }

  /** Polls EIR until TXIF or TXERIF; returns the polls. */
  waitTx(limit = 10_000): number {
    let polls = 0;
    while (!(this.rcr(EIR) & 0x0a)) if (++polls > limit) throw new Error('no TXIF/TXERIF');
    return polls;
  }
}

export const HOST_MAC = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x01];
export const PEER_MAC = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x02];

/** An Ethernet frame: dst, src, type, payload. */
export function ethFrame(dst: number[], src: number[], type: number, payload: ArrayLike<number>): Uint8Array {
  const frame = new Uint8Array(14 + payload.length);
  frame.set(dst, 0);
  frame.set(src, 6);
  frame[12] = type >> 8;
  frame[13] = type & 0xff;
  frame.set(Array.from(payload), 14);
  return frame;
}

/** A 42-byte ARP-sized broadcast (short: the chip pads it). */
export function arpBroadcast(): Uint8Array {
  return ethFrame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], PEER_MAC, 0x0806, Array.from({ length: 28 }, (_, i) => i + 1));
}
