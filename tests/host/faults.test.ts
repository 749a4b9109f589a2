// withFaults on a stand-in nic: both directions impaired, seeded, delayed on the given clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withFaults } from '../../host/nic/faults.ts';
import { VirtualClock } from '../../host/nic/wire.ts';
import type { Nic } from '../../host/runtime.ts';

function fakeNic() {
  const sent: Uint8Array[] = [];
  const nic: Nic & { sent: Uint8Array[]; closed: boolean } = {
    sent,
    closed: false,
    onFrame: null,
    send: (f) => sent.push(f),
    close: () => (nic.closed = true),
  };
  return nic;
}

const FRAME = new Uint8Array(60).fill(0x5a);

test('no faults: frames pass straight through both ways', () => {
  const inner = fakeNic();
  const nic = withFaults(inner, {});
  const received: Uint8Array[] = [];
  nic.onFrame = (f) => received.push(f);
  nic.send(FRAME);
  inner.onFrame!(FRAME);
  assert.equal(inner.sent.length, 1);
  assert.equal(received.length, 1);
});

test('drop and corrupt chances apply to each direction, seeded and independently', () => {
  const trace = (seed: number) => {
    const inner = fakeNic();
    const nic = withFaults(inner, { dropChance: 0.25, corruptChance: 0.25, seed });
    const received: Uint8Array[] = [];
    nic.onFrame = (f) => received.push(f);
    for (let i = 0; i < 4000; i++) {
      nic.send(FRAME);
      inner.onFrame!(FRAME);
    }
    const damaged = (frames: Uint8Array[]) => frames.filter((f) => f.some((b) => b !== 0x5a)).length;
    return { out: inner.sent.length, in: received.length, outDamaged: damaged(inner.sent), inDamaged: damaged(received), counts: nic.counts };
  };
  const a = trace(77);
  assert.deepEqual(trace(77), a);
  assert.equal(a.out, 4000 - a.counts.out.dropped);
  assert.equal(a.in, 4000 - a.counts.in.dropped);
  assert.equal(a.outDamaged, a.counts.out.corrupted);
  assert.equal(a.inDamaged, a.counts.in.corrupted);
  for (const n of [a.counts.out.dropped, a.counts.in.dropped]) assert.ok(Math.abs(n / 4000 - 0.25) < 0.03, `dropped ${n}`);
  for (const n of [a.outDamaged, a.inDamaged]) assert.ok(Math.abs(n / 3000 - 0.25) < 0.04, `corrupted ${n}`);
  assert.notEqual(a.counts.out.dropped, a.counts.in.dropped, 'the two directions draw from different sequences');
});

test('delay holds frames on the clock; close() cancels frames in flight', () => {
  const clock = new VirtualClock();
  const inner = fakeNic();
  const nic = withFaults(inner, { delayMs: 50 }, clock);
  const received: number[] = [];
  nic.onFrame = () => received.push(clock.now());
  const frame = FRAME.slice();
  nic.send(frame);
  frame[0] = 0; // the caller may reuse the buffer
  inner.onFrame!(FRAME);
  clock.advance(49);
  assert.equal(inner.sent.length, 0);
  assert.deepEqual(received, []);
  clock.advance(1);
  assert.equal(inner.sent.length, 1);
  assert.equal(inner.sent[0][0], 0x5a);
  assert.deepEqual(received, [50]);
  nic.send(FRAME);
  nic.close();
  clock.advance(100);
  assert.equal(inner.sent.length, 1);
  assert.equal(inner.closed, true);
});
