// `npm run bench`: sizes, in-process exchange rates, and the TAP comparison against a raw
// reflector; ends with a summary block to paste into an issue note. Prints figures only: no
// assertions (a slow machine is not a failing build).
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { PROFILES, type Profile } from '../host/abi.ts';
import { pingModuleOnly, pingStackWire, udpModuleOnly, udpStackWire, type Rate } from './inproc.ts';
import { SIZE_NOTE, measureSize, sizeTable, type SizeRow } from './size.ts';
import { tapBench, type TapRun } from './tap.ts';

const PROFILE: Profile = 'default';
/** Module-only runs are ~1 us per exchange, so they get more exchanges for a stable figure. */
const MODULE_ONLY_COUNT = 1_000_000;
const STACK_WIRE_COUNT = 100_000;

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

function describeMachine(): string {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {}
  const cpu = cpus();
  return `commit ${commit}, node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}`;
}

const summary: string[] = [`netstack bench (${describeMachine()})`];

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

if (notes.length) summary.push('notes:', ...notes.map((n) => `  ${n}`));
out();
out('== Summary (paste into the issue note)');
out('```');
summary.forEach((line) => out(line));
out('```');
