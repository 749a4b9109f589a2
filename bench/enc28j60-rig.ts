// The simulated bench for the ENC28J60 figures: one stack drives the chip model over the
// virtual SPI bus (module -> driver -> SPI -> Enc28j60), a second stack with a frame nic is the
// peer on the other end of an in-memory wire, and one VirtualClock drives both.
//
// Time is chip time. The model charges every SPI byte (8/spiHz s), MII cycles and wire time to
// its own clock (Enc28j60.timeNs), which runs ahead of the VirtualClock while the module is
// inside a call (a TX wait spins on EIR for a whole frame time). Rig.advance() therefore moves
// the clock in small steps and, whenever chip time is ahead, advances the clock to catch up, so
// the stacks' timers, the wire and the peer all see the time the SPI bus really took. The MCU's
// own CPU time is not modelled: figures are the SPI + wire bound, as on an infinitely fast MCU.
//
// The line is 10 Mbit/s full duplex both ways: the model holds each transmission for its wire
// time; towards the chip, ChipLine paces arrivals and hands each to the model at its chip time.
import { TcpEvent, TcpStateName, type Profile } from '../host/abi.ts';
import { parseIpv4 } from '../host/addr.ts';
import { VirtualClock, Wire, type WireEndpoint } from '../host/nic/wire.ts';
import { Stack, type Clock, type Nic } from '../host/runtime.ts';
import type { SpiBus } from '../host/spi/bus.ts';
import { Enc28j60, type Enc28j60Options } from '../host/sim/enc28j60.ts';
import { Enc28j60Bus } from '../host/sim/enc28j60-bus.ts';

export const ENC = { mac: '02:00:00:00:00:0e', ip: '192.0.2.2' };
export const PEER = { mac: '02:00:00:00:00:0f', ip: '192.0.2.1' };
export const DISCARD_PORT = 9;
export const CHARGEN_PORT = 19;
const SERVICE_DISCARD = 2;
const SERVICE_CHARGEN = 3;
const FIN_WAIT_2 = TcpStateName.indexOf('FIN-WAIT-2');

/** One wire byte at 10 Mbit/s, in ms. */
export const WIRE_BYTE_MS = 0.0008;
/** Per-frame wire cost beyond the frame: FCS 4 + preamble/SFD 8 + inter-frame gap 12. */
export const WIRE_FRAME_EXTRA_BYTES = 4 + 8 + 12;
/** Largest step the clock takes before looking at chip time again (ms). */
const STEP_MS = 0.05;
/** Below this, clock and chip time count as equal (ms; 1 ns). */
const EPSILON_MS = 1e-6;

const OP_RCR_EIR = 0x1c; // RCR (000) | EIR (0x1C)
const OP_RBM = 0x3a;
const OP_WBM = 0x7a;
const RX_HEADER_RBM_BYTES = 1 + 6; // opcode + next pointer + RSV

export const wireMs = (frameBytes: number) => (Math.max(60, frameBytes) + WIRE_FRAME_EXTRA_BYTES) * WIRE_BYTE_MS;

/** SPI traffic by kind; every field is a running total. */
export interface SpiTally {
  /** Bytes clocked and CS frames (commands), as Enc28j60Bus.stats counts them. */
  bytes: number;
  commands: number;
  /** RBM commands that read a whole received frame, and the frame bytes among their bytes. */
  rxFrames: number;
  rxFrameBytes: number;
  /** WBM commands that wrote a frame (control byte excluded from rxFrameBytes/txFrameBytes). */
  txFrames: number;
  txFrameBytes: number;
  /** Runs of two or more back-to-back RCR EIR: the driver spinning on TXIF/TXERIF (tx_wait). */
  txWaitCommands: number;
  txWaitBytes: number;
}

export const emptyTally = (): SpiTally => ({
  bytes: 0, commands: 0, rxFrames: 0, rxFrameBytes: 0, txFrames: 0, txFrameBytes: 0, txWaitCommands: 0, txWaitBytes: 0,
});

export function tallyDelta(after: SpiTally, before: SpiTally): SpiTally {
  const out = emptyTally();
  for (const key of Object.keys(out) as (keyof SpiTally)[]) out[key] = after[key] - before[key];
  return out;
}

/**
 * The model's bus with a look at each command: opcode and length tell frame reads and writes
 * from the rest; a run of back-to-back EIR reads is a TX wait. Forwards everything unchanged.
 */
class TallyBus implements SpiBus {
  readonly inner: Enc28j60Bus;
  private readonly counts = emptyTally();
  private opcode = -1;
  private commandBytes = 0;
  private eirRun = 0;

  constructor(
    chip: Enc28j60,
    private readonly beforeCommand: () => void,
  ) {
    this.inner = new Enc28j60Bus(chip);
  }

  /** Totals so far (a run of EIR reads still open is not counted yet). */
  tally(): SpiTally {
    return { ...this.counts, bytes: this.inner.stats.bytes, commands: this.inner.stats.frames };
  }

