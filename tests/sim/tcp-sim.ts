// Shared set-up for the TCP simulation suites: two debug stacks on the in-memory wire, an
// async driver that fires the virtual clock's timers one at a time and lets Node's stream
// machinery (which defers through process.nextTick) run in between, and payload helpers.
import { createHash } from 'node:crypto';
import type { Profile } from '../../host/abi.ts';
import type { Socket } from '../../host/net.ts';
import type { Wire, WireOptions } from '../../host/nic/wire.ts';
import { VirtualClock } from '../../host/nic/wire.ts';
import { makeRandom } from '../../host/runtime.ts';
import { arpRequestFrame, ethernet, parseFrame, ETHERTYPE_IPV4, internetChecksum, ipBytes, ipv4, type Host, type ParsedFrame } from './frames.ts';
import { addNode, RawHost, simulation } from './harness.ts';

export const A = { name: 'A', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 31 };
export const B = { name: 'B', mac: '02:00:00:00:00:0b', cidr: '192.0.2.2/24', seed: 32 };
export const RAW: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };
export const A_IP = '192.0.2.1';
export const B_IP = '192.0.2.2';

export interface PairOptions extends WireOptions {
  profile?: Profile;
  /** Also put a scripted raw host on the wire. */
  raw?: boolean;
}

/**
 * Stacks A (192.0.2.1) and B (192.0.2.2) on one wire, optionally with a raw host. The wire
 * delays every frame by 1 ms (unless told otherwise), so a busy connection moves the clock.
 */
export async function pair(options: PairOptions = {}) {
  const { profile, raw: withRaw, ...wireOptions } = options;
  const { clock, wire } = simulation({ delayMs: 1, ...wireOptions });
  const raw = withRaw ? new RawHost(wire, clock, RAW) : null;
  const a = await addNode(wire, clock, { ...A, profile });
  const b = await addNode(wire, clock, { ...B, profile });
  if (raw) {
    // Introduce the raw host (a request's target learns the sender) so no ARP round is needed.
    raw.send(arpRequestFrame(RAW.mac, RAW.ip, A_IP));
    raw.send(arpRequestFrame(RAW.mac, RAW.ip, B_IP));
  }
  clock.advance(10);
  if (raw) raw.heard.length = 0;
  return { clock, wire, raw, a, b };
}

/**
 * Fires the clock's timers one at a time until done() holds or limitMs of virtual time pass,
 * yielding to the event loop after each so nextTick-deferred stream work runs at the virtual
 * instant it was caused. The clock jumps to each next deadline, so long virtual waits are cheap.
 */
export async function run(clock: VirtualClock, done: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = clock.now() + limitMs;
  for (;;) {
    await new Promise(setImmediate);
    if (done()) return true;
    const remaining = deadline - clock.now();
    if (remaining <= 0) return false;
    let fired = 0;
    clock.runUntil(() => fired++ > 0, remaining);
  }
}

/** Lets deferred stream work run without moving the clock. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise(setImmediate);
}

/** Deterministic pseudo-random bytes. */
export function payload(length: number, seed: number): Buffer {
  const random = makeRandom(seed);
  const bytes = Buffer.alloc(length);
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = random();
  for (let i = words.length * 4; i < length; i++) bytes[i] = random() & 0xff;
  return bytes;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What a socket received: byte count, running SHA-256, end of stream, errors, close. */
export class Sink {
  bytes = 0;
  ended = false;
  closed = false;
  error: (Error & { code?: string }) | null = null;
  private readonly hash = createHash('sha256');
  readonly kept: Buffer[] = [];

  constructor(
    socket: Socket,
    private readonly keep = false,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.hash.update(chunk);
      if (this.keep) this.kept.push(chunk);
    });
    socket.on('end', () => (this.ended = true));
    socket.on('error', (error) => (this.error = error));
    socket.on('close', () => (this.closed = true));
  }

  digest(): string {
    return this.hash.copy().digest('hex');
  }

  text(): string {
    return Buffer.concat(this.kept).toString();
  }
}

/**
 * Writes data in chunks, honouring back-pressure (waits for 'drain' when write() says so),
 * then ends the socket unless told not to. Returns a state object the test can poll.
 */
