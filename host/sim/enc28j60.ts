/**
 * A register-level model of the Microchip ENC28J60 (rev. B7 by default), driven through its SPI
 * face, with its Ethernet side on any host Nic (TAP or the in-memory wire). The spec is the
 * facts sheet /work/shared/reference/ENC28J60.md; section numbers below refer to it.
 *
 * Modelled:
 * - SPI: RCR (with the dummy byte for bank 2, MAADR1-6 and MISTAT), RBM, WCR, WBM, BFS, BFC
 *   (also on MAC/MII registers: OR / AND-NOT plus a warning), SRC. The parser restarts on every
 *   CS assertion; bank, pointers and registers persist. A command may span transfer() calls.
 * - Registers: every bank, reset values, reserved addresses reading 0, read-only registers and
 *   bits, clear-only flags (EIR, ESTAT), self-clearing PKTDEC, 13-bit pointers, the ERXRDPT
 *   low-byte latch, ERXST/ERXND writes reloading the RX write pointer, ERDPT wrapping
 *   ERXND→ERXST and 0x1FFF→0, EWRPT wrapping 0x1FFF→0, AUTOINC.
 * - PHY through MII with MISTAT.BUSY for 10.24 µs, MIISCAN, PHIR clear-on-read, LINKIF rules,
 *   PHSTAT1.LLSTAT latching low, PHSTAT2.LSTAT following setLink().
 * - RX (§9 TAP → RX): drop unless RXEN (and not RXRST, link up), pad to 60, append a valid FCS,
 *   MAMXFL/HFRMEN, ERXFCON filters (unicast, broadcast, multicast, hash, magic packet, pattern),
 *   free-space check against ERXRDPT, 6-byte header, even alignment, EPKTCNT (255 → drop),
 *   RXERIF, PKTIF, ERXWRPT.
 * - TX (§9 TX → TAP): control byte, MACON3 padding/CRC or the per-packet override, FCS stripped
 *   before the nic (a host-supplied FCS is checked: TSV bit 20), giant abort, 7-byte TSV at
 *   ETXND+1, TXRTS clear, TXIF / TXERIF / TXABRT, TXDIS / PLOOPBK, half-duplex self-receive
 *   (PDPXMD=0 and HDLDIS=0, or PLOOPBK).
 *   With the link down a transmission completes normally but nothing reaches the nic.
 * - DMA copy and checksum (instant), INT output (INT = INTIE && EIE & EIR & 0x7B, mirrored in
 *   ESTAT.INT, gated by INTIE: unverified, §9), soft reset.
 *
 * Files: enc28j60-regs.ts (map, reset values, write masks), enc28j60-phy.ts (PHY registers and
 * link rules), enc28j60-frame.ts (FCS, filters), enc28j60-packets.ts (RX ring write, RSV, TX
 * frame and TSV), enc28j60-spi.ts (a minimal host-side SPI driver used by the tests).
 * - Errata switches (off by default): #14 even ERXRDPT corrupts the next packet's header, #5 an
 *   ERXST/ERXND write loads 0x0000 into the write pointer when ERXST ≠ 0, #12/#13 injected late
 *   collision aborts (TSV bit 29, TXERIF, TXRTS stuck, TX wedged until a TXRST pulse). The
 *   strict-mode checks of §7 are always on and only log to `warnings`.
 *
 * Time (one deterministic choice): the chip keeps its own time in ns. Every SPI byte costs
 * 8/spiHz s; when a clock is given, chip time never lags clock.now(). A transmission holds
 * TXRTS for (frame + pad + FCS + 8 preamble + 12 IFG) × 0.8 µs of chip time, and the frame goes
 * to the nic when it completes; MII cycles hold BUSY for 10.24 µs. Completion is checked on
 * every SPI byte and, with a clock, also by a clock timer so INT can fire with the bus idle.
 * Without a clock, time moves only with SPI traffic, so polling drivers still see it pass.
 * `txTiming: 'instant'` completes transmissions at once. Reception is paced the same way: with
 * a clock, frames from the nic queue on the "wire" (rxWireQueue frames, like a switch port) and
 * each reaches the MAC (frame + FCS + preamble + IFG) × 0.8 µs after the one before it, so a
 * TAP that delivers a burst at once cannot fill the ring faster than a real segment would.
 *
 * Not modelled: power-on OST (CLKRDY is 1 from the start), power save beyond dropping RX,
 * RXBUSY (frames are written instantly), collisions and back-off other than injected ones,
 * flow control / pause frames, the self-test, LEDs and CLKOUT, analog errata (#7–#11, #16),
 * bad-CRC frames from the wire (the nic gives good frames; CRCEN always passes), the length
 * check of FRMLNEN, PHDREN. SRC resets the ETH/MAC/MII registers only, not the PHY or the
 * buffer (unverified on silicon, §9).
 */
