// Set-up shared by the tests/sim/enc28j60-*.test.ts suites: a debug-build stack whose interface
// is the module's ENC28J60 driver on the chip model (module -> driver -> SPI -> Enc28j60 ->
// in-memory wire), a raw host on the same wire, and readers for the model's registers and
// receive ring. The module under test is the real driver; nothing here talks SPI itself.
import { VirtualClock, Wire, type WireOptions } from '../../host/nic/wire.ts';
import { Stack } from '../../host/runtime.ts';
import type { Enc28j60Options } from '../../host/runtime.ts';
import { Enc28j60, type Enc28j60Errata } from '../../host/sim/enc28j60.ts';
import { Enc28j60Bus } from '../../host/sim/enc28j60-bus.ts';
import type { SpiBus } from '../../host/spi/bus.ts';
import { arpRequestFrame, echoRequestFrame, type Host } from './frames.ts';
import { RawHost } from './harness.ts';

export const ENC: Host & { cidr: string } = { mac: '02:00:00:00:00:0e', ip: '192.0.2.2', cidr: '192.0.2.2/24' };
export const RAW: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };

export interface EncNodeOptions extends Enc28j60Options {
  errata?: Enc28j60Errata;
  revision?: number;
  link?: boolean;
  spiHz?: number;
  seed?: number;
  name?: string;
}

export interface EncNode {
  stack: Stack;
  chip: Enc28j60;
  bus: Enc28j60Bus;
  logs: string[];
  host: Host;
}

/**
 * A stack on the wire through the driver and the chip model: configured, attached, brought up
 * and polling. With `interrupt`, the chip's INT output (asserting edge) kicks the poll loop, as
 * a board's pin interrupt would.
 */
export async function addEncNode(wire: Wire, clock: VirtualClock, options: EncNodeOptions = {}): Promise<EncNode> {
  const chip = new Enc28j60({
    nic: wire.endpoint(options.name ?? 'enc'),
    clock,
    errata: options.errata,
    revision: options.revision,
    link: options.link,
    spiHz: options.spiHz,
  });
  const bus = new Enc28j60Bus(chip);
  const logs: string[] = [];
  const stack = await Stack.load({ profile: 'default', debug: true, seed: options.seed ?? 5, clock, spi: bus, log: (line) => logs.push(line) });
  if (options.interrupt) chip.onInt = (asserted) => asserted && stack.kick();
  stack.configure(0, { mac: ENC.mac, ip: ENC.cidr });
  stack.attachEnc28j60(0, { fullDuplex: options.fullDuplex, interrupt: options.interrupt });
  stack.up(0);
  stack.start();
  return { stack, chip, bus, logs, host: { mac: ENC.mac, ip: ENC.ip } };
}

/** A stack with no chip behind its SPI bus: `fill` is what the floating MISO line reads. */
export async function addChiplessNode(clock: VirtualClock, fill: number) {
  const bus: SpiBus & { bytes: number } = {
    bytes: 0,
    select: () => {},
    transfer: (_tx, rx, len) => {
      bus.bytes += len;
      rx?.fill(fill);
    },
    close: () => {},
  };
  const stack = await Stack.load({ profile: 'default', debug: true, seed: 6, clock, spi: bus, log: () => {} });
  stack.configure(0, { mac: ENC.mac, ip: ENC.cidr });
  stack.attachEnc28j60(0);
  stack.up(0);
  stack.start();
  return { stack, bus };
}

/**
 * A wire, a raw host, and the ENC stack, run until the driver reports carrier; the raw host
 * then introduces itself (an ARP request: its target learns the sender), so replies to it need
 * no ARP round. `heard` is cleared afterwards, so tests see only their own traffic.
 */
export async function encSetup(options: EncNodeOptions & { wire?: WireOptions } = {}) {
  const clock = new VirtualClock(1_000);
  const wire = new Wire(clock, { seed: 1, ...options.wire });
  const raw = new RawHost(wire, clock, RAW);
  const node = await addEncNode(wire, clock, options);
  if (!clock.runUntil(() => node.stack.nicStatus(0) === 'up', 100)) throw new Error(`ENC stack not up: ${node.stack.nicStatus(0)}`);
  raw.send(arpRequestFrame(RAW.mac, RAW.ip, ENC.ip));
  clock.advance(10);
  raw.heard.length = 0;
  return { clock, wire, raw, ...node };
}

/** An ICMP echo request from the raw host to the ENC stack. */
export function pingFrame(sequence: number, dataBytes: number, id = 0x4e43): Uint8Array {
  const data = new Uint8Array(dataBytes);
  for (let i = 0; i < dataBytes; i++) data[i] = (sequence * 7 + i) & 0xff;
  return echoRequestFrame(RAW, ENC, id, sequence, data);
}

/** 16-bit register pair of the model, low byte at addr. */
export function reg16(chip: Enc28j60, bank: number, addr: number): number {
  return chip.reg(bank, addr) | (chip.reg(bank, addr + 1) << 8);
}

export interface RingPacket {
  at: number;
  next: number;
  /** RSV byte count: DA..FCS. */
  count: number;
  /** RSV bits 31:16 (bit 23 "received OK" is 0x0080). */
  status: number;
}

/** The receive ring's last byte (ERXND) as the driver set it; ERXST is 0 (errata #5). */
export function ringEnd(chip: Enc28j60): number {
  return reg16(chip, 0, 0x0a);
}

/** Where the driver reads next: just after ERXRDPT (it frees up to next-1, errata #14). */
export function driverNextPacket(chip: Enc28j60): number {
  const rd = reg16(chip, 0, 0x0c);
  return rd === ringEnd(chip) ? 0 : rd + 1;
}

/**
 * The packets the model has stored and the driver not yet taken (EPKTCNT of them, bank 1 0x19),
 * walked by next pointers from where the driver reads next.
 */
export function ringPackets(chip: Enc28j60): RingPacket[] {
  const b = chip.buffer;
  const size = ringEnd(chip) + 1;
  const byte = (at: number, i: number) => b[(at + i) % size];
  const packets: RingPacket[] = [];
  let at = driverNextPacket(chip);
  for (let i = 0; i < chip.reg(1, 0x19); i++) {
    const next = byte(at, 0) | (byte(at, 1) << 8);
    packets.push({ at, next, count: byte(at, 2) | (byte(at, 3) << 8), status: byte(at, 4) | (byte(at, 5) << 8) });
    at = next;
  }
  return packets;
}
