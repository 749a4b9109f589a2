// Impairment decisions: seeded (same seed, same fate), with rates close to the settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Impairment } from '../../host/nic/impair.ts';

const FRAME = new Uint8Array(64).map((_, i) => i);
const N = 20_000;

function run(impairment: Impairment, n = N) {
  const fates: string[] = [];
  for (let i = 0; i < n; i++) {
    fates.push(impairment.apply(FRAME).map((d) => `${d.delayMs}:${Buffer.from(d.frame).toString('hex')}`).join('|'));
  }
  return fates;
}

test('no settings: every frame passes once, unchanged, at once', () => {
  const impairment = new Impairment(7);
  const [delivery, ...rest] = impairment.apply(FRAME);
  assert.equal(rest.length, 0);
  assert.equal(delivery.delayMs, 0);
  assert.deepEqual(delivery.frame, FRAME);
  assert.deepEqual(impairment.counts, { frames: 1, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, delivered: 1 });
});

test('the same seed replays the same decisions; another seed does not', () => {
  const options = { lossChance: 0.2, corruptChance: 0.1, duplicateChance: 0.05, jitterMs: 10 };
  assert.deepEqual(run(new Impairment(42, options), 2000), run(new Impairment(42, options), 2000));
  assert.notDeepEqual(run(new Impairment(42, options), 2000), run(new Impairment(43, options), 2000));
});

test('loss rate is near the chance and the counts add up', () => {
  const impairment = new Impairment(1, { lossChance: 0.2 });
  run(impairment);
  const { frames, dropped, delivered } = impairment.counts;
  assert.equal(frames, N);
  assert.equal(dropped + delivered, N);
  assert.ok(Math.abs(dropped / N - 0.2) < 0.02, `dropped ${dropped} of ${N}`);
});

test('corruption changes exactly one byte per corrupted copy and never the input', () => {
  const before = FRAME.slice();
  const impairment = new Impairment(3, { corruptChance: 0.3 });
  let changed = 0;
  for (let i = 0; i < N; i++) {
    const [delivery] = impairment.apply(FRAME);
    const diff = delivery.frame.reduce((n, b, j) => n + (b !== FRAME[j] ? 1 : 0), 0);
    assert.ok(diff <= 1);
    changed += diff;
  }
  assert.deepEqual(FRAME, before);
  assert.equal(changed, impairment.counts.corrupted);
  assert.ok(Math.abs(changed / N - 0.3) < 0.02, `corrupted ${changed} of ${N}`);
});

test('duplication delivers two copies; reordering holds a frame back', () => {
  const impairment = new Impairment(5, { duplicateChance: 0.1, reorderChance: 0.1, reorderMs: 7, delayMs: 3 });
  let two = 0;
  let held = 0;
  for (let i = 0; i < N; i++) {
    const deliveries = impairment.apply(FRAME);
    if (deliveries.length === 2) two++;
    for (const d of deliveries) {
      assert.ok(d.delayMs === 3 || d.delayMs === 10, `delay ${d.delayMs}`);
      if (d.delayMs === 10) held++;
    }
  }
  assert.equal(two, impairment.counts.duplicated);
  assert.equal(held, impairment.counts.reordered);
  assert.ok(Math.abs(two / N - 0.1) < 0.015, `duplicated ${two}`);
  assert.ok(Math.abs(held / (N + two) - 0.1) < 0.015, `reordered ${held}`);
});

test('jitter stays within [delay, delay + jitter] and reaches both ends', () => {
  const impairment = new Impairment(9, { delayMs: 10, jitterMs: 4 });
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) for (const d of impairment.apply(FRAME)) seen.add(d.delayMs);
  assert.deepEqual([...seen].sort((a, b) => a - b), [10, 11, 12, 13, 14]);
});

test('set() changes only what it names; bad settings are refused', () => {
  const impairment = new Impairment(1, { lossChance: 1 });
  assert.equal(impairment.apply(FRAME).length, 0);
  impairment.set({ delayMs: 5 });
  assert.equal(impairment.settings.lossChance, 1);
  impairment.set({ lossChance: 0 });
  assert.equal(impairment.apply(FRAME)[0].delayMs, 5);
  assert.throws(() => impairment.set({ lossChance: 1.5 }), /lossChance must be between 0 and 1/);
  assert.throws(() => new Impairment(1, { delayMs: -1 }), /delayMs must be a non-negative/);
  assert.throws(() => new Impairment(1, { corruptBytes: 0 }), /corruptBytes must be a positive integer/);
});
