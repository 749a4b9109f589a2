// The TCP TAP benchmark: the Linux kernel as the TCP client, the module's TCP services on a
// TAP as the server, in a network namespace of our own (tap.ts: withBenchNetns), deleted at the
// end even on error or Ctrl-C. Addresses from 192.0.2.0/24 only; every client is bounded in
// bytes or count and in time.
//
// Per profile, one stack process (peer.ts) serves every run, so its heap probe brackets
// them all:
//   push   kernel -> stack: tcp-client.ts writes into discard (9) until the stack acknowledged all
//   pull   stack -> kernel: tcp-client.ts reads from chargen (19)
//   conn   connections/s to echo (7): connect, 1 byte each way, teardown (RST; then FIN, see below)
//   the same push and pull through a 10 Mbit/s tbf with a 30,000-byte queue in each direction:
//     kernel -> stack: tbf as the TAP's root qdisc (what the kernel sends into the TAP);
//     stack -> kernel: the TAP's ingress redirected (mirred) to an IFB device with the same tbf,
//     so frames the stack writes queue and drop there before the kernel's TCP sees them.
// The raw reflector (reflect.ts) gives the baseline frame rate: ping -f with 64 echo requests
// of 1500-byte IP packets in flight, each reflected back.
import type { ChildProcess } from 'node:child_process';
import type { Profile } from '../host/abi.ts';
import { inNetns, startScript, tsx, withBenchNetns, type Peer } from './tap.ts';

const TAP = 'nst0';
const IFB = 'nst0ifb';
const STACK_IP = '192.0.2.2';
const STACK_CIDR = `${STACK_IP}/24`;
const HOST_CIDR = '192.0.2.1/24';
const PEER_MAX_SECONDS = 150;
const DISCARD = 9;
const CHARGEN = 19;
const ECHO = 7;

export const TCP_TAP_PLAN = {
  bulkBytes: 200_000_000,
  bulkSeconds: 6,
  shapedSeconds: 6,
  shapeRate: '10mbit',
  shapeQueueBytes: 30_000,
  connectSeconds: 3,
  floodSeconds: 3,
  floodPreload: 64,
  floodPayload: 1472,
};

export interface Flow {
  bytes: number;
  seconds: number;
  mbps: number;
  complete: boolean;
  /** What the client saw besides the bytes (server FIN or not, errors). */
  client: Record<string, unknown>;
  /** Changes of the stack's counters during the run (TCP segments and anything unusual). */
  stack: Record<string, number>;
}

export interface ConnRate {
  teardown: 'rst' | 'fin';
  connections: number;
  perSecond: number;
  stalled: number;
  errors: number;
  stallStates: Record<string, number>;
  stack: Record<string, number>;
}

export interface TcpTapProfile {
  profile: Profile;
  push: Flow;
  pull: Flow;
  shapedPush: Flow;
  shapedPull: Flow;
  connRst: ConnRate;
  connFin: ConnRate;
  /** heap_top() right after start-up and at exit; each call advances `step`. */
  heapTop: { before: number; after: number; step: number } | null;
  tap: unknown;
}

export interface Reflector {
  framesPerSecond: number;
  mbpsAt1500: number;
  sent: number;
  received: number;
  seconds: number;
}

export type TcpTapResult = { skipped: string } | { netns: string; reflector: Reflector | { error: string }; profiles: TcpTapProfile[] };

const peerArgs = (mode: string, profile: Profile) => [mode, TAP, STACK_CIDR, HOST_CIDR, profile, String(PEER_MAX_SECONDS)];

async function stackCounters(peer: Peer): Promise<Record<string, number>> {
  const stats = JSON.parse(await peer.ask('stats')) as { counters: Record<string, number>; tap: Record<string, number> };
  const tap = Object.fromEntries(Object.entries(stats.tap).map(([k, v]) => [`tap_${k}`, v]));
  return { ...stats.counters, ...tap };
}

const INTERESTING = /^tcp_|^tap_drops|tx_no_buffer|eth_tx_failed|ipv4_rx_bad|arp_queue/;

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) {
    const d = value - (before[name] ?? 0);
    if (d && INTERESTING.test(name)) out[name] = d;
  }
  return out;
}

async function client(netns: string, args: string[], timeoutMs: number): Promise<Record<string, unknown>> {
  const text = await inNetns(netns, [...tsx('tcp-client.ts'), ...args], timeoutMs);
  return JSON.parse(text.trim().split('\n').pop()!) as Record<string, unknown>;
}

async function flow(netns: string, peer: Peer, mode: 'push' | 'pull', bytes: number, seconds: number): Promise<Flow> {
  const before = await stackCounters(peer);
  const port = mode === 'push' ? DISCARD : CHARGEN;
  const result = await client(netns, [mode, STACK_IP, String(port), String(bytes), String(seconds)], (seconds + 30) * 1000);
  const stack = delta(before, await stackCounters(peer));
  const moved = Number(result.bytes);
  const secs = Number(result.seconds);
  const { bytes: _b, seconds: _s, complete, ...rest } = result;
  return { bytes: moved, seconds: secs, mbps: secs > 0 ? (moved * 8) / secs / 1e6 : 0, complete: Boolean(complete), client: rest, stack };
}

async function connections(netns: string, peer: Peer, teardown: 'rst' | 'fin', seconds: number): Promise<ConnRate> {
  const before = await stackCounters(peer);
  const r = await client(netns, ['connect', STACK_IP, String(ECHO), '1000000', String(seconds), teardown], (seconds + 30) * 1000);
  const stack = delta(before, await stackCounters(peer));
  return {
    teardown,
    connections: Number(r.connections),
    perSecond: Number(r.perSecond),
    stalled: Number(r.stalled),
    errors: Number(r.errors),
    stallStates: (r.stallStates ?? {}) as Record<string, number>,
    stack,
  };
}