  select(on: boolean): void {
    if (on) {
      this.beforeCommand();
      this.opcode = -1;
      this.commandBytes = 0;
    } else {
      this.endCommand();
    }
    this.inner.select(on);
  }

  transfer(tx: Uint8Array | null, rx: Uint8Array | null, len: number): void {
    if (this.opcode < 0 && len > 0) this.opcode = tx ? tx[0] : 0;
    this.commandBytes += len;
    this.inner.transfer(tx, rx, len);
  }

  close(): void {
    this.inner.close();
  }

  private endCommand(): void {
    const c = this.counts;
    if (this.opcode === OP_RCR_EIR && this.commandBytes === 2) {
      this.eirRun++;
      return;
    }
    this.closeEirRun();
    if (this.opcode === OP_RBM && this.commandBytes > RX_HEADER_RBM_BYTES + 1) {
      c.rxFrames++;
      c.rxFrameBytes += this.commandBytes - 1;
    } else if (this.opcode === OP_WBM) {
      c.txFrames++;
      c.txFrameBytes += this.commandBytes - 2;
    }
  }

  private closeEirRun(): void {
    if (this.eirRun >= 2) {
      this.counts.txWaitCommands += this.eirRun;
      this.counts.txWaitBytes += 2 * this.eirRun;
    }
    this.eirRun = 0;
  }
}

/**
 * The chip's RJ45: between the chip model and its wire port, both ways at 10 Mbit/s.
 *
 * Towards the wire: a frame the chip finished sending at chip time t goes onto the wire at clock
 * time t, not at the (lagging) clock time of the SPI byte that noticed it.
 *
 * From the wire: frames queue on the line and each arrives (last bit, like the MAC sees it) one
 * wire time after the one before. An arrival is handed to the model once chip time has reached
 * it: before every SPI command (TallyBus calls deliverDue), so frames land mid-call while the
 * driver works through a long poll with the clock standing still, as they would on a board; and
 * from a clock timer when the bus is idle. The model receives with rxTiming 'instant'.
 */
class ChipLine implements Nic {
  /** Set by the chip model: a frame reaching its MAC. */
  onFrame: ((frame: Uint8Array) => void) | null = null;
  chipMs: () => number = () => 0;
  /** Clock time at which the line towards the chip is free again. */
  rxFreeAtMs = 0;
  /** Most frames waiting on the line at once (a switch port's queue; unbounded here). */
  rxQueueMax = 0;
  private readonly arrivals: { atMs: number; frame: Uint8Array }[] = [];
  private head = 0;

  constructor(
    private readonly port: WireEndpoint,
    private readonly clock: Clock,
  ) {
    port.onFrame = (frame) => this.fromWire(frame);
  }

  send(frame: Uint8Array): void {
    const lagMs = this.chipMs() - this.clock.now();
    if (lagMs <= EPSILON_MS) {
      this.port.send(frame);
      return;
    }
    const copy = frame.slice();
    this.clock.setTimer(lagMs, () => this.port.send(copy));
  }

  /** Hands the chip every frame whose last bit has arrived by chip time (or clock time, if later). */
  deliverDue(): void {
    const nowMs = Math.max(this.chipMs(), this.clock.now());
    while (this.head < this.arrivals.length && this.arrivals[this.head].atMs <= nowMs + EPSILON_MS) {
      const { frame } = this.arrivals[this.head++];
      this.onFrame?.(frame);
    }
    if (this.head === this.arrivals.length) this.arrivals.length = this.head = 0;
  }

  close(): void {
    this.port.close();
  }

  private fromWire(frame: Uint8Array): void {
    const startMs = Math.max(this.clock.now(), this.rxFreeAtMs);
    this.rxFreeAtMs = startMs + wireMs(frame.length);
    this.arrivals.push({ atMs: this.rxFreeAtMs, frame: frame.slice() });
    this.rxQueueMax = Math.max(this.rxQueueMax, this.arrivals.length - this.head);
    this.clock.setTimer(this.rxFreeAtMs - this.clock.now(), () => this.deliverDue());
  }
}

export interface RigOptions {
  profile: Profile;
  spiHz: number;
  /** INT pin wakes the module (kick) instead of the 1 ms poll. */
  interrupt?: boolean;
}

export class Rig {
  readonly clock = new VirtualClock(1000);
  readonly wire = new Wire(this.clock, { seed: 1 });
  readonly chip: Enc28j60;
  readonly bus: TallyBus;
  /** The chip's side of the line (pacing towards the chip, chip time towards the wire). */
  readonly line: ChipLine;
  enc!: Stack;
  peer!: Stack;

  private constructor(readonly options: RigOptions) {
    this.line = new ChipLine(this.wire.endpoint('enc'), this.clock);
    // ChipLine paces arrivals in clock time and hands them over at chip time, so the model must
    // not pace them again: its own pacing starts a frame at chip time, late by the lag.
    const chipOptions: Enc28j60Options = {
      nic: this.line,
      clock: this.clock,
      spiHz: options.spiHz,
      rxTiming: 'instant',
      onInt: (asserted) => {
        if (asserted && this.options.interrupt) this.enc?.kick(); // a timer at 0 ms: never re-entrant
      },
    };
    this.chip = new Enc28j60(chipOptions);
    this.line.chipMs = () => this.chip.timeNs / 1e6;
    this.bus = new TallyBus(this.chip, () => this.line.deliverDue());
  }