export function writeAll(socket: Socket, data: Uint8Array, options: { chunk?: number; end?: boolean } = {}) {
  const chunk = options.chunk ?? 65536;
  const state = { written: 0, done: false, drains: 0 };
  const next = () => {
    while (state.written < data.length) {
      const piece = data.subarray(state.written, Math.min(data.length, state.written + chunk));
      state.written += piece.length;
      if (!socket.write(piece)) {
        state.drains++;
        socket.once('drain', next);
        return;
      }
    }
    state.done = true;
    if (options.end !== false) socket.end();
  };
  next();
  return state;
}

export { VirtualClock };

export const PROTO_TCP = 6;
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  checksumOk: boolean;
  /** Option bytes as sent. */
  options: Uint8Array;
  data: Uint8Array;
}

/** The TCP segment in a parsed frame, if it carries one (independent of the module's wire/ code). */
export function tcpOf(frame: ParsedFrame): TcpSegment | null {
  const ip = frame.ipv4;
  if (!ip || ip.protocol !== PROTO_TCP || ip.payload.length < 20) return null;
  const p = ip.payload;
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const headerBytes = (p[12] >> 4) * 4;
  return {
    srcPort: view.getUint16(0),
    dstPort: view.getUint16(2),
    seq: view.getUint32(4),
    ack: view.getUint32(8),
    flags: p[13],
    window: view.getUint16(14),
    checksumOk: internetChecksum(tcpPseudoHeader(ip.src, ip.dst, p.length), p) === 0,
    options: p.subarray(20, headerBytes),
    data: p.subarray(headerBytes),
  };
}

function tcpPseudoHeader(src: string, dst: string, length: number): Uint8Array {
  const header = new Uint8Array(12);
  header.set(ipBytes(src), 0);
  header.set(ipBytes(dst), 4);
  header[9] = PROTO_TCP;
  header[10] = length >> 8;
  header[11] = length & 0xff;
  return header;
}

export interface SegmentFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  /** Raw option bytes (padded by the caller to a multiple of 4 unless testing bad offsets). */
  options?: Uint8Array;
  data?: Uint8Array;
  /** Override the data offset nibble (in 32-bit words) to build malformed headers. */
  dataOffsetWords?: number;
}

/** A TCP segment with a correct checksum. */
export function tcpSegment(src: string, dst: string, fields: SegmentFields): Uint8Array {
  const options = fields.options ?? new Uint8Array(0);
  const data = fields.data ?? new Uint8Array(0);
  const segment = new Uint8Array(20 + options.length + data.length);
  const view = new DataView(segment.buffer);
  view.setUint16(0, fields.srcPort);
  view.setUint16(2, fields.dstPort);
  view.setUint32(4, fields.seq >>> 0);
  view.setUint32(8, (fields.ack ?? 0) >>> 0);
  segment[12] = (fields.dataOffsetWords ?? (20 + options.length) / 4) << 4;
  segment[13] = fields.flags;
  view.setUint16(14, fields.window ?? 65535);
  segment.set(options, 20);
  segment.set(data, 20 + options.length);
  view.setUint16(16, internetChecksum(tcpPseudoHeader(src, dst, segment.length), segment));
  return segment;
}

export function tcpFrame(from: Host, to: Host, fields: SegmentFields): Uint8Array {
  return ethernet(to.mac, from.mac, ETHERTYPE_IPV4, ipv4(from.ip, to.ip, PROTO_TCP, tcpSegment(from.ip, to.ip, fields)));
}

/** MSS option (kind 2), 4 bytes. */
export function mssOption(mss: number): Uint8Array {
  return Uint8Array.of(2, 4, mss >> 8, mss & 0xff);
}

/** Every TCP segment sent on the wire (before impairments), with who sent it and when. */
export function recordSegments(wire: Wire, clock: VirtualClock) {
  const seen: (TcpSegment & { from: string; at: number; src: string })[] = [];
  wire.monitors.add((from, bytes) => {
    const frame = parseFrameLazy(bytes);
    const tcp = frame && tcpOf(frame);
    if (tcp) seen.push({ ...tcp, from: from.name, at: clock.now(), src: frame.ipv4!.src });
  });
  return seen;
}

function parseFrameLazy(bytes: Uint8Array): ParsedFrame | null {
  // Cheap pre-filter: IPv4 carrying TCP.
  if (bytes.length < 34 || bytes[12] !== 0x08 || bytes[13] !== 0x00 || bytes[23] !== PROTO_TCP) return null;
  return parseFrame(bytes);
}
