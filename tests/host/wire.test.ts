// The virtual clock and the in-memory wire, without the module: ordering, delivery through
// timers, impairments counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock, Wire } from '../../host/nic/wire.ts';

test('timers fire in time order, same-time timers first-in first-out', () => {
  const clock = new VirtualClock(100);
  const order: string[] = [];
  clock.setTimer(10, () => order.push(`b@${clock.now()}`));
  clock.setTimer(5, () => order.push(`a@${clock.now()}`));
  clock.setTimer(10, () => order.push(`c@${clock.now()}`));
  const cleared = clock.setTimer(7, () => order.push('cleared'));
  clock.clearTimer(cleared);
  clock.advance(9);
  assert.deepEqual(order, ['a@105']);
  assert.equal(clock.now(), 109);
  clock.advance(1);
  assert.deepEqual(order, ['a@105', 'b@110', 'c@110']);
  assert.equal(clock.pending, 0);
});

test('timers armed while running fire in the same advance if due', () => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  const tick = () => {
    seen.push(clock.now());
    if (seen.length < 5) clock.setTimer(3, tick);
  };
  clock.setTimer(0, tick);
  clock.advance(10);
  assert.deepEqual(seen, [0, 3, 6, 9]);
  clock.advance(10);
  assert.deepEqual(seen, [0, 3, 6, 9, 12]);
});

test('runUntil stops at the event that satisfies the predicate, or at the limit', () => {
  const clock = new VirtualClock();
  let done = false;
  clock.setTimer(40, () => (done = true));
  assert.equal(clock.runUntil(() => done, 100), true);
  assert.equal(clock.now(), 40);
  assert.equal(clock.runUntil(() => false, 100), false);
  assert.equal(clock.now(), 140);
});

test('a zero-delay timer loop is reported, not spun forever', () => {
  const clock = new VirtualClock();
  const loop = () => clock.setTimer(0, loop);
  clock.setTimer(0, loop);
  assert.throws(() => clock.advance(1), /timers keep firing at t=0/);
});

test('the wire delivers to every other endpoint, only through timers', () => {
  const clock = new VirtualClock();
  const wire = new Wire(clock);
  const [a, b, c] = [wire.endpoint(), wire.endpoint(), wire.endpoint()];
  const got: Record<string, string[]> = { a: [], b: [], c: [] };
  a.onFrame = (f) => got.a.push(Buffer.from(f).toString('hex'));
  b.onFrame = (f) => got.b.push(Buffer.from(f).toString('hex'));
  c.onFrame = (f) => got.c.push(Buffer.from(f).toString('hex'));
  const frame = Uint8Array.of(1, 2, 3);
  a.send(frame);
  frame[0] = 9; // the sender reusing its buffer must not change what is delivered
  assert.deepEqual(got, { a: [], b: [], c: [] }, 'nothing is delivered inside send()');
  clock.advance(0);
  assert.deepEqual(got, { a: [], b: ['010203'], c: ['010203'] });
  c.close();
  b.send(Uint8Array.of(4));
  clock.advance(0);
  assert.deepEqual(got, { a: ['04'], b: ['010203'], c: ['010203'] });
});

test('delay and jitter are on the virtual clock', () => {
  const clock = new VirtualClock();
  const wire = new Wire(clock, { delayMs: 20 });
  const [a, b] = [wire.endpoint(), wire.endpoint()];
  const at: number[] = [];
  b.onFrame = () => at.push(clock.now());
  a.send(Uint8Array.of(1));
  clock.advance(19);
  assert.deepEqual(at, []);
  clock.advance(1);
  assert.deepEqual(at, [20]);
});

test('reordering lets later frames overtake; duplication and loss are counted', () => {
  const clock = new VirtualClock();
  const wire = new Wire(clock, { seed: 4, reorderChance: 0.3, reorderMs: 5, duplicateChance: 0.1, lossChance: 0.1 });
  const [a, b] = [wire.endpoint(), wire.endpoint()];
  const got: number[] = [];
  b.onFrame = (f) => got.push(f[0] | (f[1] << 8));
  for (let i = 0; i < 1000; i++) {
    a.send(Uint8Array.of(i & 0xff, i >> 8));
    clock.advance(1);
  }
  clock.advance(10);
  const counts = wire.counts;
  assert.equal(got.length, counts.delivered);
  assert.equal(counts.delivered, 1000 - counts.dropped + counts.duplicated);
  assert.ok(counts.dropped > 50 && counts.duplicated > 50 && counts.reordered > 200, JSON.stringify(counts));
  const inversions = got.filter((v, i) => i > 0 && v < got[i - 1]).length;
  assert.ok(inversions > 100, `only ${inversions} frames arrived out of order`);
});

test('the same seed gives the same delivery sequence', () => {
  const trace = (seed: number) => {
    const clock = new VirtualClock();
    const wire = new Wire(clock, { seed, lossChance: 0.3, jitterMs: 3, corruptChance: 0.2 });
    const [a, b] = [wire.endpoint(), wire.endpoint()];
    const got: string[] = [];
    b.onFrame = (f) => got.push(`${clock.now()}:${Buffer.from(f).toString('hex')}`);
    for (let i = 0; i < 200; i++) a.send(Uint8Array.of(i, 0xaa, 0x55));
    clock.advance(10);
    return got;
  };
  assert.deepEqual(trace(8), trace(8));
  assert.notDeepEqual(trace(8), trace(9));
});
