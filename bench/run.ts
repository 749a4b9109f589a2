// `npm run bench`: sizes, in-process exchange rates, IPv4 reassembly rates and memory, the
// ENC28J60 figures through the chip model (simulated time), the TAP comparison against a raw
// reflector, and TCP throughput and connection rates (in-process and over TAP); ends with a
// summary block to paste into an issue note. Prints figures only: no assertions (a slow
// machine is not a failing build).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { PROFILES, type Profile } from '../host/abi.ts';
import { wasmPath } from '../host/runtime.ts';
import { encBench, encReport, encSummary } from './enc28j60.ts';
import { pingModuleOnly, pingStackWire, udpModuleOnly, udpStackWire, type Rate } from './inproc.ts';
import { REASM_PLAN, reasmBench, reasmLine, reasmMemoryLine } from './reasm.ts';
import { SIZE_NOTE, measureSize, sizeTable, type SizeRow } from './size.ts';
import { tapBench, type TapRun } from './tap.ts';
import { tcpInproc, type InprocFlow } from './tcp-inproc.ts';
import { TCP_TAP_PLAN, tcpTapBench, type ConnRate, type Flow, type TcpTapProfile } from './tcp-tap.ts';

const PROFILE: Profile = 'default';
/** Module-only runs are ~1 us per exchange, so they get more exchanges for a stable figure. */
const MODULE_ONLY_COUNT = 1_000_000;
const STACK_WIRE_COUNT = 100_000;
/** TCP: the profiles measured (desktop: 256 KiB buffers and window scaling; default: 8 KiB). */
const TCP_PROFILES: Profile[] = ['desktop', 'default'];
const TCP_INPROC_BYTES = 100_000_000;
const TCP_INPROC_SECONDS = 15;
/** Datagrams reassembled per profile (about a second each on the default profile). */
const REASM_DATAGRAMS = 100_000;