const notMeasured = (why: string): Flow => ({ bytes: 0, seconds: 0, mbps: NaN, complete: false, client: { error: why }, stack: {} });

const tc = (netns: string, ...args: string[]) => inNetns(netns, ['tc', ...args], 5_000);
const ipIn = (netns: string, ...args: string[]) => inNetns(netns, ['ip', ...args], 5_000);

async function shape(netns: string): Promise<void> {
  const { shapeRate: rate, shapeQueueBytes: queue } = TCP_TAP_PLAN;
  const tbf = ['tbf', 'rate', rate, 'burst', String(queue), 'limit', String(queue)];
  await tc(netns, 'qdisc', 'add', 'dev', TAP, 'root', ...tbf);
  await ipIn(netns, 'link', 'add', IFB, 'type', 'ifb');
  await ipIn(netns, 'link', 'set', 'dev', IFB, 'up');
  await tc(netns, 'qdisc', 'add', 'dev', IFB, 'root', ...tbf);
  await tc(netns, 'qdisc', 'add', 'dev', TAP, 'handle', 'ffff:', 'ingress');
  await tc(netns, 'filter', 'add', 'dev', TAP, 'parent', 'ffff:', 'protocol', 'all', 'u32', 'match', 'u32', '0', '0',
    'action', 'mirred', 'egress', 'redirect', 'dev', IFB);
}

async function unshape(netns: string): Promise<void> {
  await tc(netns, 'qdisc', 'del', 'dev', TAP, 'root').catch(() => '');
  await tc(netns, 'qdisc', 'del', 'dev', TAP, 'ingress').catch(() => '');
  await ipIn(netns, 'link', 'del', IFB).catch(() => '');
}

async function warmUp(netns: string): Promise<void> {
  await inNetns(netns, ['ping', '-n', '-q', '-c', '10', '-i', '0.01', '-W', '1', STACK_IP], 15_000).catch(() => '');
}

async function reflectorRate(netns: string, live: Set<ChildProcess>): Promise<Reflector | { error: string }> {
  const peer = await startScript(netns, 'peer.ts', peerArgs('reflector', 'default'), 'peer (reflector)', true);
  live.add(peer.child);
  try {
    await warmUp(netns);
    const { floodPreload, floodPayload, floodSeconds } = TCP_TAP_PLAN;
    const text = await inNetns(netns, ['ping', '-n', '-q', '-f', '-l', String(floodPreload), '-s', String(floodPayload), '-w', String(floodSeconds), STACK_IP], (floodSeconds + 10) * 1000)
      .catch((e: { stdout?: string; message: string }) => e.stdout || `error ${e.message}`);
    const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received.*time (\d+)ms/.exec(text);
    if (!counts) return { error: `cannot parse ping -f output: ${text.trim().split('\n').pop()}` };
    const [sent, received, ms] = counts.slice(1, 4).map(Number);
    const framesPerSecond = received / (ms / 1000);
    return { framesPerSecond, mbpsAt1500: (framesPerSecond * 1500 * 8) / 1e6, sent, received, seconds: ms / 1000 };
  } finally {
    await peer.stop();
    live.delete(peer.child);
  }
}

async function profileRuns(netns: string, profile: Profile, live: Set<ChildProcess>): Promise<TcpTapProfile> {
  const peer = await startScript(netns, 'peer.ts', peerArgs('netstack', profile), `peer (${profile})`, true);
  live.add(peer.child);
  try {
    await warmUp(netns);
    const { bulkBytes, bulkSeconds, shapedSeconds, connectSeconds } = TCP_TAP_PLAN;
    const push = await flow(netns, peer, 'push', bulkBytes, bulkSeconds);
    const pull = await flow(netns, peer, 'pull', bulkBytes, bulkSeconds);
    const connRst = await connections(netns, peer, 'rst', connectSeconds);
    // A kernel without tbf, ingress, u32, mirred or ifb loses only the shaped figures.
    let shapedPush = notMeasured('not measured');
    let shapedPull = shapedPush;
    try {
      await shape(netns);
      shapedPush = await flow(netns, peer, 'push', bulkBytes, shapedSeconds);
      shapedPull = await flow(netns, peer, 'pull', bulkBytes, shapedSeconds);
    } catch (error) {
      shapedPush = shapedPull = notMeasured(`shaper: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      await unshape(netns);
    }
    // Last: connections that never see the server's FIN are reset, but run it after the rest anyway.
    const connFin = await connections(netns, peer, 'fin', connectSeconds);
    const final = (await peer.stop()) as { heapTop?: TcpTapProfile['heapTop']; tap?: unknown };
    return { profile, push, pull, shapedPush, shapedPull, connRst, connFin, heapTop: final.heapTop ?? null, tap: final.tap };
  } finally {
    await peer.stop();
    live.delete(peer.child);
  }
}

export async function tcpTapBench(profiles: Profile[]): Promise<TcpTapResult> {
  return withBenchNetns(async (netns, live) => {
    const reflector = await reflectorRate(netns, live).catch((e: Error) => ({ error: e.message }));
    const results: TcpTapProfile[] = [];
    for (const profile of profiles) results.push(await profileRuns(netns, profile, live));
    return { netns, reflector, profiles: results };
  });
}