import type { Clock, Nic } from '../runtime.ts';
import { filterAccepts, withFcs } from './enc28j60-frame.ts';
import { buildTx, writeRxPacket } from './enc28j60-packets.ts';
import { Phy } from './enc28j60-phy.ts';
import * as R from './enc28j60-regs.ts';

export interface Enc28j60Errata {
  /** #14: a packet received while ERXRDPT is even gets a corrupt header (next pointer = ERXRDPT, RSV 0). */
  evenErxrdpt?: boolean;
  /** #5: an ERXST/ERXND write loads 0x0000, not ERXST, into the write pointer (when ERXST ≠ 0). */
  erxstReload?: boolean;
  /** #12/#13: the next N transmissions abort with a late collision and leave TXRTS stuck. */
  lateCollisions?: number;
}

export interface Enc28j60Options {
  nic?: Nic;
  clock?: Clock;
  /** Preloads MAADR at power-on (silicon resets it to 0; drivers write it anyway). */
  mac?: string | ArrayLike<number>;
  errata?: Enc28j60Errata;
  /** SPI clock for charging bus time; default 20 MHz (the maximum). */
  spiHz?: number;
  /** EREVID; default 0x06 (B7). */
  revision?: number;
  /** Initial carrier; default up. */
  link?: boolean;
  /** PHCON1.PDPXMD reset value (the LEDB strap); default half duplex. */
  fullDuplexStrap?: boolean;
  /** 'wire' (default) holds TXRTS for the frame's wire time; 'instant' completes at once. */
  txTiming?: 'wire' | 'instant';
  /**
   * 'wire' (the default with a clock): a frame from the nic reaches the MAC when its last bit
   * has arrived at 10 Mbit/s after the one before it, as on a real segment however fast the
   * nic delivers; 'instant' (the default without a clock): at once.
   */
  rxTiming?: 'wire' | 'instant';
  /** Frames the far end holds while the wire towards the chip is busy (a switch port's buffer);
   *  more are dropped (stats.rxWireDropped). Default 64. */
  rxWireQueue?: number;
  /** INT output changes (true = asserted, i.e. the active-low pin is low). */
  onInt?: (asserted: boolean) => void;
}

export interface Enc28j60Warning {
  code: string;
  message: string;
  atNs: number;
}

type SpiState = 'opcode' | 'rcr' | 'rbm' | 'wcr' | 'wbm' | 'bfs' | 'bfc' | 'ignore';

interface PendingTx {
  doneAtNs: number;
  toNic: Uint8Array | null;
  wire: Uint8Array;
  tsv: Uint8Array;
  abort: boolean;
  lateCollision: boolean;
  timer: unknown;
}

const WIRE_BYTE_NS = 800; // 10 Mbit/s
const MII_CYCLE_NS = 10_240;
const WARNINGS_KEPT = 1000;

export class Enc28j60 {
  /** The 8 KB buffer, exposed for tests and debugging (drivers use RBM/WBM). */
  readonly buffer = new Uint8Array(8192);
  readonly warnings: Enc28j60Warning[] = [];
  readonly warningCounts: Record<string, number> = {};
  readonly stats = { rxWireDropped: 0, rxAccepted: 0, rxDisabled: 0, rxGiant: 0, rxFiltered: 0, rxRingFull: 0, rxCountFull: 0, txFrames: 0, txAborts: 0 };
  onInt: ((asserted: boolean) => void) | null;

