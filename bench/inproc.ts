// In-process throughput: request/response exchanges, one at a time, no impairments.
//
// Two ways of driving the same release module:
// - "module only": the module instantiated here with our own imports; frames go in with
//   rx_buffer()+rx() and come out of nic_tx, copied straight into the peer's rx buffer.
//   Everything runs synchronously, so this is the module's own cost plus one copy per frame.
// - "Stack + wire": host/runtime.ts Stacks on host/nic/wire.ts with a VirtualClock, UDP
//   through host/api.ts: what the simulator and the API cost on top of the module.
import { readFileSync } from 'node:fs';
import { createSocket } from '../host/api.ts';
import type { NetstackExports, Profile } from '../host/abi.ts';
import { parseCidr, parseIpv4, parseMac } from '../host/addr.ts';
import { VirtualClock, Wire } from '../host/nic/wire.ts';
import { Stack, wasmPath } from '../host/runtime.ts';
import { arpRequestFrame, echoRequestFrame, parseFrame, type Host } from '../tests/sim/frames.ts';
import { noSpiImports } from '../host/spi/bus.ts';

export interface Rate {
  name: string;
  exchanges: number;
  frames: number;
  seconds: number;
  /** Anything off (lost replies, unexpected frames), empty if none. */
  notes: string[];
}

const A = { mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24' };
const B = { mac: '02:00:00:00:00:0b', cidr: '192.0.2.2/24' };
const RAW: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };
const HOST_A: Host = { mac: A.mac, ip: '192.0.2.1' };
const ECHO_PORT = 7;
/** Like ping's default 56 data bytes; the UDP payload is the same size. */
const PAYLOAD_BYTES = 56;
const WARMUP = 2_000;
const POLL_EVERY = 1024;

const payload = Uint8Array.from({ length: PAYLOAD_BYTES }, (_, i) => i);
const nowMs = () => Math.floor(performance.now()) >>> 0;

/** A module instance wired to at most one peer, frames handed over synchronously. */
class Direct {
  readonly ex: NetstackExports;
  peer: Direct | null = null;
  /** Called for every frame the module sends (after it went to the peer, if any). */
  onTx: (bytes: Uint8Array, ptr: number, len: number) => void = () => {};
  sent = 0;
  /** Length of a frame waiting in our rx buffer (0 = none); more wait as copies. */
  private pending = 0;
  private readonly backlog: Uint8Array[] = [];

  private constructor(ex: NetstackExports) {
    this.ex = ex;
  }

  static async load(profile: Profile): Promise<Direct> {
    let self: Direct | null = null;
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath(profile)), {
      hal: { nic_tx: (_i: number, ptr: number, len: number) => self!.tx(ptr, len), log: () => {}, random: () => 0x1234567, ...noSpiImports },
      env: { abort: () => { throw new Error('netstack module abort'); } },
    });
    self = new Direct(instance.exports as unknown as NetstackExports);
    return self;
  }

  get bytes(): Uint8Array {
    // A fresh view each time would allocate; the memory never grows (static layout), so cache it.
    return (this.cached ??= new Uint8Array(this.ex.memory.buffer));
  }
  private cached: Uint8Array | undefined;

  configure(mac: string, cidr: string): void {
    const [hi, lo] = parseMac(mac);
    const { addr, prefix } = parseCidr(cidr);
    this.ex.poll(nowMs());
    if (this.ex.iface_set_mac(0, hi, lo) < 0 || this.ex.iface_set_ipv4(0, addr, prefix, 0) < 0 || this.ex.iface_up(0) < 0) {
      throw new Error('bench: interface configuration failed');
    }
  }

  /** Hands one frame to the module (a copy into its rx buffer, as every host does). */
  inject(frame: Uint8Array): void {
    this.bytes.set(frame, this.ex.rx_buffer(0));
    this.ex.rx(0, frame.length);
  }

  /** Delivers everything queued for this module and, through it, for its peer. */
  pump(): void {
    for (let guard = 0; guard < 64; guard++) {
      const target = this.pending ? this : this.peer?.pending ? this.peer : null;
      if (!target) return;
      const len = target.pending;
      target.pending = 0;
      target.ex.rx(0, len);
      const next = target.backlog.shift();
      if (next) {
        target.bytes.set(next, target.ex.rx_buffer(0));
        target.pending = next.length;
      }
    }
    throw new Error('bench: frames keep bouncing between the two modules');
  }

  private tx(ptr: number, len: number): number {
    this.sent++;
    const peer = this.peer;
    if (peer) {
      if (peer.pending === 0) {
        peer.bytes.set(this.bytes.subarray(ptr, ptr + len), peer.ex.rx_buffer(0));
        peer.pending = len;
      } else peer.backlog.push(this.bytes.slice(ptr, ptr + len));
    }
    this.onTx(this.bytes, ptr, len);
    return 0;
  }
}

