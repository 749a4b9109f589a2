// `npm run bench:enc28j60` (also a section of `npm run bench`): the ENC28J60 figures of issue 4,
// in simulation. The module drives the register-level chip model over the virtual SPI bus at
// 20 and 8 MHz; the peer is a second module on a frame nic across a 10 Mbit/s full-duplex wire;
// one VirtualClock runs both, kept at chip time (bench/enc28j60-rig.ts). So the figures are what
// a board would see with an infinitely fast MCU: the SPI + wire bound, not the desktop's speed.
//
// Per SPI clock: UDP 1472-byte datagrams into the ENC stack (the peer fills the line) and out of
// it (the ENC stack's application sends back to back); TCP into the ENC stack's discard service
// and out of its chargen service. Goodput = payload bits / simulated time. Then SPI bytes per
// frame beyond the frame itself, with the idle polling measured on its own, and module sizes.
// Prints figures only, never asserts.
import { pathToFileURL } from 'node:url';
import { PROFILES, type Profile } from '../host/abi.ts';
import { parseIpv4 } from '../host/addr.ts';
import { CHARGEN_PORT, DISCARD_PORT, ENC, PEER, Rig, tallyDelta, wireMs, type RigOptions, type SpiTally } from './enc28j60-rig.ts';
import { measureSize } from './size.ts';

/** SPI clocks measured: the chip's maximum and a common slower MCU setting. */
export const SPI_HZ = [20_000_000, 8_000_000];
const UDP_PAYLOAD = 1472;
const UDP_PORT = 5001;
/** How far ahead of the line the flooding peer queues frames (ms). */
const UDP_BACKLOG_MS = 50;
const UDP_BYTES = 2_000_000;
const TCP_BYTES = 3_000_000;
/** Tiny (2 KiB windows) is slow by design: a smaller transfer tells as much. */
const TINY_TCP_BYTES = 500_000;
const IDLE_MS = 2_000;
/** Simulated-time bound on one flow (a stall must not hang the bench). */
const FLOW_LIMIT_MS = 60_000;
const LINE_MBPS = 10;
/** Ethernet frame 1514 + FCS 4 + preamble 8 + IFG 12 = 1538 wire bytes per full segment. */
const TCP_CEILING_MBPS = (1460 / 1538) * LINE_MBPS;
const UDP_CEILING_MBPS = (UDP_PAYLOAD / 1538) * LINE_MBPS;
/** Counters that point at trouble in either stack. */
const TROUBLE = /retransmit|rto|rst|drop|not_acceptable|out_of_order|timed_out|reset|no_buffer|failed|full|probe|overflow|bad|timeout|error/;

export type FlowKind = 'udp-in' | 'udp-out' | 'tcp-in' | 'tcp-out';

const FLOW_TITLE: Record<FlowKind, string> = {
  'udp-in': 'UDP peer -> ENC',
  'udp-out': 'UDP ENC -> peer',
  'tcp-in': 'TCP peer -> ENC discard',
  'tcp-out': 'TCP ENC chargen -> peer',
};

export interface EncFlow {
  kind: FlowKind;
  profile: Profile;
  spiHz: number;
  /** The INT pin wakes the module (else it polls the chip every 1 ms). */
  interrupt: boolean;
  /** Payload delivered, and simulated time from the first byte offered to the last delivered. */
  bytes: number;
  ms: number;
  mbps: number;
  /** Frames the chip received / sent during the flow (model stats), and the SPI traffic. */
  chipRx: number;
  chipTx: number;
  spi: SpiTally;
  /** Datagrams offered and delivered (to the ENC stack's UDP layer, or to the peer's socket). */
  offered?: number;
  delivered?: number;
  /** UDP in: what the application read from its socket (bytes and goodput stay the UDP layer's). */
  socket?: { bytes: number; mbps: number };
  trouble: Record<string, number>;
  notes: string[];
  wallMs: number;
}

export interface IdleRate {
  spiHz: number;
  interrupt: boolean;
  bytesPerMs: number;
  commandsPerMs: number;
}

function troubleOf(rig: Rig): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [who, stack] of [['enc', rig.enc], ['peer', rig.peer]] as const) {
    for (const [name, value] of Object.entries(stack.counters())) if (value && TROUBLE.test(name)) out[`${who}.${name}`] = value;
  }
  for (const [name, value] of Object.entries(rig.chip.stats)) if (value && /Dropped|Full|Giant|Aborts/.test(name)) out[`chip.${name}`] = value;
  return out;
}