  private readonly regs = new Uint8Array(128);
  private readonly phy: Phy;
  private readonly nic: Nic | null;
  private readonly clock: Clock | null;
  private readonly errata: Required<Enc28j60Errata>;
  private readonly byteNs: number;
  private readonly revision: number;
  private readonly txInstant: boolean;
  private readonly rxInstant: boolean;
  private readonly rxWireQueue: number;
  /** Frames on the wire towards the chip (with FCS), each arriving at doneAtNs. */
  private rxWire: { doneAtNs: number; wire: Uint8Array }[] = [];
  private rxWireTimer: unknown = null;
  private nowNs = 0;
  private intLevel = false;
  private erxrdptLatch = 0;
  private srcAtNs: number | null = null;
  // SPI parser: one command per CS frame.
  private state: SpiState = 'ignore';
  private selected = false;
  private cmdBank = 0;
  private cmdAddr = 0;
  private dummyLeft = 0;
  // TX logic.
  private tx: PendingTx | null = null;
  private txStuck = false;
  private txWedged = false;
  private txrstSinceTx = false;
  // MII.
  private mii: { doneAtNs: number; write: boolean; addr: number } | null = null;
  private scanning = false;

  constructor(options: Enc28j60Options = {}) {
    this.nic = options.nic ?? null;
    this.clock = options.clock ?? null;
    this.errata = { evenErxrdpt: false, erxstReload: false, lateCollisions: 0, ...options.errata };
    this.byteNs = 8e9 / (options.spiHz ?? 20_000_000);
    this.revision = options.revision ?? 0x06;
    this.txInstant = options.txTiming === 'instant';
    this.rxInstant = (options.rxTiming ?? (this.clock ? 'wire' : 'instant')) === 'instant';
    this.rxWireQueue = options.rxWireQueue ?? 64;
    this.onInt = options.onInt ?? null;
    this.phy = new Phy(options.link ?? true, options.fullDuplexStrap ?? false);
    this.resetRegisters();
    this.regs[R.ESTAT] |= R.CLKRDY; // the oscillator start-up timer is taken as done
    if (options.mac !== undefined) this.presetMac(options.mac);
    if (this.nic) this.nic.onFrame = (frame) => this.receive(frame);
  }

  // ---- SPI face ----

  /** CS assertion (true) restarts the instruction parser; deassertion ends the command. */
  select(on: boolean): void {
    this.selected = on;
    this.state = on ? 'opcode' : 'ignore';
    this.sync();
  }

  /** Full-duplex bytes within the current CS frame: rx[i] is SO while tx[i] is clocked in. */
  transfer(tx: Uint8Array, rx: Uint8Array = new Uint8Array(tx.length)): Uint8Array {
    if (!this.selected) {
      this.warn('spi-no-cs', 'transfer without CS asserted: ignored');
      rx.fill(0xff, 0, tx.length); // SO is high-impedance; a pulled-up line reads 1s
      return rx;
    }
    for (let i = 0; i < tx.length; i++) {
      this.nowNs += this.byteNs;
      this.sync();
      rx[i] = this.spiByte(tx[i]);
    }
    this.updateInt();
    return rx;
  }

  private spiByte(b: number): number {
    switch (this.state) {
      case 'opcode':
        this.decode(b);
        return 0;
      case 'rcr':
        if (this.dummyLeft > 0) {
          this.dummyLeft--;
          return 0; // the junk byte before a MAC/MII value
        }
        return this.readReg(this.cmdBank, this.cmdAddr);
      case 'rbm': {
        const value = this.buffer[this.get16(0, R.ERDPT)];
        this.advanceErdpt();
        return value;
      }
      case 'wbm':
        this.buffer[this.get16(0, R.EWRPT)] = b;
        if (this.regs[R.ECON2] & R.AUTOINC) this.set16(0, R.EWRPT, this.get16(0, R.EWRPT) + 1);
        return 0;
      case 'wcr':
        this.writeReg(this.cmdBank, this.cmdAddr, b);
        break;
      case 'bfs':
      case 'bfc': {
        const bank = this.cmdBank;
        const addr = this.cmdAddr;
        if (R.isMacMii(bank, addr)) this.warn('bf-mac', `${this.state.toUpperCase()} on MAC/MII register bank ${bank} 0x${addr.toString(16)} (datasheet: ETH registers only)`);
        const old = this.reg(bank, addr);
        this.writeReg(bank, addr, this.state === 'bfs' ? old | b : old & ~b);
        break;
      }
      case 'ignore':
        return 0;
    }
    this.state = 'ignore'; // bytes after a WCR/BFS/BFC data byte are undefined: ignored
    return 0;
  }

