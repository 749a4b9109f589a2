// An in-memory Ethernet segment for simulations: every endpoint hears every other one (a
// hub), with seeded impairments, and time comes from a VirtualClock that the test advances.
// Frames always arrive from a clock timer, never inside send(): send() is called from the
// module's nic_tx import, and delivering there would re-enter the module mid-call.
import type { Clock, Nic } from '../runtime.ts';
import { Impairment, type ImpairCounts, type ImpairOptions } from './impair.ts';

interface Timer {
  at: number;
  /** Insertion order: timers due at the same time fire first-in, first-out. */
  sequence: number;
  fn: () => void;
  cancelled: boolean;
}

/** Timers firing at one instant beyond this mean something re-arms a zero delay forever. */
const SAME_INSTANT_TIMERS_MAX = 1_000_000;

/** A clock that only moves when told to, firing due timers in time order. Deterministic. */
export class VirtualClock implements Clock {
  private nowMs: number;
  private sequence = 0;
  /** Binary min-heap ordered by (at, sequence). */
  private readonly heap: Timer[] = [];
  /** Timers fired so far (for tests and diagnostics). */
  fired = 0;

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimer(delayMs: number, fn: () => void): unknown {
    const timer: Timer = { at: this.nowMs + Math.max(0, delayMs), sequence: this.sequence++, fn, cancelled: false };
    this.push(timer);
    return timer;
  }

  clearTimer(handle: unknown): void {
    if (handle) (handle as Timer).cancelled = true;
  }

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.heap.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by ms, firing every timer due on the way, in order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    this.runUntil(() => false, ms);
  }

  /**
   * Fires timers in order until predicate() holds (checked first, then after every timer) or
   * limitMs have passed. Returns whether the predicate held; time stops at the event that made
   * it true, or at now + limitMs.
   */
  runUntil(predicate: () => boolean, limitMs: number): boolean {
    const deadline = this.nowMs + limitMs;
    if (predicate()) return true;
    let sameInstant = 0;
    for (;;) {
      const next = this.peek();
      if (!next || next.at > deadline) break;
      this.pop();
      sameInstant = next.at === this.nowMs ? sameInstant + 1 : 0;
      if (sameInstant > SAME_INSTANT_TIMERS_MAX) throw new Error(`VirtualClock: timers keep firing at t=${this.nowMs} ms`);
      this.nowMs = next.at;
      this.fired++;
      next.fn();
      if (predicate()) return true;
    }
    this.nowMs = deadline;
    return false;
  }

  private peek(): Timer | undefined {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    return this.heap[0];
  }

  private before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.sequence < b.sequence);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.before(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && this.before(heap[right], heap[smallest])) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
        i = smallest;
      }
    }
    return top;
  }
}

export interface WireOptions extends ImpairOptions {
  /** Seed for the impairment decisions; the same seed replays the same losses. */
  seed?: number;
}

/** One port on the segment. */
export class WireEndpoint implements Nic {
  onFrame: ((frame: Uint8Array) => void) | null = null;
  closed = false;
  /** Frames this endpoint sent / had handed to onFrame. */
  sent = 0;
  received = 0;

  constructor(
    private readonly wire: Wire,
    readonly name: string,
  ) {}

  send(frame: Uint8Array): void {
    if (this.closed) return;
    this.sent++;
    this.wire.carry(this, frame);
  }

  close(): void {
    this.closed = true;
  }

  /** Called by the wire's timers. */
  deliver(frame: Uint8Array): void {
    if (this.closed || !this.onFrame) return;
    this.received++;
    this.onFrame(frame);
  }
}

/**
 * A shared segment. Impairments are decided per frame and per receiver, as on a lossy hub,
 * and can be changed at any time with set().
 */
export class Wire {
  private readonly endpoints: WireEndpoint[] = [];
  private readonly impairment: Impairment;
  /** Sees every frame as it was sent, before impairments (e.g. to write a capture). */
  readonly monitors: Set<(from: WireEndpoint, frame: Uint8Array) => void> = new Set();

  constructor(
    readonly clock: Clock,
    options: WireOptions = {},
  ) {
    this.impairment = new Impairment(options.seed ?? 1, options);
  }

  endpoint(name = `port${this.endpoints.length}`): WireEndpoint {
    const endpoint = new WireEndpoint(this, name);
    this.endpoints.push(endpoint);
    return endpoint;
  }

  set(options: ImpairOptions): void {
    this.impairment.set(options);
  }

  /** Totals over every (frame, receiver) decision: dropped, corrupted, duplicated, ... */
  get counts(): Readonly<ImpairCounts> {
    return this.impairment.counts;
  }

  /** Called by an endpoint's send(): schedules the frame's copies for every other endpoint. */
  carry(from: WireEndpoint, frame: Uint8Array): void {
    const sent = frame.slice(); // the sender may reuse its buffer once send() returns
    for (const monitor of this.monitors) monitor(from, sent);
    for (const to of this.endpoints) {
      if (to === from || to.closed) continue;
      for (const { frame: copy, delayMs } of this.impairment.apply(sent)) {
        const own = copy === sent ? sent.slice() : copy;
        this.clock.setTimer(delayMs, () => to.deliver(own));
      }
    }
  }
}