/** What a flow measures between two instants: SPI traffic and the chip's frame counts. */
class Window {
  private readonly spi: SpiTally;
  private readonly rx: number;
  private readonly tx: number;
  private readonly wallStart = performance.now();

  constructor(private readonly rig: Rig) {
    this.spi = rig.tally();
    this.rx = rig.chip.stats.rxAccepted;
    this.tx = rig.chip.stats.txFrames;
  }

  close(kind: FlowKind, bytes: number, ms: number, extra: Partial<EncFlow> = {}): EncFlow {
    const { rig } = this;
    const notes = extra.notes ?? [];
    if (rig.chip.warnings.length) notes.push(`model warnings: ${JSON.stringify(rig.chip.warningCounts)}`);
    return {
      kind, profile: rig.options.profile, spiHz: rig.options.spiHz, interrupt: rig.options.interrupt ?? false, bytes, ms, mbps: (bytes * 8) / ms / 1000,
      chipRx: rig.chip.stats.rxAccepted - this.rx, chipTx: rig.chip.stats.txFrames - this.tx,
      spi: tallyDelta(rig.tally(), this.spi), trouble: troubleOf(rig), wallMs: performance.now() - this.wallStart,
      ...extra, notes,
    };
  }
}

/** The peer fills the line with datagrams to a socket on the ENC stack, which drains it after every poll. */
export async function udpIn(options: RigOptions, total: number): Promise<EncFlow> {
  const rig = await Rig.create(options);
  const enc = rig.enc.exports;
  const peer = rig.peer.exports;
  const sock = enc.udp_open();
  if (sock < 0 || enc.udp_bind(sock, 0, UDP_PORT) < 0) throw new Error('bench: udp_bind on the ENC stack failed');
  const udpRx = rig.counter(rig.enc, 'udp_rx');
  let bytes = 0;
  let datagrams = 0;
  let lastMs = 0;
  let reached = 0;
  let reachedMs = 0;
  // The application: drains the socket after every poll (it cannot run inside one).
  rig.enc.afterPoll.add(() => {
    for (let n = enc.udp_recvfrom(sock); n >= 0; n = enc.udp_recvfrom(sock)) {
      bytes += n;
      datagrams++;
      lastMs = rig.chipMs;
    }
    if (udpRx() !== reached) {
      reached = udpRx();
      reachedMs = rig.chipMs;
    }
  });
  const out = peer.udp_open();
  const to = parseIpv4(ENC.ip);
  peer.udp_sendto(out, to, UDP_PORT, UDP_PAYLOAD); // resolves ARP both ways
  rig.peer.kick();
  rig.advance(50);
  bytes = datagrams = 0;
  const reachedBefore = udpRx();

  const count = Math.ceil(total / UDP_PAYLOAD);
  const window = new Window(rig);
  const startMs = Math.max(rig.nowMs, rig.line.rxFreeAtMs);
  const frameMs = wireMs(UDP_PAYLOAD + 42);
  let sent = 0;
  // The peer keeps UDP_BACKLOG_MS of frames queued ahead of the line (its qdisc), so the line
  // never idles even while the clock stands still through a long call into the ENC module.
  rig.advanceUntil(() => sent >= count, FLOW_LIMIT_MS, () => {
    while (sent < count && startMs + sent * frameMs < rig.nowMs + UDP_BACKLOG_MS) {
      if (peer.udp_sendto(out, to, UDP_PORT, UDP_PAYLOAD) !== UDP_PAYLOAD) throw new Error('bench: peer udp_sendto failed');
      sent++;
    }
  });
  rig.advance(rig.line.rxFreeAtMs - rig.nowMs + 50); // the line, the ring and the last polls drain
  const toStack = (reached - reachedBefore) * UDP_PAYLOAD;
  const flow = window.close('udp-in', toStack, reachedMs - startMs, {
    offered: sent, delivered: reached - reachedBefore,
    socket: { bytes, mbps: (bytes * 8) / (lastMs - startMs) / 1000 },
  });
  rig.close();
  return flow;
}

