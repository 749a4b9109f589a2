// Ping and traceroute over the module's probes (assembly/net/icmp_probe.ts). The host sets the
// pace: ping sends one probe per interval on the stack's clock, traceroute one probe after the
// previous one's answer or timeout, TTL 1, 2, ... Everything runs from timers and the stack's
// afterPoll hook, never from awaits, so a virtual clock's advance() drives a whole run.
import { errnoName, ProbeState, ProbeStateName } from './abi.ts';
import { formatIpv4, parseIpv4 } from './addr.ts';
import type { Stack } from './runtime.ts';

/** Defaults as in iputils ping and traceroute: 56 data bytes; 60-byte datagrams, 30 hops. */
export const PING_SIZE_DEFAULT = 56;
export const TRACEROUTE_SIZE_DEFAULT = 32;
export const TRACEROUTE_HOPS_DEFAULT = 30;

export interface ProbeOptions {
  /** ICMP data bytes (default 56, like ping). */
  size?: number;
  ttl?: number;
  /** How long to wait for the answer (default 1000 ms). */
  timeoutMs?: number;
}

export interface ProbeResult {
  /** Echo sequence number on the wire. */
  sequence: number;
  /** 'error' when the probe could not be sent (error names the Errno). */
  status: 'reply' | 'time-exceeded' | 'unreachable' | 'timeout' | 'error';
  /** Who answered: the destination for a reply, the router or host for an error. */
  from: string | null;
  rttMs: number | null;
  /** TTL of the datagram carrying the answer. */
  ttl: number | null;
  /** ICMP code of an error answer (unreachable: 0 net, 1 host, 2 protocol, 3 port, ...). */
  code: number | null;
  bytes: number;
  error?: string;
}

export interface PingOptions extends ProbeOptions {
  /** Probes (default 4). */
  count?: number;
  /** Between sends (default 1000 ms). */
  intervalMs?: number;
  /** Called as each probe's result is known. */
  onProbe?: (result: ProbeResult) => void;
}

export interface PingReport {
  addr: string;
  sent: number;
  received: number;
  results: ProbeResult[];
}

export interface TracerouteOptions {
  /** Highest TTL tried (default 30). */
  maxHops?: number;
  /** Probes per hop (default 3). */
  probes?: number;
  timeoutMs?: number;
  /** ICMP data bytes (default 32: 60-byte datagrams, like traceroute). */
  size?: number;
  onHop?: (hop: Hop) => void;
}

export interface Hop {
  ttl: number;
  probes: ProbeResult[];
}

export interface TracerouteReport {
  addr: string;
  /** The destination answered (echo reply) at the last hop. */
  reached: boolean;
  hops: Hop[];
}

interface Waiting {
  /** slot -> callback */
  probes: Map<number, (result: ProbeResult) => void>;
  hook: () => void;
}

/** Probes awaiting their answers, per stack, and the afterPoll hook that settles them. */
const waiting = new WeakMap<Stack, Waiting>();

function collect(stack: Stack, { probes, hook }: Waiting): void {
  const e = stack.exports;
  for (const [slot, done] of probes) {
    const state = e.probe_state(slot);
    if (state === ProbeState.PENDING) continue;
    const answered = state !== ProbeState.TIMEOUT;
    const result: ProbeResult = {
      sequence: e.probe_sequence(slot),
      status: ProbeStateName[state] as ProbeResult['status'],
      from: answered ? formatIpv4(e.probe_from(slot)) : null,
      rttMs: answered ? e.probe_rtt(slot) : null,
      ttl: answered ? e.probe_reply_ttl(slot) : null,
      code: state === ProbeState.TIME_EXCEEDED || state === ProbeState.UNREACHABLE ? e.probe_code(slot) : null,
      bytes: 0,
    };
    e.probe_release(slot);
    probes.delete(slot);
    done(result);
  }
  if (probes.size === 0) stack.afterPoll.delete(hook);
}

/**
 * Sends one echo request; done runs (after the poll or frame that settles it) with the answer
 * or the timeout. Throws when the module refuses it (bad size or TTL, no route, table full).
 * The stack must be started (its polls time probes out).
 */
export function sendProbe(stack: Stack, addr: string, options: ProbeOptions, done: (result: ProbeResult) => void): void {
  const size = options.size ?? PING_SIZE_DEFAULT;
  // The send time is the module's clock of the last poll: bring it up to now first.
  stack.exports.poll(stack.clock.now() >>> 0);
  const slot = stack.exports.probe_send(parseIpv4(addr), size, options.ttl ?? 64, options.timeoutMs ?? 1000);
  if (slot < 0) throw new Error(`netstack: probe to ${addr}: ${errnoName(slot)}`);
  let entry = waiting.get(stack);
  if (!entry) {
    const created: Waiting = { probes: new Map(), hook: () => collect(stack, created) };
    waiting.set(stack, (entry = created));
  }
  entry.probes.set(slot, (result) => done({ ...result, bytes: size }));
  stack.afterPoll.add(entry.hook);
  stack.kick();
}

/** count echo requests intervalMs apart; rejects only if the first cannot be sent. */
export function ping(stack: Stack, addr: string, options: PingOptions = {}): Promise<PingReport> {
  const count = options.count ?? 4;
  const intervalMs = options.intervalMs ?? 1000;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`ping count ${count}: expected an integer >= 1`);
  return new Promise((resolve, reject) => {
    const results: ProbeResult[] = [];
    let sent = 0;
    let settled = 0;
    const settle = (index: number, result: ProbeResult) => {
      results[index] = result;
      options.onProbe?.(result);
      if (++settled === count) {
        resolve({ addr, sent: count, received: results.filter((r) => r.status === 'reply').length, results });
      }
    };
    const next = () => {
      const index = sent++;
      try {
        sendProbe(stack, addr, options, (result) => settle(index, result));
      } catch (error) {
        if (index === 0) return reject(error);
        const message = (error as Error).message.replace(/^.*: /, '');
        settle(index, { sequence: -1, status: 'error', from: null, rttMs: null, ttl: null, code: null, bytes: 0, error: message });
      }
      if (sent < count) stack.clock.setTimer(intervalMs, next);
    };
    next();
  });
}

/** Echo requests with TTL 1, 2, ... maxHops, `probes` per hop one after another, until the
 *  destination replies or a hop answers unreachable. */
export function traceroute(stack: Stack, addr: string, options: TracerouteOptions = {}): Promise<TracerouteReport> {
  const maxHops = options.maxHops ?? TRACEROUTE_HOPS_DEFAULT;
  const perHop = options.probes ?? 3;
  const probe = { size: options.size ?? TRACEROUTE_SIZE_DEFAULT, timeoutMs: options.timeoutMs ?? 1000 };
  return new Promise((resolve, reject) => {
    const hops: Hop[] = [];
    let hop: Hop = { ttl: 1, probes: [] };
    const next = () => {
      try {
        sendProbe(stack, addr, { ...probe, ttl: hop.ttl }, settle);
      } catch (error) {
        reject(error);
      }
    };
    const settle = (result: ProbeResult) => {
      hop.probes.push(result);
      if (hop.probes.length < perHop) return next();
      hops.push(hop);
      options.onHop?.(hop);
      const reached = hop.probes.some((p) => p.status === 'reply' && p.from === addr);
      const stopped = reached || hop.probes.some((p) => p.status === 'unreachable');
      if (stopped || hop.ttl >= maxHops) return resolve({ addr, reached, hops });
      hop = { ttl: hop.ttl + 1, probes: [] };
      next();
    };
    next();
  });
}
