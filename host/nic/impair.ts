// Seeded link impairments shared by the in-memory wire (wire.ts) and the fault wrapper for
// real links (faults.ts). One Impairment decides the fate of each frame: dropped, or
// delivered once or twice, possibly corrupted, after some delay. It never delivers
// anything itself; callers schedule the deliveries on their clock, so the same decisions
// replay exactly from the same seed.
import { makeRandom } from '../runtime.ts';

export interface ImpairOptions {
  /** Chance (0..1) that a frame is lost. */
  lossChance?: number;
  /** Chance (0..1) that a delivered frame arrives twice. */
  duplicateChance?: number;
  /** Chance (0..1) that a frame is held back by reorderMs so later frames overtake it. */
  reorderChance?: number;
  reorderMs?: number;
  /** Chance (0..1) that a delivered copy has corruptBytes bytes changed. */
  corruptChance?: number;
  corruptBytes?: number;
  /** Fixed delay plus a uniform jitter in [0, jitterMs], in clock milliseconds. */
  delayMs?: number;
  jitterMs?: number;
}

/** What the impairment did, frame by frame; `frames` counts frames offered to it. */
export interface ImpairCounts {
  frames: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  delivered: number;
}

/** One copy of a frame to hand over after delayMs. */
export interface Delivery {
  frame: Uint8Array;
  delayMs: number;
}

const DEFAULT_REORDER_MS = 5;

export function zeroCounts(): ImpairCounts {
  return { frames: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, delivered: 0 };
}

export class Impairment {
  readonly counts: ImpairCounts = zeroCounts();
  private options: Required<ImpairOptions>;
  private readonly random: () => number;

  constructor(seed: number, options: ImpairOptions = {}) {
    this.random = makeRandom(seed);
    this.options = Impairment.complete(options);
  }

  /** Replaces the settings that are given; the others keep their values. */
  set(options: ImpairOptions): void {
    this.options = Impairment.complete({ ...this.options, ...options });
  }

  get settings(): Readonly<Required<ImpairOptions>> {
    return this.options;
  }

  /** Decides what happens to one frame. The input is never modified; corrupted copies are new. */
  apply(frame: Uint8Array): Delivery[] {
    const o = this.options;
    this.counts.frames++;
    if (this.chance(o.lossChance)) {
      this.counts.dropped++;
      return [];
    }
    const copies = this.chance(o.duplicateChance) ? 2 : 1;
    if (copies === 2) this.counts.duplicated++;
    const deliveries: Delivery[] = [];
    for (let i = 0; i < copies; i++) {
      let delayMs = o.delayMs + (o.jitterMs > 0 ? this.below(o.jitterMs + 1) : 0);
      if (this.chance(o.reorderChance)) {
        this.counts.reordered++;
        delayMs += o.reorderMs;
      }
      let copy = frame;
      if (this.chance(o.corruptChance) && frame.length > 0) {
        this.counts.corrupted++;
        copy = this.corrupt(frame, o.corruptBytes);
      }
      deliveries.push({ frame: copy, delayMs });
    }
    this.counts.delivered += deliveries.length;
    return deliveries;
  }

  /** A copy of frame with `count` random bytes XORed with a nonzero value (a lone flip always changes the frame). */
  private corrupt(frame: Uint8Array, count: number): Uint8Array {
    const copy = frame.slice();
    for (let i = 0; i < count; i++) copy[this.below(copy.length)] ^= 1 + this.below(255);
    return copy;
  }

  /** True with probability p. Draws nothing when p is 0, so turning an impairment off keeps other decisions' sequence stable. */
  private chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.random() / 0x1_0000_0000 < p;
  }

  /** Uniform integer in [0, n). */
  private below(n: number): number {
    return Math.floor((this.random() / 0x1_0000_0000) * n);
  }

  private static complete(options: ImpairOptions): Required<ImpairOptions> {
    const result: Required<ImpairOptions> = {
      lossChance: options.lossChance ?? 0,
      duplicateChance: options.duplicateChance ?? 0,
      reorderChance: options.reorderChance ?? 0,
      reorderMs: options.reorderMs ?? DEFAULT_REORDER_MS,
      corruptChance: options.corruptChance ?? 0,
      corruptBytes: options.corruptBytes ?? 1,
      delayMs: options.delayMs ?? 0,
      jitterMs: options.jitterMs ?? 0,
    };
    for (const key of ['lossChance', 'duplicateChance', 'reorderChance', 'corruptChance'] as const) {
      const p = result[key];
      if (!(p >= 0 && p <= 1)) throw new RangeError(`${key} must be between 0 and 1, got ${p}`);
    }
    for (const key of ['reorderMs', 'delayMs', 'jitterMs'] as const) {
      const ms = result[key];
      if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`${key} must be a non-negative number of milliseconds, got ${ms}`);
    }
    if (!(Number.isInteger(result.corruptBytes) && result.corruptBytes >= 1)) {
      throw new RangeError(`corruptBytes must be a positive integer, got ${result.corruptBytes}`);
    }
    return result;
  }
}