/** The ENC stack's application sends datagrams back to back; the peer counts what arrives. */
export async function udpOut(options: RigOptions, total: number): Promise<EncFlow> {
  const rig = await Rig.create(options);
  const enc = rig.enc.exports;
  const peer = rig.peer.exports;
  const sock = peer.udp_open();
  if (sock < 0 || peer.udp_bind(sock, 0, UDP_PORT) < 0) throw new Error('bench: udp_bind on the peer failed');
  let bytes = 0;
  let datagrams = 0;
  let lastMs = 0;
  rig.peer.afterPoll.add(() => {
    for (let n = peer.udp_recvfrom(sock); n >= 0; n = peer.udp_recvfrom(sock)) {
      bytes += n;
      datagrams++;
      lastMs = rig.nowMs;
    }
  });
  const out = enc.udp_open();
  const to = parseIpv4(PEER.ip);
  enc.udp_sendto(out, to, UDP_PORT, UDP_PAYLOAD);
  rig.advance(50);
  bytes = datagrams = 0;

  const count = Math.ceil(total / UDP_PAYLOAD);
  const window = new Window(rig);
  const startMs = rig.chipMs;
  let sent = 0;
  // One datagram per step: each sendto first waits (in chip time) for the frame before it.
  rig.advanceUntil(() => sent >= count, FLOW_LIMIT_MS, () => {
    enc.udp_sendto(out, to, UDP_PORT, UDP_PAYLOAD);
    sent++;
  });
  rig.advance(50);
  const flow = window.close('udp-out', bytes, lastMs - startMs, { offered: sent, delivered: datagrams });
  rig.close();
  return flow;
}

/** The peer writes `total` bytes into the ENC stack's discard service and shuts down; done when
 *  the ENC stack has acknowledged every byte and the FIN. */
export async function tcpIn(options: RigOptions, total: number): Promise<EncFlow> {
  const rig = await Rig.create(options);
  const peer = rig.peer.exports;
  const h = rig.connect(DISCARD_PORT);
  const io = peer.io_buffer();
  const ioBytes = peer.io_buffer_size();
  new Uint8Array(peer.memory.buffer, io, ioBytes).fill(0x61);
  const window = new Window(rig);
  const startMs = rig.nowMs;
  let sent = 0;
  let shut = false;
  const fill = () => {
    while (sent < total) {
      const n = peer.tcp_send(h, Math.min(ioBytes, total - sent));
      if (n <= 0) break;
      sent += n;
    }
    if (sent >= total && !shut) {
      peer.tcp_shutdown(h);
      shut = true;
    }
  };
  rig.peer.afterPoll.add(fill); // refill as soon as an ACK opens the window
  const done = rig.advanceUntil(() => shut && rig.peerFinAcked(h), FLOW_LIMIT_MS, () => {
    fill();
    rig.peer.kick();
  });
  const flow = window.close('tcp-in', sent, rig.nowMs - startMs, {
    notes: done ? [] : [`stopped at the ${FLOW_LIMIT_MS / 1000} s bound with ${sent} of ${total} bytes written`],
  });
  rig.close();
  return flow;
}

/** The peer reads `total` bytes from the ENC stack's chargen service, reading after every poll. */
export async function tcpOut(options: RigOptions, total: number): Promise<EncFlow> {
  const rig = await Rig.create(options);
  const peer = rig.peer.exports;
  const h = rig.connect(CHARGEN_PORT);
  const window = new Window(rig);
  const startMs = rig.nowMs;
  let got = 0;
  let doneMs = 0;
  const read = () => {
    for (let n = peer.tcp_recv(h); n > 0 && got < total; n = peer.tcp_recv(h)) {
      got += n;
      if (got >= total) doneMs = rig.nowMs;
    }
  };
  rig.peer.afterPoll.add(read);
  const done = rig.advanceUntil(() => got >= total, FLOW_LIMIT_MS, read);
  const flow = window.close('tcp-out', Math.min(got, total), (done ? doneMs : rig.nowMs) - startMs, {
    notes: done ? [] : [`stopped at the ${FLOW_LIMIT_MS / 1000} s bound with ${got} of ${total} bytes read`],
  });
  peer.tcp_abort(h);
  rig.close();
  return flow;
}

/** SPI traffic with no frames at all, per ms of simulated time. */
async function idleRate(spiHz: number, interrupt: boolean): Promise<IdleRate> {
  const rig = await Rig.create({ profile: 'default', spiHz, interrupt });
  const before = rig.tally();
  const startMs = rig.nowMs;
  rig.advance(IDLE_MS);
  const d = tallyDelta(rig.tally(), before);
  const ms = rig.nowMs - startMs;
  rig.close();
  return { spiHz, interrupt, bytesPerMs: d.bytes / ms, commandsPerMs: d.commands / ms };
}