  private decode(b: number): void {
    if (this.clock && this.srcAtNs !== null) {
      if (this.nowNs - this.srcAtNs < 1e6) this.warn('errata2', 'access within 1 ms of SRC (the part is not ready yet)');
      this.srcAtNs = null;
    }
    this.cmdBank = this.regs[R.ECON1] & R.BSEL; // a bank change applies from the next command
    this.cmdAddr = b & 0x1f;
    const op = b >> 5;
    if (op === 0) {
      this.state = 'rcr';
      this.dummyLeft = R.isMacMii(this.cmdBank, this.cmdAddr) ? 1 : 0;
    } else if (b === 0x3a) this.state = 'rbm';
    else if (op === 2) this.state = 'wcr';
    else if (b === 0x7a) this.state = 'wbm';
    else if (op === 4) this.state = 'bfs';
    else if (op === 5) this.state = 'bfc';
    else if (b === 0xff) {
      this.softReset();
      this.state = 'ignore'; // Linux and EtherCard send 0xFF 0xFF
    } else {
      this.warn('spi-opcode', `undefined opcode 0x${b.toString(16)}`);
      this.state = 'ignore';
    }
  }

  // ---- registers ----

  /** A register's value without side effects (also serves the filters). */
  reg(bank: number, addr: number): number {
    const idx = R.regIndex(bank, addr);
    if (bank === 3 && addr === R.EFLOCON) return this.regs[idx] | (this.regs[64 + R.MACON3] & R.FULDPX ? 0x04 : 0);
    return this.regs[idx];
  }

  /** A PHY register's value without side effects (no MII cycle, no clear-on-read). */
  phyPeek(addr: number): number {
    return this.phy.peek(addr);
  }

  private readReg(bank: number, addr: number): number {
    if (bank === 2 && (addr === R.MIRDL || addr === R.MIRDH) && this.scanning && !this.mii) this.miiRead(this.reg(2, R.MIREGADR));
    return this.reg(bank, addr);
  }

  private writeReg(bank: number, addr: number, value: number): void {
    const idx = R.regIndex(bank, addr);
    const mask = R.WRITE_MASK[idx];
    const old = this.regs[idx];
    if (idx === R.EIR || idx === R.ESTAT) {
      this.regs[idx] = old & ~(mask & ~value); // clear-only: a 0 clears, a 1 never sets
      return;
    }
    this.regs[idx] = (old & ~mask) | (value & mask);
    if (idx === R.ECON2 && value & R.PKTDEC) this.packetDecrement();
    else if (idx === R.ECON1) this.econ1Changed(old, this.regs[idx]);
    else if (bank === 0 && addr === R.ERXRDPT) {
      this.regs[idx] = old; // the low byte goes to the latch until ERXRDPTH is written
      this.erxrdptLatch = value;
    } else if (bank === 0 && addr === R.ERXRDPT + 1) {
      this.regs[R.regIndex(0, R.ERXRDPT)] = this.erxrdptLatch;
      if ((this.get16(0, R.ERXRDPT) & 1) === 0) this.warn('errata14', `even ERXRDPT 0x${this.get16(0, R.ERXRDPT).toString(16)} (errata #14: write odd values)`);
    } else if (bank === 0 && addr >= R.ERXST && addr <= R.ERXND + 1) this.ringBoundsWritten(addr === R.ERXST + 1);
    else if (bank === 2 && addr === R.MIWRH) this.startMii(true);
    else if (bank === 2 && addr === R.MICMD) this.micmdChanged(old, this.regs[idx]);
  }

  private get16(bank: number, addr: number): number {
    const idx = R.regIndex(bank, addr);
    return this.regs[idx] | (this.regs[idx + 1] << 8);
  }

  /** Internal 16-bit store; buffer pointers (hiMask 0x1F) are 13-bit. */
  private set16(bank: number, addr: number, value: number, hiMask = 0x1f): void {
    const idx = R.regIndex(bank, addr);
    this.regs[idx] = value & 0xff;
    this.regs[idx + 1] = (value >> 8) & hiMask;
  }

