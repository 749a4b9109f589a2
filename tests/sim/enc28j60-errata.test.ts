// Each switchable erratum of the chip model under the module's driver: #14 (an even ERXRDPT
// corrupts the next header), #5 (an ERXST/ERXND write loads 0 into the write pointer), #12/#13
// (late-collision aborts that leave the TX logic wedged until a TXRST pulse).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock, Wire } from '../../host/nic/wire.ts';
import { arpRequestFrame } from './frames.ts';
import { counter, RawHost } from './harness.ts';
import { addEncNode, ENC, encSetup, pingFrame, RAW, reg16, ringPackets } from './enc28j60-harness.ts';
import type { Enc28j60Errata } from '../../host/sim/enc28j60.ts';

const replySequences = (raw: RawHost) => raw.heard.filter((h) => h.frame.icmp?.type === 0).map((h) => h.frame.icmp!.sequence);
const isAnnouncement = (raw: RawHost) => raw.heard.filter((h) => h.frame.arp?.op === 1 && h.frame.arp.senderIp === ENC.ip && h.frame.arp.targetIp === ENC.ip);

/** Pings one at a time, each reply awaited; `bytes` of data each. Returns the replies' sequences. */
function pingSeries(clock: VirtualClock, raw: RawHost, first: number, count: number, bytes: number, check?: () => void): void {
  for (let i = first; i < first + count; i++) {
    raw.send(pingFrame(i, bytes));
    assert.ok(clock.runUntil(() => replySequences(raw).includes(i), 50), `no reply to ping ${i}`);
    check?.();
  }
}

/** The ENC stack with the given errata, up, and a raw host on the wire; nothing sent yet by the raw host. */
async function rawSetup(errata: Enc28j60Errata) {
  const clock = new VirtualClock(1_000);
  const wire = new Wire(clock, { seed: 1 });
  const raw = new RawHost(wire, clock, RAW);
  const node = await addEncNode(wire, clock, { errata });
  assert.ok(clock.runUntil(() => node.stack.nicStatus(0) === 'up', 20));
  return { clock, wire, raw, ...node };
}

test('errata #14 switched on: the driver only ever writes odd ERXRDPT values, so nothing is corrupted round the ring', async () => {
  const { clock, raw, stack, chip } = await encSetup({ errata: { evenErxrdpt: true } });
  // 40 pings of 1042 bytes: 1052 ring bytes each, six times round the 6.5 KB ring.
  pingSeries(clock, raw, 0, 40, 1000, () => assert.equal(reg16(chip, 0, 0x0c) & 1, 1, 'ERXRDPT odd'));
  assert.equal(chip.warningCounts['errata14'], undefined);
  assert.equal(chip.warningCounts['errata14-corrupt'], undefined);
  assert.equal(counter(stack, 'enc_rx_resets'), 0);
  assert.equal(counter(stack, 'enc_rx_bad_status'), 0);
  assert.deepEqual(chip.warnings, []);
});

test('errata #5 switched on: ERXST is 0, so ring set-up and a receiver reset reload the right write pointer', async () => {
  const { clock, raw, stack, chip } = await encSetup({ errata: { erxstReload: true } });
  pingSeries(clock, raw, 0, 10, 1000);
  // Force the receiver reset (the driver rewrites ERXST/ERXND): a corrupt next pointer, by hand.
  stack.stop();
  raw.send(pingFrame(100, 100));
  clock.advance(10);
  chip.buffer[ringPackets(chip)[0].at] |= 0x01;
  stack.start();
  clock.advance(10);
  assert.equal(counter(stack, 'enc_rx_resets'), 1);
  assert.equal(reg16(chip, 0, 0x0e), 0, 'ERXWRPT = ERXST');
  pingSeries(clock, raw, 200, 10, 1000);
  assert.equal(chip.warningCounts['errata5'], undefined);
  assert.equal(counter(stack, 'enc_rx_bad_status'), 0);
  assert.deepEqual(chip.warnings, []);
});

test('two late collisions: the frame is retried (TXRST pulse each time) and delivered; enc_tx_retries == 2', async () => {
  const { clock, raw, stack, chip } = await rawSetup({ lateCollisions: 2 });
  raw.send(arpRequestFrame(RAW.mac, RAW.ip, ENC.ip));
  pingSeries(clock, raw, 0, 5, 500);
  clock.advance(10);
  assert.equal(counter(stack, 'enc_tx_retries'), 2);
  assert.equal(counter(stack, 'enc_tx_errors'), 0);
  assert.equal(counter(stack, 'enc_tx_timeouts'), 0);
  assert.equal(chip.stats.txAborts, 2);
  // The first frame (the announcement at link-up) took the collisions and still went out.
  assert.equal(isAnnouncement(raw).length, 1);
  assert.equal(raw.heard.filter((h) => h.frame.arp?.op === 2).length, 1, 'the ARP reply');
  assert.equal(chip.stats.txFrames, 1 + 1 + 5);
  assert.deepEqual(chip.warnings, []);
});

test('late collisions beyond ENC_TX_RETRIES (3): that frame is dropped (enc_tx_errors == 1) and the next ones go out', async () => {
  const { clock, raw, stack, chip } = await rawSetup({ lateCollisions: 4 });
  raw.send(arpRequestFrame(RAW.mac, RAW.ip, ENC.ip));
  assert.ok(clock.runUntil(() => raw.heard.some((h) => h.frame.arp?.op === 2), 50), 'no ARP reply: TX wedged');
  pingSeries(clock, raw, 0, 10, 500);
  clock.advance(10);
  assert.equal(counter(stack, 'enc_tx_retries'), 3);
  assert.equal(counter(stack, 'enc_tx_errors'), 1);
  assert.equal(counter(stack, 'enc_tx_timeouts'), 0);
  assert.equal(chip.stats.txAborts, 4);
  assert.equal(isAnnouncement(raw).length, 0, 'the announcement was the frame given up on');
  assert.equal(chip.stats.txFrames, 1 + 10);
  assert.deepEqual(chip.warnings, []);
});

test('a frame that hit a late collision is retried without waiting for the stack to send another one', async () => {
  // The announcement at link-up is the only frame: nothing else will call enc_tx.
  const { clock, raw, stack, chip } = await rawSetup({ lateCollisions: 1 });
  // Its wire time is 0.07 ms; 3 retries need well under 1 ms. A minute is more than enough.
  const heard = clock.runUntil(() => isAnnouncement(raw).length === 1, 60_000);
  assert.ok(
    heard,
    `announcement not on the wire 60 s after a late collision (txAborts ${chip.stats.txAborts}, txFrames ${chip.stats.txFrames}, enc_tx_retries ${counter(stack, 'enc_tx_retries')})`,
  );
  assert.equal(counter(stack, 'enc_tx_retries'), 1);
});
