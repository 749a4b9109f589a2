// The TAP benchmark: the Linux kernel as the client, the module (or the raw reflector) on a
// TAP as the server. Everything happens inside a network namespace created here and deleted
// at the end, even on error or Ctrl-C; addresses come from 192.0.2.0/24 only; every client is
// bounded in count and time. Nothing runs in, or sends from, the root namespace.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Profile } from '../host/abi.ts';
import { ip, netnsDelete, netnsExists } from '../host/netns.ts';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TAP = 'nsb0';
const STACK_IP = '192.0.2.2';
const STACK_CIDR = `${STACK_IP}/24`;
const HOST_CIDR = '192.0.2.1/24';
const PEER_MAX_SECONDS = 60;
const PINGS = 100;
const UDP_COUNT = 50_000;
const UDP_SECONDS = 4;
const UDP_PAYLOAD = 56;

export interface Ping {
  sent: number;
  received: number;
  minMs: number;
  avgMs: number;
  maxMs: number;
}

export interface UdpEcho {
  exchanges: number;
  lost: number;
  seconds: number;
  rttAvgUs: number;
}

export interface TapRun {
  mode: 'netstack' | 'reflector';
  ping: Ping;
  udp: UdpEcho;
  /** The peer's own report: TAP frame counts and (netstack) non-zero module counters. */
  peer: unknown;
}

export type TapResult = { skipped: string } | { netns: string; runs: TapRun[] };

export function skipReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and TAP)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun missing';
  for (const tool of ['/usr/bin/ping', '/bin/ping', '/usr/sbin/ping']) if (existsSync(tool)) return null;
  return 'ping (iputils) not installed';
}

/** Runs `ip netns exec NS cmd...` with a time limit; resolves to its stdout. */
export async function inNetns(netns: string, args: string[], timeoutMs: number): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', netns, ...args], { cwd: root, timeout: timeoutMs, killSignal: 'SIGKILL' });
  return stdout;
}

export const tsx = (script: string) => [process.execPath, '--import', 'tsx', join(root, 'bench', script)];

function parsePing(text: string): Ping {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(text);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\//.exec(text);
  if (!counts) throw new Error(`bench: cannot parse ping output: ${text.trim()}`);
  const [minMs, avgMs, maxMs] = rtt ? rtt.slice(1, 4).map(Number) : [NaN, NaN, NaN];
  return { sent: Number(counts[1]), received: Number(counts[2]), minMs, avgMs, maxMs };
}

export interface Peer {
  child: ChildProcess;
  /** Sends one line on the peer's stdin and resolves to the next line it prints (peers with stdin only). */
  ask(line: string, timeoutMs?: number): Promise<string>;
  /** SIGTERM (SIGKILL after 5 s); resolves to the peer's last output line as JSON. */
  stop(): Promise<unknown>;
}

/**
 * Starts a bench peer script in the namespace and waits for "ready"; collects its final JSON
 * line. With `stdin`, the peer also answers one-line requests (see peer.ts).
 */