  private advanceErdpt(): void {
    if (!(this.regs[R.ECON2] & R.AUTOINC)) return;
    const p = this.get16(0, R.ERDPT);
    this.set16(0, R.ERDPT, p === this.get16(0, R.ERXND) ? this.get16(0, R.ERXST) : p + 1);
  }

  private resetRegisters(): void {
    this.regs.set(R.RESET);
    this.regs[R.regIndex(3, R.EREVID)] = this.revision & 0x1f;
    this.erxrdptLatch = 0;
    this.scanning = false;
    this.mii = null;
    this.cancelTx();
    this.txStuck = false;
    this.txWedged = false;
  }

  private softReset(): void {
    if (this.regs[R.ECON2] & R.PWRSV) {
      this.warn('errata19', 'SRC while PWRSV=1 is ignored');
      return;
    }
    const clkrdy = this.regs[R.ESTAT] & R.CLKRDY; // errata #2: SRC leaves CLKRDY set
    this.resetRegisters();
    this.regs[R.ESTAT] |= clkrdy;
    this.srcAtNs = this.nowNs;
  }

  private presetMac(mac: string | ArrayLike<number>): void {
    const bytes = typeof mac === 'string' ? mac.split(/[:-]/).map((h) => parseInt(h, 16)) : Array.from(mac);
    if (bytes.length !== 6 || bytes.some((b) => !(b >= 0 && b <= 255))) throw new RangeError(`enc28j60: bad mac ${String(mac)}`);
    R.MAADR_OFFSETS.forEach((offset, i) => (this.regs[R.regIndex(3, offset)] = bytes[i]));
  }

  private econ1Changed(old: number, now: number): void {
    const rose = now & ~old;
    const fell = old & ~now;
    if (rose & R.TXRST) {
      this.cancelTx(); // TX logic held in reset: whatever was sending is dropped, TXRTS clears
      this.txStuck = false;
      this.regs[R.ECON1] &= ~R.TXRTS;
    }
    if (fell & R.TXRST) {
      this.txWedged = false;
      this.txrstSinceTx = true;
    }
    if (rose & R.TXRTS && !(rose & R.TXRST)) this.startTx();
    if (fell & R.TXRTS && !(rose & R.TXRST)) this.hostClearedTxrts();
    if (rose & R.DMAST) this.runDma();
  }

  private packetDecrement(): void {
    const idx = R.regIndex(1, R.EPKTCNT);
    if (this.regs[idx] > 0) this.regs[idx]--;
    if (this.regs[idx] === 0) this.regs[R.EIR] &= ~R.PKTIF;
  }

  /** Any ERXST/ERXND byte write reloads the internal write pointer (ERXWRPT) from ERXST. The
   *  errata #5 warning waits for ERXSTH: between the two byte writes ERXST is half old, half new. */
  private ringBoundsWritten(startComplete: boolean): void {
    const start = this.get16(0, R.ERXST);
    if (this.regs[R.ECON1] & R.RXEN) this.warn('rx-bounds', 'ERXST/ERXND written while RXEN=1');
    if (startComplete && start !== 0) this.warn('errata5', `ERXST = 0x${start.toString(16)} (errata #5: the write pointer may load 0x0000)`);
    this.set16(0, R.ERXWRPT, this.errata.erxstReload && start !== 0 ? 0 : start);
  }

  // ---- time ----

  /** Brings chip time up to the clock and completes whatever is due. */
  private sync(): void {
    if (this.clock) this.nowNs = Math.max(this.nowNs, this.clock.now() * 1e6);
    if (this.mii && this.nowNs >= this.mii.doneAtNs) this.finishMii();
    if (this.tx && this.nowNs >= this.tx.doneAtNs) this.finishTx();
    while (this.rxWire.length > 0 && this.nowNs >= this.rxWire[0].doneAtNs) this.arrive(this.rxWire.shift()!.wire);
  }