const out = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function rateLine(r: Rate, profile: string): string {
  const perSecond = r.exchanges / r.seconds;
  return `${`${r.name} [${profile}]`.padEnd(42)} ${fmt(perSecond).padStart(11)} exch/s ${fmt(r.frames / r.seconds).padStart(11)} frames/s ${fmt((r.seconds / r.exchanges) * 1e6, 2).padStart(7)} us/exch  (${fmt(r.exchanges)} in ${fmt(r.seconds, 2)} s)`;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function tapSummary(runs: TapRun[]): string[] {
  const by = (mode: TapRun['mode']) => runs.filter((r) => r.mode === mode);
  const pick = (mode: TapRun['mode']) => {
    const rs = by(mode);
    return {
      min: Math.min(...rs.map((r) => r.ping.minMs)),
      avg: mean(rs.map((r) => r.ping.avgMs)),
      max: Math.max(...rs.map((r) => r.ping.maxMs)),
      lostPings: rs.reduce((n, r) => n + r.ping.sent - r.ping.received, 0),
      rps: mean(rs.map((r) => r.udp.exchanges / r.udp.seconds)),
      udpRttUs: mean(rs.map((r) => r.udp.rttAvgUs)),
      lostUdp: rs.reduce((n, r) => n + r.udp.lost, 0),
    };
  };
  const n = pick('netstack');
  const r = pick('reflector');
  const rounds = by('netstack').length;
  const ms = (x: { min: number; avg: number; max: number }) => `${fmt(x.min, 3)}/${fmt(x.avg, 3)}/${fmt(x.max, 3)} ms`;
  return [
    `  ping RTT min/avg/max (${rounds} x 100 pings, -i 0.01; min of mins, mean of avgs, max of maxes):`,
    `    netstack ${ms(n)}   reflector ${ms(r)}   ratio netstack/reflector: avg ${fmt(n.avg / r.avg, 2)}, min ${fmt(n.min / r.min, 2)}`,
    `  UDP echo, stop-and-wait, 56 B, kernel socket client (mean of ${rounds} runs of 4 s):`,
    `    netstack ${fmt(n.rps)} req/s (rtt ${fmt(n.udpRttUs)} us)   reflector ${fmt(r.rps)} req/s (rtt ${fmt(r.udpRttUs)} us)   ratio netstack/reflector ${fmt(n.rps / r.rps, 2)}`,
    `  lost: netstack ${n.lostPings} pings, ${n.lostUdp} UDP; reflector ${r.lostPings} pings, ${r.lostUdp} UDP`,
  ];
}

const mbps = (x: number) => (Number.isFinite(x) ? `${fmt(x, x < 100 ? 2 : 0)} Mbit/s` : 'n/a');
const nonZero = (counters: Record<string, number>) =>
  Object.entries(counters).map(([n, v]) => `${n}=${fmt(v)}`).join(' ') || 'none';

function flowLine(name: string, f: Flow): string {
  const extra = [
    f.complete ? '' : 'time-bounded',
    // A time-bounded push closes with data still queued: no FIN can be expected within 0.5 s.
    f.complete && f.client.serverFin === false ? 'no FIN from the stack within 0.5 s of ours' : '',
    f.client.error ? `error: ${f.client.error}` : '',
  ].filter(Boolean).join(', ');
  return `${name.padEnd(34)} ${mbps(f.mbps).padStart(15)}  ${fmt(f.bytes / 1e6, 1)} MB in ${fmt(f.seconds, 2)} s${extra ? ` (${extra})` : ''}; stack: ${nonZero(f.stack)}`;
}

function connLine(c: ConnRate): string {
  const stalls = c.stalled ? `, ${c.stalled} stalled (client side ${JSON.stringify(c.stallStates)})` : '';
  return `${`connections/s, ${c.teardown.toUpperCase()} teardown`.padEnd(34)} ${fmt(c.perSecond).padStart(9)} /s  ${fmt(c.connections)} done, ${c.errors} errors${stalls}; stack: ${nonZero(c.stack)}`;
}

function heapLine(h: TcpTapProfile['heapTop']): string {
  if (!h) return 'heap_top: not reported';
  const verdict = h.after - h.before === h.step ? 'after = before + one probe step: nothing allocated' : `MOVED by ${fmt(h.after - h.before - h.step)} B beyond the probe step`;
  return `heap_top before ${fmt(h.before)} after ${fmt(h.after)} (probe step ${h.step} B; ${verdict})`;
}

function inprocLine(f: InprocFlow): string {
  const name = f.direction === 'push' ? 'A -> B discard (push)' : 'B chargen -> A (pull)';
  return `${`${name} [${f.profile}]`.padEnd(34)} ${mbps(f.mbps).padStart(15)}  ${fmt(f.bytes / 1e6, 1)} MB in ${fmt(f.seconds, 2)} s, ${fmt(f.frames)} frames`;
}

function describeMachine(): string {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {}
  const cpu = cpus();
  return `commit ${commit}, node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}`;
}

const summary: string[] = [`netstack bench (${describeMachine()})`];

/** The benches load build/*.wasm when each run starts: a build in the same tree meanwhile would mix modules. */
const moduleHashes = () => PROFILES.map((p) => createHash('sha256').update(readFileSync(wasmPath(p))).digest('hex').slice(0, 12)).join(' ');
const hashesAtStart = moduleHashes();

out('== Size (release builds)');
const sizes: SizeRow[] = [];
for (const profile of PROFILES) sizes.push(await measureSize(profile));
out(sizeTable(sizes));
out(SIZE_NOTE);
summary.push('size (release): ' + sizes.map((s) => `${s.profile} ${fmt(s.wasmBytes)} B wasm (${fmt(s.gzipBytes)} gz), ${fmt(s.heapBase)} B static RAM, ${s.pagesAfterStart} page(s)`).join('; '));

out();
out('== In-process, one exchange at a time, 56-byte payloads, no impairments');
out('module only = direct rx_buffer/rx calls, nic_tx copied into the peer, synchronous; Stack + wire = host/runtime Stack on host/nic/wire with a VirtualClock (UDP via host/api.ts)');
summary.push('in-process (wall clock, performance.now; 1 exchange = request + reply = 2 frames):');
const notes: string[] = [];
const report = (r: Rate, profile: string) => {
  const line = rateLine(r, profile);
  out(line);
  summary.push(`  ${line.replace(/\s+\(.*\)$/, '')}`);
  for (const note of r.notes) notes.push(`${r.name} [${profile}]: ${note}`);
};
for (const profile of PROFILES) {
  report(await pingModuleOnly(profile, MODULE_ONLY_COUNT), profile);
  report(await udpModuleOnly(profile, MODULE_ONLY_COUNT), profile);
}
report(await pingStackWire(PROFILE, STACK_WIRE_COUNT), PROFILE);
report(await udpStackWire(PROFILE, STACK_WIRE_COUNT), PROFILE);

out();
out('== IPv4 reassembly in process: release module alone, pre-built fragments through rx(), 32 arrival orders cycled, each datagram read from a bound UDP socket');
summary.push('IPv4 reassembly (module only, wall clock; fragments through rx() into a UDP socket, mixed orders):');
for (const [profile, udpBytes, fragmentBytes] of REASM_PLAN) {
  const r = await reasmBench(profile, REASM_DATAGRAMS, udpBytes, fragmentBytes);
  const line = reasmLine(r);
  out(line);
  out(reasmMemoryLine(r));
  summary.push(`  ${line.replace(/\s+\(.*\)$/, '')}`, `  ${reasmMemoryLine(r)}`);
  for (const note of r.notes) notes.push(`reassembly [${profile}]: ${note}`);
}

out();
out(`== In-process TCP bulk, two modules (module exports direct, frames through a FIFO, real clock), ${fmt(TCP_INPROC_BYTES / 1e6)} MB`);
out('push: A tcp_send()s into B\'s discard service, clock stops when B acknowledged all and the FIN; pull: A tcp_recv()s from B\'s chargen');
summary.push(`in-process TCP, two modules, ${fmt(TCP_INPROC_BYTES / 1e6)} MB per run, payload Mbit/s (push = into B's discard, pull = from B's chargen):`);
for (const profile of TCP_PROFILES) {
  for (const direction of ['push', 'pull'] as const) {
    const f = await tcpInproc(profile, direction, TCP_INPROC_BYTES, TCP_INPROC_SECONDS);
    const line = inprocLine(f);
    out(`${line}; heap_top ${fmt(f.heapTop.before)} -> ${fmt(f.heapTop.after)} (step ${f.heapTop.step}); counters: ${nonZero(f.trouble)}`);
    summary.push(`  ${line}`);
    for (const note of f.notes) notes.push(`TCP in-process ${direction} [${profile}]: ${note}`);
  }
}

out();
out('== ENC28J60 through the chip model: module -> driver -> SPI -> model -> 10 Mbit/s wire -> peer module, one VirtualClock kept at chip time');
const enc = await encBench().catch((error: Error) => ({ skipped: `failed: ${error.message}` }));
if ('skipped' in enc) {
  out(`skipped: ${enc.skipped}`);
  summary.push(`ENC28J60 (simulated): skipped (${enc.skipped})`);
} else {
  encReport(enc).forEach((line) => out(line));
  summary.push(...encSummary(enc));
}

out();
out(`== Linux kernel over TAP, ${PROFILE} profile, vs a raw TAP reflector (same TapNic, no stack)`);
const tap = await tapBench(PROFILE).catch((error: Error) => ({ skipped: `failed: ${error.message}` }));
if ('skipped' in tap) {
  out(`skipped: ${tap.skipped}`);
  summary.push(`TAP: skipped (${tap.skipped})`);
} else {
  out(`namespace ${tap.netns} (deleted), kernel 192.0.2.1 <-> peer 192.0.2.2 on TAP nsb0`);
  for (const r of tap.runs) {
    out(`${r.mode.padEnd(9)} ping ${r.ping.received}/${r.ping.sent} rtt ${r.ping.minMs}/${r.ping.avgMs}/${r.ping.maxMs} ms; ` +
      `udp ${fmt(r.udp.exchanges / r.udp.seconds)} req/s, ${r.udp.lost} lost, rtt avg ${fmt(r.udp.rttAvgUs)} us; peer ${JSON.stringify(r.peer)}`);
  }
  const lines = tapSummary(tap.runs);
  lines.forEach((line) => out(line));
  summary.push(`TAP (own netns, ${PROFILE} profile, kernel client, ratio = netstack/reflector):`, ...lines);
}

out();
out(`== TCP over TAP, kernel socket client in an own netns, profiles ${TCP_PROFILES.join(', ')}`);
const tcpTap = await tcpTapBench(TCP_PROFILES).catch((error: Error) => ({ skipped: `failed: ${error.message}` }));
if ('skipped' in tcpTap) {
  out(`skipped: ${tcpTap.skipped}`);
  summary.push(`TCP over TAP: skipped (${tcpTap.skipped})`);
} else {
  const plan = TCP_TAP_PLAN;
  out(`namespace ${tcpTap.netns} (deleted), kernel 192.0.2.1 <-> stack 192.0.2.2 on TAP nst0; bulk: up to ${fmt(plan.bulkBytes / 1e6)} MB or ${plan.bulkSeconds} s; ` +
    `shaped: ${plan.shapedSeconds} s through tbf ${plan.shapeRate} burst/limit ${fmt(plan.shapeQueueBytes)} B each way (TAP root qdisc; TAP ingress -> IFB)`);
  const r = tcpTap.reflector;
  const refMbps = 'error' in r ? NaN : r.mbpsAt1500;
  const refLine = 'error' in r
    ? `raw reflector: ${r.error}`
    : `raw reflector: ${fmt(r.framesPerSecond)} frames/s each way = ${mbps(r.mbpsAt1500)} at 1500 B (ping -f -l ${plan.floodPreload} -s ${plan.floodPayload}, ${fmt(r.received)}/${fmt(r.sent)} in ${fmt(r.seconds, 1)} s)`;
  out(refLine);
  const ratio = (x: number) => (Number.isFinite(refMbps) ? fmt(x / refMbps, 2) : 'n/a');
  summary.push(
    `TCP over TAP (own netns, kernel socket client, payload Mbit/s; ratio = stack / raw reflector at 1500 B):`,
    `  kernel->stack = kernel writes into discard (9) until the stack acknowledged every byte; stack->kernel = kernel reads chargen (19);`,
    `  up to ${fmt(plan.bulkBytes / 1e6)} MB or ${plan.bulkSeconds} s each; tbf = ${plan.shapeRate}, burst = limit = ${fmt(plan.shapeQueueBytes)} B, on the TAP (kernel->stack) and on an IFB fed from the TAP's ingress (stack->kernel), ${plan.shapedSeconds} s`,
    `  ${refLine}`,
  );
  for (const p of tcpTap.profiles) {
    out(`-- ${p.profile}`);
    out(flowLine('kernel -> stack discard (push)', p.push));
    out(flowLine('stack chargen -> kernel (pull)', p.pull));
    out(flowLine('push, 10 Mbit/s tbf', p.shapedPush));
    out(flowLine('pull, 10 Mbit/s tbf', p.shapedPull));
    out(connLine(p.connRst));
    out(connLine(p.connFin));
    out(`${heapLine(p.heapTop)}; TAP ${JSON.stringify(p.tap)}`);
    summary.push(
      `  ${p.profile.padEnd(8)} kernel->stack ${mbps(p.push.mbps)} (ratio ${ratio(p.push.mbps)}), stack->kernel ${mbps(p.pull.mbps)} (ratio ${ratio(p.pull.mbps)}); ` +
        `via 10 Mbit/s tbf: ${mbps(p.shapedPush.mbps)} / ${mbps(p.shapedPull.mbps)}`,
      `           connections/s (echo, 1 byte each way): RST teardown ${fmt(p.connRst.perSecond)}/s; FIN teardown ${fmt(p.connFin.perSecond)}/s` +
        (p.connFin.stalled ? ` (${p.connFin.stalled} stalled: no FIN from the stack after ours, client ${Object.keys(p.connFin.stallStates).join('/')})` : ''),
      `           ${heapLine(p.heapTop)}`,
    );
    const flows: [string, Flow][] = [['push', p.push], ['pull', p.pull], ['tbf push', p.shapedPush], ['tbf pull', p.shapedPull]];
    const oddities = flows
      .map(([name, f]) => [name, Object.entries(f.stack).filter(([n]) => !/^tcp_rx$|^tcp_tx_segments$|^tcp_rx_rst$|^tcp_connections_reset$/.test(n))] as const)
      .filter(([, list]) => list.length)
      .map(([name, list]) => `${name}: ${list.map(([n, v]) => `${n}=${fmt(v)}`).join(' ')}`);
    if (oddities.length) summary.push(`           stack counters: ${oddities.join('; ')}`);
  }
  summary.push('  (reference, not measured here: lwIP 2.1.3 in native C sinks about 2.5 Gbit/s through a TAP on these machines)');
}

const hashesAtEnd = moduleHashes();
if (hashesAtEnd !== hashesAtStart) notes.push(`build/*.wasm changed during the run (a build in this tree?): ${hashesAtStart} -> ${hashesAtEnd}; figures may mix modules`);
if (notes.length) summary.push('notes:', ...notes.map((n) => `  ${n}`));
out();
out('== Summary (paste into the issue note)');
out('```');
summary.forEach((line) => out(line));
out('```');