export async function startScript(netns: string, script: string, args: string[], label: string, stdin = false): Promise<Peer> {
  const child = spawn('ip', ['netns', 'exec', netns, ...tsx(script), ...args], {
    cwd: root,
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let waiting: ((line: string) => void) | null = null;
  let consumed = 0;
  child.stdout!.on('data', (d) => {
    out += d;
    if (!waiting) return;
    const end = out.indexOf('\n', consumed);
    if (end < 0) return;
    const line = out.slice(consumed, end);
    consumed = end + 1;
    const resolve = waiting;
    waiting = null;
    resolve(line);
  });
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench: ${label} not ready in 30 s: ${err.trim()}`)), 30_000);
    child.stdout!.on('data', () => out.includes('ready\n') && (clearTimeout(timer), resolve()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`bench: ${label} exited ${code}: ${err.trim()}`))));
  }).catch((error: Error) => {
    child.kill('SIGKILL'); // our own child, by its PID: never leave a peer behind
    throw error;
  });
  consumed = out.indexOf('ready\n') + 'ready\n'.length;
  const ask = (line: string, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      if (!child.stdin || child.exitCode !== null) return reject(new Error(`bench: ${label} is not running`));
      const timer = setTimeout(() => ((waiting = null), reject(new Error(`bench: ${label} did not answer "${line}"`))), timeoutMs);
      waiting = (answer) => (clearTimeout(timer), resolve(answer));
      child.stdin.write(`${line}\n`);
    });
  const stop = async (): Promise<unknown> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
    const last = out.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(last);
    } catch {
      return { output: last, stderr: err.trim() };
    }
  };
  return { child, ask, stop };
}

/** Starts peer.ts in the namespace and waits for "ready"; collects its final JSON line. */
function startPeer(netns: string, mode: string, profile: Profile) {
  return startScript(netns, 'peer.ts', [mode, TAP, STACK_CIDR, HOST_CIDR, profile, String(PEER_MAX_SECONDS)], `peer (${mode})`);
}

async function measure(netns: string, mode: 'netstack' | 'reflector', profile: Profile, live: Set<ChildProcess>): Promise<TapRun> {
  const peer = await startPeer(netns, mode, profile);
  live.add(peer.child);
  try {
    // Warm-up: the kernel resolves the address and both sides' JIT settles before timing.
    await inNetns(netns, ['ping', '-n', '-q', '-c', '20', '-i', '0.01', '-W', '1', STACK_IP], 15_000).catch(() => '');
    const pingText = await inNetns(netns, ['ping', '-n', '-q', '-c', String(PINGS), '-i', '0.01', '-W', '1', STACK_IP], 30_000).catch(
      (e: { stdout?: string }) => e.stdout ?? '',
    );
    const udpText = await inNetns(netns, [...tsx('udp-client.ts'), STACK_IP, '7', String(UDP_COUNT), String(UDP_SECONDS), String(UDP_PAYLOAD)], 30_000);
    const udp = JSON.parse(udpText.trim().split('\n').pop()!) as UdpEcho;
    return { mode, ping: parsePing(pingText), udp, peer: await peer.stop() };
  } finally {
    await peer.stop();
    live.delete(peer.child);
  }
}

/**
 * Runs `body` in a fresh namespace of our own (nsbench-PID[-n]), deleted afterwards even on
 * error or Ctrl-C; children registered in `live` are killed by PID on the way out.
 */
export async function withBenchNetns<T>(body: (netns: string, live: Set<ChildProcess>) => Promise<T>): Promise<T | { skipped: string }> {
  const reason = skipReason();
  if (reason) return { skipped: reason };
  let netns = `nsbench-${process.pid}`;
  for (let i = 1; netnsExists(netns); i++) netns = `nsbench-${process.pid}-${i}`;
  const live = new Set<ChildProcess>();
  // Ctrl-C mid-run: stop our children (by their own PIDs) and remove the namespace before exiting.
  const onSignal = () => {
    for (const child of live) child.kill('SIGKILL');
    try {
      netnsDelete(netns);
    } finally {
      process.exit(130);
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    ip('netns', 'add', netns);
  } catch (error) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return { skipped: `cannot create a network namespace: ${(error as Error).message}` };
  }
  try {
    // IPv6 router solicitations and MLD reports would only add noise on the link.
    await inNetns(netns, ['sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1'], 5_000).catch(() => '');
    return await body(netns, live);
  } finally {
    for (const child of live) child.kill('SIGKILL');
    netnsDelete(netns);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Rounds alternate netstack and reflector, so drift on a busy machine hits both alike. */
export async function tapBench(profile: Profile, rounds = 3): Promise<TapResult> {
  return withBenchNetns(async (netns, live) => {
    const runs: TapRun[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['netstack', 'reflector'] as const) runs.push(await measure(netns, mode, profile, live));
    }
    return { netns, runs };
  });
}