  private updateInt(): void {
    const eie = this.regs[R.EIE];
    const level = (eie & R.INTIE) !== 0 && (eie & this.regs[R.EIR] & R.INT_FLAGS) !== 0;
    this.regs[R.ESTAT] = (this.regs[R.ESTAT] & ~R.ESTAT_INT) | (level ? R.ESTAT_INT : 0);
    if (level !== this.intLevel) {
      this.intLevel = level;
      this.onInt?.(level);
    }
  }

  /** The chip's own time in ns: clock time plus the SPI bytes and wire time charged since. */
  get timeNs(): number {
    return this.nowNs;
  }

  /** INT output: true while asserted (pin low). */
  get interrupt(): boolean {
    return this.intLevel;
  }

  private warn(code: string, message: string): void {
    this.warningCounts[code] = (this.warningCounts[code] ?? 0) + 1;
    if (this.warnings.length < WARNINGS_KEPT) this.warnings.push({ code, message, atNs: this.nowNs });
  }

  // ---- PHY / MII ----

  /** Carrier up or down, as the attached link reports it. */
  setLink(up: boolean): void {
    this.sync();
    if (this.phy.setLink(up)) this.regs[R.EIR] |= R.LINKIF;
    this.updateInt();
  }

  get linkUp(): boolean {
    return this.phy.linkUp;
  }

  private startMii(write: boolean): void {
    if (this.mii) {
      this.warn('mii-busy', 'MII command while MISTAT.BUSY');
      return;
    }
    this.mii = { doneAtNs: this.nowNs + MII_CYCLE_NS, write, addr: this.reg(2, R.MIREGADR) };
    this.regs[R.regIndex(3, R.MISTAT)] |= R.BUSY;
  }

  private micmdChanged(old: number, now: number): void {
    if (now & ~old & R.MIIRD) this.startMii(false);
    if (now & ~old & R.MIISCAN) {
      this.scanning = true;
      this.regs[R.regIndex(3, R.MISTAT)] |= R.SCAN | R.NVALID;
      this.startMii(false);
    }
    if (old & ~now & R.MIISCAN) {
      // Stopping a scan ends it at once (silicon finishes the cycle in flight: not modelled).
      this.scanning = false;
      if (this.mii && !this.mii.write) this.mii = null;
      if (!this.mii) this.regs[R.regIndex(3, R.MISTAT)] &= ~(R.SCAN | R.NVALID | R.BUSY);
    }
  }

  private finishMii(): void {
    const { write, addr } = this.mii!;
    this.mii = null;
    if (write) this.phy.write(addr, this.get16(2, R.MIWRL));
    else this.miiRead(addr);
    // BUSY stays set while scanning (the scan repeats); NVALID clears once data is valid.
    const mistat = R.regIndex(3, R.MISTAT);
    this.regs[mistat] &= this.scanning ? ~R.NVALID : ~(R.BUSY | R.NVALID);
  }

  private miiRead(addr: number): void {
    const value = this.phy.read(addr);
    if (addr === R.PHIR) this.regs[R.EIR] &= ~R.LINKIF; // reading PHIR clears LINKIF too
    this.regs[R.regIndex(2, R.MIRDL)] = value & 0xff;
    this.regs[R.regIndex(2, R.MIRDH)] = value >> 8;
  }

  // ---- DMA (instant) ----

  private runDma(): void {
    const start = this.get16(0, R.EDMAST);
    const end = this.get16(0, R.EDMAND);
    const bytes: number[] = [];
    // The source wraps ERXND→ERXST like ERDPT; the destination is linear (0x1FFF→0).
    for (let p = start, n = 0; n < 8192; n++) {
      bytes.push(this.buffer[p]);
      if (p === end) break;
      p = p === this.get16(0, R.ERXND) ? this.get16(0, R.ERXST) : (p + 1) & 0x1fff;
    }
    if (this.regs[R.ECON1] & R.CSUMEN) {
      let sum = 0;
      for (let i = 0; i < bytes.length; i += 2) {
        sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
        sum = (sum & 0xffff) + (sum >>> 16);
      }
      this.set16(0, R.EDMACS, ~sum & 0xffff, 0xff);
    } else {
      const dst = this.get16(0, R.EDMADST);
      bytes.forEach((b, i) => (this.buffer[(dst + i) & 0x1fff] = b));
    }
    this.regs[R.ECON1] &= ~R.DMAST;
    this.regs[R.EIR] |= R.DMAIF;
  }

