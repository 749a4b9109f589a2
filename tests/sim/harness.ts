// Simulation set-up shared by the tests/sim suites: debug-build stacks (assertions on) on an
// in-memory wire with a virtual clock, and a scripted "raw" host that sends hand-built
// frames and records everything it hears on the segment.
import assert from 'node:assert/strict';
import type { Profile } from '../../host/abi.ts';
import { VirtualClock, Wire, type WireEndpoint, type WireOptions } from '../../host/nic/wire.ts';
import { Stack } from '../../host/runtime.ts';
import { arpReplyFrame, arpRequestFrame, parseFrame, type Host, type ParsedFrame } from './frames.ts';

export interface NodeOptions {
  name: string;
  mac: string;
  /** Address with prefix, e.g. 192.0.2.1/24. */
  cidr: string;
  seed: number;
  gateway?: string;
  profile?: Profile;
}

export interface SimNode {
  stack: Stack;
  nic: WireEndpoint;
  host: Host;
  logs: string[];
}

export function simulation(options: WireOptions = {}) {
  const clock = new VirtualClock(1_000);
  const wire = new Wire(clock, { seed: 1, ...options });
  return { clock, wire };
}

/** Loads the debug module, attaches it to the wire as interface 0, configures it, brings it up and starts polling. */
export async function addNode(wire: Wire, clock: VirtualClock, options: NodeOptions): Promise<SimNode> {
  const logs: string[] = [];
  const stack = await Stack.load({
    profile: options.profile ?? 'default',
    debug: true,
    seed: options.seed,
    clock,
    log: (line) => logs.push(line),
  });
  const nic = wire.endpoint(options.name);
  stack.attach(0, nic);
  stack.configure(0, { mac: options.mac, ip: options.cidr, gateway: options.gateway });
  stack.up(0);
  stack.start();
  return { stack, nic, host: { mac: options.mac, ip: options.cidr.split('/')[0] }, logs };
}

export interface Heard {
  at: number;
  bytes: Uint8Array;
  frame: ParsedFrame;
}

/** A scripted host: answers ARP for its own address (unless told not to) and records every frame. */
export class RawHost {
  readonly heard: Heard[] = [];
  readonly endpoint: WireEndpoint;
  answerArp = true;
  /** Called with each frame once it is recorded (and ARP answered): a script's replies. */
  onHeard: ((frame: ParsedFrame) => void) | null = null;

  constructor(
    wire: Wire,
    private readonly clock: VirtualClock,
    readonly host: Host,
  ) {
    this.endpoint = wire.endpoint(`raw ${host.ip}`);
    this.endpoint.onFrame = (bytes) => this.hear(bytes);
  }

  send(frame: Uint8Array): void {
    this.endpoint.send(frame);
  }

  /**
   * Introduces this host to the stacks at `ips` (RFC 826: a request's target learns the sender),
   * so their replies to it need no ARP round of their own; then forgets what it heard.
   */
  introduceTo(...ips: string[]): void {
    for (const ip of ips) this.send(arpRequestFrame(this.host.mac, this.host.ip, ip));
    this.clock.advance(10);
    this.heard.length = 0;
  }

  /** Frames heard so far that match. */
  find(match: (frame: ParsedFrame) => boolean): Heard[] {
    return this.heard.filter((h) => match(h.frame));
  }

  /** Frames addressed to this host (its MAC or broadcast) that match. */
  toMe(match: (frame: ParsedFrame) => boolean = () => true): ParsedFrame[] {
    return this.heard.map((h) => h.frame).filter((f) => (f.dst === this.host.mac || f.dst === 'ff:ff:ff:ff:ff:ff') && match(f));
  }

  private hear(bytes: Uint8Array): void {
    const frame = parseFrame(bytes);
    this.heard.push({ at: this.clock.now(), bytes, frame });
    const a = frame.arp;
    if (this.answerArp && a && a.op === 1 && a.targetIp === this.host.ip) {
      this.send(arpReplyFrame(this.host.mac, this.host.ip, a.senderMac, a.senderIp));
    }
    this.onHeard?.(frame);
  }
}

/** A stack on a wire of its own, and a raw host introduced to it. */
export async function stackAndRawHost(node: NodeOptions, rawHost: Host) {
  const { clock, wire } = simulation();
  const raw = new RawHost(wire, clock, rawHost);
  const added = await addNode(wire, clock, node);
  raw.introduceTo(added.host.ip);
  return { clock, wire, raw, node: added };
}

/** Lets the virtual clock run in 10 ms steps until the promise settles (bounded); its result. */
export async function drive<T>(clock: VirtualClock, promise: Promise<T>, limitMs = 60_000): Promise<T> {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  for (let waited = 0; !done && waited < limitMs; waited += 10) {
    clock.advance(10);
    await Promise.resolve();
  }
  assert.ok(done, `not settled after ${limitMs} virtual ms`);
  return promise;
}

/** Counter value by exact name; fails loudly if the module does not have that counter. */
export function counter(stack: Stack, name: string): number {
  const counters = stack.counters();
  if (!(name in counters)) throw new Error(`module has no counter "${name}"; it has: ${Object.keys(counters).join(', ')}`);
  return counters[name];
}

/** Counters that changed between two snapshots (for failure messages). */
export function counterDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) if (value !== (before[name] ?? 0)) delta[name] = value - (before[name] ?? 0);
  return delta;
}