// ---- Report ----

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mhz = (hz: number) => `${hz / 1e6} MHz`;
const flowName = (f: EncFlow) => `${FLOW_TITLE[f.kind]} [${f.profile}${f.interrupt ? ', INT' : ''}]`;

/** Per-frame SPI overhead of a flow, with the idle polling of its duration taken out. */
export function overhead(f: EncFlow, idle: IdleRate | undefined) {
  const s = f.spi;
  const frames = s.rxFrames + s.txFrames;
  const frameBytes = s.rxFrameBytes + s.txFrameBytes;
  const idleBytes = idle ? idle.bytesPerMs * f.ms : 0;
  const idleCommands = idle ? idle.commandsPerMs * f.ms : 0;
  return {
    frames,
    grossBytes: (s.bytes - frameBytes) / frames,
    netBytes: (s.bytes - frameBytes - s.txWaitBytes - idleBytes) / frames,
    grossCommands: s.commands / frames,
    netCommands: (s.commands - s.txWaitCommands - idleCommands) / frames,
    waitBytesPerTx: s.txFrames ? s.txWaitBytes / s.txFrames : 0,
    busBusy: (s.bytes * 8) / f.spiHz / (f.ms / 1000),
  };
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

export function flowTable(flows: EncFlow[], idle: IdleRate[]): string[] {
  const header = ['SPI', 'flow [profile]', 'Mbit/s', '% ceil', 'MB in sim s', 'frames rx/tx', 'SPI busy', 'net B/fr', 'cmds/fr', 'TXIF wait B/tx'];
  const rows = flows.map((f) => {
    const o = overhead(f, idle.find((i) => i.spiHz === f.spiHz && i.interrupt === f.interrupt));
    const ceiling = f.kind.startsWith('tcp') ? TCP_CEILING_MBPS : UDP_CEILING_MBPS;
    return [
      mhz(f.spiHz), flowName(f), fmt(f.mbps, 2), fmt((f.mbps / ceiling) * 100, 1), `${fmt(f.bytes / 1e6, 2)} in ${fmt(f.ms / 1000, 2)}`,
      `${fmt(f.chipRx)}/${fmt(f.chipTx)}`, `${fmt(o.busBusy * 100, 0)}%`, fmt(o.netBytes, 1), fmt(o.netCommands, 1), fmt(o.waitBytesPerTx, 0),
    ];
  });
  return table(header, rows);
}

export const ENC_NOTES = [
  `line 10 Mbit/s full duplex; % ceil = against the flow's ceiling: UDP ${fmt(UDP_CEILING_MBPS, 2)} Mbit/s (1472/1538 x 10), TCP ${fmt(TCP_CEILING_MBPS, 2)} Mbit/s (1460/1538 x 10)`,
  'time = chip time (SPI bytes at 8/f s, MII cycles, wire 0.8 us/byte incl. FCS+preamble+IFG); the MCU\'s CPU time is NOT modelled: figures are the SPI + wire bound',
  'the driver polls the chip every 1 ms unless [INT]; UDP in = datagrams reaching the ENC stack\'s UDP layer while the peer keeps the line full (what the app read from its socket, drained after every poll, is noted when it differs); UDP out = sendto back to back',
  '[default] = 8 KiB TCP windows and buffers at both ends (the peer is a module of the same profile), [tiny] = 2 KiB; [INT] = the INT pin wakes the module, no 1 ms poll',
  'frames rx/tx = frames the chip accepted / sent; SPI busy = bus time / sim time, TXIF wait polls included',
  'net B/fr, cmds/fr = SPI bytes beyond the frame bytes (RX without FCS; TX without the control byte), and CS frames, per frame, less TXIF wait polls and idle polling (idle rate x duration); TXIF wait B/tx = runs of back-to-back EIR reads (the driver waiting for the frame before), per TX frame',
];

export interface EncBenchResult {
  flows: EncFlow[];
  idle: IdleRate[];
  sizes: { profile: Profile; wasmBytes: number; gzipBytes: number }[];
}

interface PlannedRun {
  kind: FlowKind;
  options: RigOptions;
  bytes: number;
}

const RUNS: Record<FlowKind, (options: RigOptions, total: number) => Promise<EncFlow>> = {
  'udp-in': udpIn, 'udp-out': udpOut, 'tcp-in': tcpIn, 'tcp-out': tcpOut,
};
const FLOW_KINDS = Object.keys(RUNS) as FlowKind[];
const flowBytes = (kind: FlowKind, profile: Profile) => (kind.startsWith('udp') ? UDP_BYTES : profile === 'tiny' ? TINY_TCP_BYTES : TCP_BYTES);

/** Default profile polling at each SPI clock; then at 20 MHz the INT pin, and the tiny profile. */
export const PLAN: PlannedRun[] = [
  ...SPI_HZ.flatMap((spiHz) => FLOW_KINDS.map((kind) => ({ kind, options: { profile: 'default' as Profile, spiHz }, bytes: flowBytes(kind, 'default') }))),
  ...FLOW_KINDS.map((kind) => ({ kind, options: { profile: 'default' as Profile, spiHz: SPI_HZ[0], interrupt: true }, bytes: flowBytes(kind, 'default') })),
  ...FLOW_KINDS.map((kind) => ({ kind, options: { profile: 'tiny' as Profile, spiHz: SPI_HZ[0] }, bytes: flowBytes(kind, 'tiny') })),
];

export async function encBench(log: (line: string) => void = () => {}): Promise<EncBenchResult> {
  const idle: IdleRate[] = [];
  for (const spiHz of SPI_HZ) idle.push(await idleRate(spiHz, false));
  idle.push(await idleRate(SPI_HZ[0], true));
  const flows: EncFlow[] = [];
  for (const run of PLAN) {
    flows.push(await RUNS[run.kind](run.options, run.bytes));
    log(flowTable([flows.at(-1)!], idle).at(-1)!);
  }
  const sizes = [];
  for (const profile of PROFILES) {
    const s = await measureSize(profile);
    sizes.push({ profile, wasmBytes: s.wasmBytes, gzipBytes: s.gzipBytes });
  }
  return { flows, idle, sizes };
}

/** The whole report: the flow table, idle polling, sizes, notes; then anything odd. */
const isBase = (f: EncFlow) => f.profile === 'default' && !f.interrupt;
const idleFor = (r: EncBenchResult, f: EncFlow) => r.idle.find((i) => i.spiHz === f.spiHz && i.interrupt === f.interrupt);

/** SPI cost per frame by direction, from the default-profile UDP runs (one direction each). */
export function overheadTable(r: EncBenchResult): string[] {
  const header = ['SPI', 'frames', 'gross B/fr', 'gross cmds/fr', 'TXIF wait B/fr', 'TXIF wait cmds/fr', 'net B/fr', 'net cmds/fr'];
  const rows: string[][] = [];
  for (const f of r.flows.filter((x) => isBase(x) && x.kind.startsWith('udp'))) {
    const o = overhead(f, idleFor(r, f));
    const tx = f.kind === 'udp-out';
    const n = tx ? f.spi.txFrames : f.spi.rxFrames;
    rows.push([
      mhz(f.spiHz), tx ? 'TX (UDP out)' : 'RX (UDP in)', fmt(o.grossBytes, 1), fmt(o.grossCommands, 1),
      fmt(f.spi.txWaitBytes / n, 0), fmt(f.spi.txWaitCommands / n, 0), fmt(o.netBytes, 1), fmt(o.netCommands, 1),
    ]);
  }
  return table(header, rows);
}

/** A few lines for bench/run.ts's summary block. */
export function encSummary(r: EncBenchResult): string[] {
  const pick = (spiHz: number, kind: FlowKind, match: (f: EncFlow) => boolean = isBase) =>
    r.flows.find((f) => f.spiHz === spiHz && f.kind === kind && match(f));
  const mb = (f: EncFlow | undefined) => (f ? fmt(f.mbps, 2) : 'n/a');
  const lines = [`ENC28J60 through the chip model (simulated chip time, SPI + wire bound, MCU CPU not modelled; default profile, 8 KiB windows, 1 ms polling; payload Mbit/s vs 10 line, TCP ceiling ${fmt(TCP_CEILING_MBPS, 2)}):`];
  for (const spiHz of SPI_HZ) {
    lines.push(`  ${mhz(spiHz).padEnd(7)} UDP in ${mb(pick(spiHz, 'udp-in'))}, UDP out ${mb(pick(spiHz, 'udp-out'))}, TCP in (discard) ${mb(pick(spiHz, 'tcp-in'))}, TCP out (chargen) ${mb(pick(spiHz, 'tcp-out'))}`);
  }
  const hz = SPI_HZ[0];
  const int = (f: EncFlow) => f.profile === 'default' && f.interrupt;
  const tiny = (f: EncFlow) => f.profile === 'tiny';
  lines.push(`  ${mhz(hz)} with the INT pin: UDP in/out ${mb(pick(hz, 'udp-in', int))}/${mb(pick(hz, 'udp-out', int))}, TCP in/out ${mb(pick(hz, 'tcp-in', int))}/${mb(pick(hz, 'tcp-out', int))}; ` +
    `tiny (2 KiB windows): UDP in/out ${mb(pick(hz, 'udp-in', tiny))}/${mb(pick(hz, 'udp-out', tiny))}, TCP in/out ${mb(pick(hz, 'tcp-in', tiny))}/${mb(pick(hz, 'tcp-out', tiny))}`);
  for (const f of r.flows.filter((x) => isBase(x) && x.kind.startsWith('udp'))) {
    const o = overhead(f, idleFor(r, f));
    const tx = f.kind === 'udp-out';
    const n = tx ? f.spi.txFrames : f.spi.rxFrames;
    lines.push(`  SPI per ${tx ? 'TX' : 'RX'} frame at ${mhz(f.spiHz)}: ${fmt(o.netBytes, 1)} B and ${fmt(o.netCommands, 1)} commands beyond the frame` +
      (tx ? ` (+ ${fmt(f.spi.txWaitBytes / n, 0)} B of TXIF wait polls)` : ''));
  }
  for (const f of r.flows.filter((x) => x.socket && x.socket.bytes !== x.bytes)) {
    lines.push(`  ${mhz(f.spiHz)} ${flowName(f)}: the application read only ${fmt(f.socket!.mbps, 2)} Mbit/s from its socket ` +
      `(udp_rx_ring_full ${fmt(f.trouble['enc.udp_rx_ring_full'] ?? 0)}: it reads after a poll, which can move up to NIC_RX_BUDGET frames into the socket's ring)`);
  }
  const poll = r.idle.find((i) => !i.interrupt);
  const intIdle = r.idle.find((i) => i.interrupt);
  if (poll && intIdle) lines.push(`  idle SPI: ${fmt(poll.bytesPerMs, 2)} B/ms polling every 1 ms, ${fmt(intIdle.bytesPerMs, 2)} B/ms with the INT pin (link poll only)`);
  lines.push(`  module size with the driver: ${r.sizes.map((s) => `${s.profile} ${fmt(s.wasmBytes)} B`).join(', ')} (release wasm)`);
  return lines;
}

export function encReport(r: EncBenchResult): string[] {
  const lines = flowTable(r.flows, r.idle);
  lines.push('', 'SPI per frame by direction (default profile, polling; net = without TXIF wait polls and idle polling):', ...overheadTable(r), '');
  for (const i of r.idle) {
    lines.push(`idle SPI (no frames), ${mhz(i.spiHz)}, ${i.interrupt ? 'INT pin (no 1 ms poll)' : 'polling every 1 ms'}: ` +
      `${fmt(i.bytesPerMs, 2)} B/ms, ${fmt(i.commandsPerMs, 2)} commands/ms (${fmt((i.bytesPerMs * 8e3 * 100) / i.spiHz, 2)}% of the bus)`);
  }
  lines.push(`module size with the driver (every profile links it; release, also in npm run size): ` +
    r.sizes.map((s) => `${s.profile} ${fmt(s.wasmBytes)} B (${fmt(s.gzipBytes)} gz)`).join(', '));
  for (const note of ENC_NOTES) lines.push(`- ${note}`);
  for (const f of r.flows) {
    const extra: string[] = [];
    if (f.offered !== undefined && f.delivered !== f.offered) extra.push(`${fmt(f.delivered ?? 0)} of ${fmt(f.offered)} datagrams reached UDP`);
    if (f.socket && f.socket.bytes !== f.bytes) {
      extra.push(`the application read ${fmt(f.socket.bytes / 1e6, 2)} MB = ${fmt(f.socket.mbps, 2)} Mbit/s from its socket`);
    }
    const trouble = Object.entries(f.trouble).map(([n, v]) => `${n}=${fmt(v)}`).join(' ');
    if (trouble) extra.push(`counters: ${trouble}`);
    extra.push(...f.notes);
    if (extra.length) lines.push(`  ${mhz(f.spiHz)} ${flowName(f)}: ${extra.join('; ')}`);
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  process.stdout.write('netstack ENC28J60 through the chip model (simulated time)\n');
  const result = await encBench();
  process.stdout.write(`${encReport(result).join('\n')}\n(wall ${fmt((performance.now() - started) / 1000, 1)} s)\n`);
}

