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

function skipReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and TAP)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun missing';
  for (const tool of ['/usr/bin/ping', '/bin/ping', '/usr/sbin/ping']) if (existsSync(tool)) return null;
  return 'ping (iputils) not installed';
}

/** Runs `ip netns exec NS cmd...` with a time limit; resolves to its stdout. */
async function inNetns(netns: string, args: string[], timeoutMs: number): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', netns, ...args], { cwd: root, timeout: timeoutMs, killSignal: 'SIGKILL' });
  return stdout;
}

const tsx = (script: string) => [process.execPath, '--import', 'tsx', join(root, 'bench', script)];

function parsePing(text: string): Ping {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(text);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\//.exec(text);
  if (!counts) throw new Error(`bench: cannot parse ping output: ${text.trim()}`);
  const [minMs, avgMs, maxMs] = rtt ? rtt.slice(1, 4).map(Number) : [NaN, NaN, NaN];
  return { sent: Number(counts[1]), received: Number(counts[2]), minMs, avgMs, maxMs };
}

/** Starts tap-peer.ts in the namespace and waits for "ready"; collects its final JSON line. */
async function startPeer(netns: string, mode: string, profile: Profile) {
  const child = spawn('ip', ['netns', 'exec', netns, ...tsx('tap-peer.ts'), mode, TAP, STACK_CIDR, HOST_CIDR, profile, String(PEER_MAX_SECONDS)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench: tap-peer (${mode}) not ready in 30 s: ${err.trim()}`)), 30_000);
    child.stdout!.on('data', () => out.includes('ready\n') && (clearTimeout(timer), resolve()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`bench: tap-peer (${mode}) exited ${code}: ${err.trim()}`))));
  });
  const stop = async (): Promise<unknown> => {
    if (child.exitCode === null) child.kill('SIGTERM');
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
  return { child, stop };
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

/** Rounds alternate netstack and reflector, so drift on a busy machine hits both alike. */
export async function tapBench(profile: Profile, rounds = 3): Promise<TapResult> {
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
    const runs: TapRun[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['netstack', 'reflector'] as const) runs.push(await measure(netns, mode, profile, live));
    }
    return { netns, runs };
  } finally {
    for (const child of live) child.kill('SIGKILL');
    netnsDelete(netns);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