/** (a) module only: a scripted host pings the module; replies are counted in nic_tx. */
export async function pingModuleOnly(profile: Profile, count: number): Promise<Rate> {
  const m = await Direct.load(profile);
  m.configure(A.mac, A.cidr);
  // RFC 826: the module learns the raw host from its ARP request, so replies need no ARP round.
  m.inject(arpRequestFrame(RAW.mac, RAW.ip, HOST_A.ip));
  // Distinct sequence numbers, built up front so the timed loop only copies.
  const frames = Array.from({ length: 1024 }, (_, i) => echoRequestFrame(RAW, HOST_A, 0xbe, i, payload));
  let replies = 0;
  let first: Uint8Array | null = null;
  m.onTx = (bytes, ptr, len) => {
    // Ethernet type IPv4, protocol ICMP, type 0 (echo reply).
    if (bytes[ptr + 12] === 8 && bytes[ptr + 23] === 1 && bytes[ptr + 34] === 0) replies++;
    first ??= bytes.slice(ptr, ptr + len);
  };
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      if ((i & (POLL_EVERY - 1)) === 0) m.ex.poll(nowMs());
      m.inject(frames[i & 1023]);
    }
  };
  const notes: string[] = [];
  run(WARMUP);
  const f = parseFrame(first!);
  if (!f.icmp || f.icmp.type !== 0 || !f.icmp.checksumOk || !f.ipv4?.headerChecksumOk || f.dst !== RAW.mac) {
    notes.push(`first reply is not a valid echo reply to the raw host: ${JSON.stringify({ dst: f.dst, icmp: f.icmp?.type })}`);
  }
  replies = 0;
  const start = performance.now();
  run(count);
  const seconds = (performance.now() - start) / 1000;
  if (replies !== count) notes.push(`${count - replies} of ${count} echo requests unanswered`);
  return { name: 'ping, module only', exchanges: replies, frames: count + replies, seconds, notes };
}

/** (b) module only: A's socket sends to B's echo service and reads the reply, one at a time. */
export async function udpModuleOnly(profile: Profile, count: number): Promise<Rate> {
  const a = await Direct.load(profile);
  const b = await Direct.load(profile);
  a.peer = b;
  b.peer = a;
  a.configure(A.mac, A.cidr);
  b.configure(B.mac, B.cidr);
  a.pump(); // the gratuitous ARPs
  if (b.ex.service_udp_echo(ECHO_PORT) < 0) throw new Error('bench: echo service did not start');
  const handle = a.ex.udp_open();
  if (handle < 0 || a.ex.udp_bind(handle, 0, 0) < 0) throw new Error('bench: udp socket failed');
  const dst = parseIpv4(B.cidr.split('/')[0]);
  const io = a.ex.io_buffer();
  let lost = 0;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      if ((i & (POLL_EVERY - 1)) === 0) {
        a.ex.poll(nowMs());
        b.ex.poll(nowMs());
      }
      a.bytes.set(payload, io);
      if (a.ex.udp_sendto(handle, dst, ECHO_PORT, PAYLOAD_BYTES) !== PAYLOAD_BYTES) throw new Error('bench: udp_sendto failed');
      a.pump();
      if (a.ex.udp_recvfrom(handle) !== PAYLOAD_BYTES) lost++;
    }
  };
  run(WARMUP); // the first datagram also resolves B's address
  const notes: string[] = [];
  if (lost > 1) notes.push(`${lost} of ${WARMUP} warm-up echoes missing`);
  lost = 0;
  const framesBefore = a.sent + b.sent;
  const start = performance.now();
  run(count);
  const seconds = (performance.now() - start) / 1000;
  const frames = a.sent + b.sent - framesBefore;
  if (lost) notes.push(`${lost} of ${count} echoes missing`);
  if (frames !== 2 * count) notes.push(`${frames} frames for ${count} exchanges (expected ${2 * count})`);
  return { name: 'UDP echo, module only', exchanges: count - lost, frames, seconds, notes };
}

