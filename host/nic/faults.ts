// Impairments on a real link: wraps any Nic so frames in both directions may be dropped,
// corrupted or delayed (the CLI's --drop-chance, --corrupt-chance, --delay). Each direction
// has its own seeded Impairment (impair.ts, shared with the in-memory wire), so a run with
// the same seed and the same traffic makes the same decisions.
import { realClock, type Clock, type Nic } from '../runtime.ts';
import { Impairment, type ImpairCounts } from './impair.ts';

export interface FaultOptions {
  /** Chance (0..1) that a frame is dropped. */
  dropChance?: number;
  /** Chance (0..1) that one byte of a frame is changed. */
  corruptChance?: number;
  /** Delay added to every frame, in clock milliseconds. */
  delayMs?: number;
  seed?: number;
}

export interface FaultyNic extends Nic {
  /** What was done to frames leaving the stack (out) and arriving from the link (in). */
  readonly counts: { out: Readonly<ImpairCounts>; in: Readonly<ImpairCounts> };
}

/** Mixes the seed for the second direction so the two directions do not make the same choices. */
const INBOUND_SEED_MIX = 0x5bd1e995;

export function withFaults(nic: Nic, options: FaultOptions, clock: Clock = realClock): FaultyNic {
  const seed = options.seed ?? 1;
  const settings = { lossChance: options.dropChance ?? 0, corruptChance: options.corruptChance ?? 0, delayMs: options.delayMs ?? 0 };
  const outbound = new Impairment(seed, settings);
  const inbound = new Impairment((seed ^ INBOUND_SEED_MIX) >>> 0, settings);
  const timers = new Set<unknown>();
  let closed = false;

  // Zero delay passes the frame straight through, as the bare nic would; otherwise a timer
  // holds it. The timer set lets close() cancel frames still in flight.
  const later = (delayMs: number, fn: () => void) => {
    if (delayMs <= 0) return fn();
    const handle = clock.setTimer(delayMs, () => {
      timers.delete(handle);
      if (!closed) fn();
    });
    timers.add(handle);
  };

  const wrapper: FaultyNic = {
    onFrame: null,
    counts: { out: outbound.counts, in: inbound.counts },
    send(frame) {
      if (closed) return;
      for (const { frame: copy, delayMs } of outbound.apply(frame)) {
        // A delayed frame must not alias the caller's buffer, which it may reuse.
        const own = delayMs > 0 && copy === frame ? frame.slice() : copy;
        later(delayMs, () => nic.send(own));
      }
    },
    close() {
      closed = true;
      for (const handle of timers) clock.clearTimer(handle);
      timers.clear();
      nic.close();
    },
  };
  nic.onFrame = (frame) => {
    for (const { frame: copy, delayMs } of inbound.apply(frame)) {
      const own = delayMs > 0 && copy === frame ? frame.slice() : copy;
      later(delayMs, () => wrapper.onFrame?.(own));
    }
  };
  return wrapper;
}