  // ---- RX ----

  /** A frame from the attached link (no FCS), or fed directly by tests. */
  receive(frame: Uint8Array): void {
    this.sync();
    const padded = new Uint8Array(Math.max(60, frame.length)); // the far end pads short frames
    padded.set(frame);
    const wire = withFcs(padded);
    if (this.rxInstant) {
      this.arrive(wire);
      this.updateInt();
      return;
    }
    if (this.rxWire.length >= this.rxWireQueue) {
      this.stats.rxWireDropped++;
      return;
    }
    const last = this.rxWire.length > 0 ? this.rxWire[this.rxWire.length - 1].doneAtNs : this.nowNs;
    this.rxWire.push({ doneAtNs: Math.max(last, this.nowNs) + (wire.length + 8 + 12) * WIRE_BYTE_NS, wire });
    this.armRxWire();
  }

  /** A timer for the next arrival, so it lands (and INT fires) while the bus is idle. */
  private armRxWire(): void {
    if (!this.clock || this.rxWireTimer !== null || this.rxWire.length === 0) return;
    const head = this.rxWire[0];
    this.rxWireTimer = this.clock.setTimer(Math.max(0, (head.doneAtNs - this.clock.now() * 1e6) / 1e6), () => {
      this.rxWireTimer = null;
      this.nowNs = Math.max(this.nowNs, head.doneAtNs); // the timer firing means the time has passed
      this.sync();
      this.updateInt();
      this.armRxWire();
    });
  }

  /** A frame's last bit has arrived: the MAC takes it if the receiver is on. */
  private arrive(wire: Uint8Array): void {
    const econ1 = this.regs[R.ECON1];
    if (!(econ1 & R.RXEN) || econ1 & R.RXRST || this.regs[R.ECON2] & R.PWRSV || !this.phy.linkUp) {
      this.stats.rxDisabled++; // a disabled receiver loses the frame
      return;
    }
    this.receiveWire(wire);
  }

  /** RX of a frame that carries its FCS (from the wire or the TX loopback). */
  private receiveWire(wire: Uint8Array): void {
    if (wire.length > this.get16(2, R.MAMXFL) && !(this.regs[64 + R.MACON3] & R.HFRMEN)) {
      this.stats.rxGiant++;
      return;
    }
    if (!filterAccepts(this, wire)) {
      this.stats.rxFiltered++;
      return;
    }
    const countIdx = R.regIndex(1, R.EPKTCNT);
    if (this.regs[countIdx] === 255) {
      this.stats.rxCountFull++;
      this.regs[R.EIR] |= R.RXERIF;
      return;
    }
    const ring = { start: this.get16(0, R.ERXST), end: this.get16(0, R.ERXND) };
    const wp = this.get16(0, R.ERXWRPT);
    const rd = this.get16(0, R.ERXRDPT);
    const corrupt = this.errata.evenErxrdpt && (rd & 1) === 0;
    const next = writeRxPacket(this.buffer, ring, wp, rd, wire, corrupt);
    if (next < 0) {
      this.stats.rxRingFull++;
      this.regs[R.EIR] |= R.RXERIF;
      return;
    }
    if (corrupt) this.warn('errata14-corrupt', `packet at 0x${wp.toString(16)} written with a corrupt header (even ERXRDPT)`);
    this.set16(0, R.ERXWRPT, next);
    this.regs[countIdx]++;
    this.regs[R.EIR] |= R.PKTIF;
    this.stats.rxAccepted++;
  }

  // ---- TX ----