  static async create(options: RigOptions): Promise<Rig> {
    const rig = new Rig(options);
    const log = () => {};
    rig.enc = await Stack.load({ profile: options.profile, seed: 5, clock: rig.clock, spi: rig.bus, log });
    rig.peer = await Stack.load({ profile: options.profile, seed: 6, clock: rig.clock, log });
    rig.enc.configure(0, { mac: ENC.mac, ip: `${ENC.ip}/24` });
    rig.enc.attachEnc28j60(0, { fullDuplex: true, interrupt: options.interrupt ?? false });
    rig.enc.up(0);
    rig.enc.start();
    rig.peer.attach(0, rig.wire.endpoint('peer'));
    rig.peer.configure(0, { mac: PEER.mac, ip: `${PEER.ip}/24` });
    rig.peer.up(0);
    rig.peer.start();
    rig.advanceUntil(() => rig.enc.nicStatus(0) === 'up', 100);
    if (rig.enc.nicStatus(0) !== 'up') throw new Error(`bench: the ENC28J60 did not come up (${rig.enc.nicStatus(0)})`);
    rig.advance(20); // gratuitous ARPs out of the way
    return rig;
  }

  get nowMs(): number {
    return this.clock.now();
  }

  /** Chip time in ms: the clock's, or ahead of it by SPI time charged that the clock has not
   *  caught up with yet. (The model's timeNs syncs to the clock only on activity.) */
  get chipMs(): number {
    return Math.max(this.chip.timeNs / 1e6, this.clock.now());
  }

  tally(): SpiTally {
    return this.bus.tally();
  }

  /**
   * Moves the clock by ms, never leaving it behind chip time: it stops after any timer that
   * put the chip ahead and first advances to catch up (firing the timers due meanwhile).
   */
  advance(ms: number): void {
    const end = this.clock.now() + ms;
    const ahead = () => this.chip.timeNs / 1e6 > this.clock.now() + EPSILON_MS;
    for (;;) {
      const lagMs = this.chip.timeNs / 1e6 - this.clock.now();
      if (lagMs > EPSILON_MS) {
        // Timers on the way may put the chip further ahead: loop, but never past `end` (a
        // saturated flow keeps the chip ahead; the next call catches up first).
        this.clock.advance(lagMs);
        if (this.clock.now() >= end - EPSILON_MS) return;
        continue;
      }
      const left = end - this.clock.now();
      if (left <= EPSILON_MS) return;
      this.clock.runUntil(ahead, Math.min(STEP_MS, left));
    }
  }

  /** Calls work() and advances one step at a time until done() or limitMs; returns done(). */
  advanceUntil(done: () => boolean, limitMs: number, work: () => void = () => {}): boolean {
    const end = this.clock.now() + limitMs;
    while (!done()) {
      if (this.clock.now() >= end) return false;
      work();
      this.advance(STEP_MS);
    }
    return true;
  }

  /** Reads one of a stack's counters by name, cheaply (no object per call). */
  counter(stack: Stack, name: string): () => number {
    const ex = stack.exports;
    const index = Object.keys(stack.counters()).indexOf(name);
    if (index < 0) throw new Error(`bench: no counter ${name}`);
    return () => new Uint32Array(ex.memory.buffer, ex.counters(), ex.counter_count())[index];
  }

  /** The peer's TCP connection to the ENC stack's discard or chargen service, established.
   *  Only that service listens (tiny has two TCP slots: a listener and the connection). */
  connect(port: typeof DISCARD_PORT | typeof CHARGEN_PORT): number {
    if (this.enc.exports.service_tcp(port === DISCARD_PORT ? SERVICE_DISCARD : SERVICE_CHARGEN, port) < 0) {
      throw new Error(`bench: the TCP service on port ${port} did not start on the ENC stack`);
    }
    const ex = this.peer.exports;
    const h = ex.tcp_open();
    if (h < 0 || ex.tcp_connect(h, parseIpv4(ENC.ip), port) < 0) throw new Error('bench: tcp_connect failed');
    this.peer.kick();
    const ok = this.advanceUntil(() => (ex.tcp_events(h) & (TcpEvent.CONNECTED | TcpEvent.ERROR)) !== 0, 2000);
    if (!ok || ex.tcp_events(h) & TcpEvent.ERROR) throw new Error(`bench: connect to port ${port} failed (events ${ex.tcp_events(h)})`);
    return h;
  }

  /** Peer socket in FIN-WAIT-2: the ENC stack acknowledged every byte and our FIN. */
  peerFinAcked(h: number): boolean {
    return this.peer.exports.tcp_state(h) === FIN_WAIT_2 || (this.peer.exports.tcp_events(h) & TcpEvent.EOF) !== 0;
  }

  close(): void {
    this.enc.stop();
    this.peer.stop();
    this.chip.close();
  }
}