async function wireStack(wire: Wire, clock: VirtualClock, profile: Profile, mac: string, cidr: string) {
  const stack = await Stack.load({ profile, seed: 7, clock, log: () => {} });
  const nic = wire.endpoint(cidr);
  stack.attach(0, nic);
  stack.configure(0, { mac, ip: cidr });
  stack.up(0);
  stack.start();
  return { stack, nic };
}

/**
 * Runs the exchange loop on the virtual clock in chunks: the chain of zero-delay timers is
 * synchronous, so between chunks we advance 1 ms (so the clock's same-instant guard never
 * trips) and yield to the event loop (api.ts reports sends on process.nextTick).
 */
async function drive(clock: VirtualClock, done: () => number, total: number): Promise<void> {
  for (let target = Math.min(1000, total); ; target = Math.min(target + 1000, total)) {
    if (!clock.runUntil(() => done() >= target, 5_000)) throw new Error(`bench: stalled at ${done()} of ${total} exchanges`);
    if (target === total) return;
    clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** (a) through Stack + wire: a raw wire endpoint pings a Stack, next request on each reply. */
export async function pingStackWire(profile: Profile, count: number): Promise<Rate> {
  const clock = new VirtualClock(1_000);
  const wire = new Wire(clock, { seed: 1 });
  const raw = wire.endpoint('raw');
  const { nic } = await wireStack(wire, clock, profile, A.mac, A.cidr);
  const frames = Array.from({ length: 1024 }, (_, i) => echoRequestFrame(RAW, HOST_A, 0xbe, i, payload));
  let replies = 0;
  let limit = 0;
  raw.onFrame = (bytes) => {
    if (bytes[12] !== 8 || bytes[23] !== 1 || bytes[34] !== 0) return;
    replies++;
    if (replies < limit) raw.send(frames[replies & 1023]);
  };
  raw.send(arpRequestFrame(RAW.mac, RAW.ip, HOST_A.ip));
  clock.advance(1);
  const run = async (n: number) => {
    replies = 0;
    limit = n;
    raw.send(frames[0]);
    await drive(clock, () => replies, n);
  };
  await run(WARMUP);
  const sentBefore = raw.sent + nic.sent;
  const start = performance.now();
  await run(count);
  const seconds = (performance.now() - start) / 1000;
  return { name: 'ping, Stack + wire', exchanges: replies, frames: raw.sent + nic.sent - sentBefore, seconds, notes: [] };
}

/** (b) through Stack + wire + api.ts: a dgram-style socket on A, the echo service on B. */
export async function udpStackWire(profile: Profile, count: number): Promise<Rate> {
  const clock = new VirtualClock(1_000);
  const wire = new Wire(clock, { seed: 1 });
  const a = await wireStack(wire, clock, profile, A.mac, A.cidr);
  const b = await wireStack(wire, clock, profile, B.mac, B.cidr);
  if (b.stack.exports.service_udp_echo(ECHO_PORT) < 0) throw new Error('bench: echo service did not start');
  clock.advance(1);
  const socket = createSocket(a.stack);
  const target = B.cidr.split('/')[0];
  const errors: string[] = [];
  socket.on('error', (e: Error) => errors.push(e.message));
  let got = 0;
  let limit = 0;
  socket.on('message', () => {
    got++;
    if (got < limit) socket.send(payload, ECHO_PORT, target);
  });
  const run = async (n: number) => {
    got = 0;
    limit = n;
    socket.send(payload, ECHO_PORT, target);
    await drive(clock, () => got, n);
  };
  await run(WARMUP);
  const sentBefore = a.nic.sent + b.nic.sent;
  const start = performance.now();
  await run(count);
  const seconds = (performance.now() - start) / 1000;
  socket.close();
  const notes = errors.length ? [`socket errors: ${[...new Set(errors)].join('; ')}`] : [];
  return { name: 'UDP echo, Stack + wire + api', exchanges: got, frames: a.nic.sent + b.nic.sent - sentBefore, seconds, notes };
}