  private startTx(): void {
    if (!this.txrstSinceTx) this.warn('errata12', 'TXRTS without a TXRST pulse since the last transmission (errata #12)');
    this.txrstSinceTx = false;
    const fulldpx = (this.regs[64 + R.MACON3] & R.FULDPX) !== 0;
    if (fulldpx !== ((this.phy.peek(R.PHCON1) & R.PDPXMD) !== 0)) this.warn('duplex', 'MACON3.FULDPX differs from PHCON1.PDPXMD');
    if (this.regs[R.ECON1] & R.TXRST || this.txWedged) {
      this.txStuck = true; // nothing happens: TXRTS stays set
      return;
    }
    const built = buildTx(this.buffer, this.get16(0, R.ETXST), this.get16(0, R.ETXND), this.regs[64 + R.MACON3], this.get16(2, R.MAMXFL));
    let { abort } = built;
    let lateCollision = false;
    if (!abort && this.errata.lateCollisions > 0) {
      this.errata.lateCollisions--;
      lateCollision = abort = true;
      built.tsv[3] |= 0x20; // bit 29 late collision
      built.tsv[2] &= ~0x80; // not done
    }
    const wireNs = abort && !lateCollision ? 0 : (built.wire.length + 8 + 12) * WIRE_BYTE_NS;
    const doneAtNs = this.nowNs + (this.txInstant ? 0 : wireNs);
    this.tx = { doneAtNs, toNic: built.toNic, wire: built.wire, tsv: built.tsv, abort, lateCollision, timer: null };
    if (this.clock && doneAtNs > this.nowNs) {
      const tx = this.tx;
      // Relative to the clock, which may lag chip time by the SPI bytes it has not seen.
      tx.timer = this.clock.setTimer((doneAtNs - this.clock.now() * 1e6) / 1e6, () => {
        if (this.tx !== tx) return;
        this.nowNs = Math.max(this.nowNs, tx.doneAtNs); // the timer firing means the time has passed
        this.sync();
        this.updateInt();
      });
    } else if (doneAtNs <= this.nowNs) this.finishTx();
  }

  private finishTx(): void {
    const tx = this.tx!;
    this.cancelTx(); // also drops the completion timer when SPI polling got here first
    const etxnd = this.get16(0, R.ETXND);
    tx.tsv.forEach((b, i) => (this.buffer[(etxnd + 1 + i) & 0x1fff] = b)); // TSV wrap at 0x1FFF is unverified
    if (tx.abort) {
      this.stats.txAborts++;
      this.regs[R.EIR] |= R.TXERIF;
      this.regs[R.ESTAT] |= R.TXABRT | (tx.lateCollision ? R.LATECOL : 0);
      if (tx.lateCollision) {
        // #12/#13: TXRTS stays set, no TXIF, and the TX logic stays wedged until TXRST.
        this.txStuck = true;
        this.txWedged = true;
        return;
      }
    } else {
      this.stats.txFrames++;
      const phcon1 = this.phy.peek(R.PHCON1);
      const phcon2 = this.phy.peek(R.PHCON2);
      if (tx.toNic && this.nic && this.phy.linkUp && !(phcon2 & R.TXDIS) && !(phcon1 & R.PLOOPBK)) this.nic.send(tx.toNic);
      // Half-duplex self-receive unless HDLDIS (errata #9 says silicon is unreliable here).
      const loop = phcon1 & R.PLOOPBK || (!(phcon1 & R.PDPXMD) && !(phcon2 & R.HDLDIS));
      if (loop && this.regs[R.ECON1] & R.RXEN && !(this.regs[R.ECON1] & R.RXRST)) this.receiveWire(tx.wire);
    }
    this.regs[R.ECON1] &= ~R.TXRTS;
    this.regs[R.EIR] |= R.TXIF;
  }

  /** The host cleared TXRTS: cancels a transmission in flight (TXIF, TSV not done), or unsticks. */
  private hostClearedTxrts(): void {
    if (this.txStuck) {
      this.txStuck = false;
      return;
    }
    if (!this.tx) return;
    const tsv = this.tx.tsv;
    this.cancelTx();
    tsv[2] &= ~0x80;
    const etxnd = this.get16(0, R.ETXND);
    tsv.forEach((b, i) => (this.buffer[(etxnd + 1 + i) & 0x1fff] = b));
    this.regs[R.EIR] |= R.TXIF;
  }

  private cancelTx(): void {
    if (this.tx?.timer != null) this.clock?.clearTimer(this.tx.timer);
    this.tx = null;
  }

  /** Detaches from the nic and drops pending timers. */
  close(): void {
    this.cancelTx();
    if (this.rxWireTimer !== null) this.clock?.clearTimer(this.rxWireTimer);
    this.rxWireTimer = null;
    this.rxWire = [];
    if (this.nic) this.nic.onFrame = null;
  }
}
