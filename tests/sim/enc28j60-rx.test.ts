// The driver's receive path against the chip model: ring overflow while nobody polls and the
// recovery after it, the largest frames MAMXFL lets through (a priority-tagged 1518-byte frame, a
// double-tagged 1522-byte one both ways) and the ones it or the stack drops, runts, a status vector without "received OK", and a
// corrupted next-packet pointer. Packets are altered in the model's buffer (chip.buffer) only
// where the model cannot produce the condition from the wire; each such place says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arp, ethernet, ETHERTYPE_ARP, ETHERTYPE_IPV4, icmpEcho, ipv4, macBytes, PROTO_ICMP } from './frames.ts';
import { counter, counterDelta, type RawHost } from './harness.ts';
import { ENC, encSetup, pingFrame, RAW, reg16, ringEnd, ringPackets } from './enc28j60-harness.ts';

const EPKTCNT = () => [1, 0x19] as const;
const replies = (raw: RawHost) => raw.heard.filter((h) => h.frame.icmp?.type === 0);
const sequences = (raw: RawHost) => replies(raw).map((h) => h.frame.icmp!.sequence);

/** An 802.1Q-tagged Ethernet frame (TCI: priority and VID) around an IPv4 packet. */
function tagged(tci: number, packet: Uint8Array): Uint8Array {
  const frame = new Uint8Array(18 + packet.length);
  frame.set(macBytes(ENC.mac), 0);
  frame.set(macBytes(RAW.mac), 6);
  frame.set([0x81, 0x00, tci >> 8, tci & 0xff, 0x08, 0x00], 12);
  frame.set(packet, 18);
  return frame;
}

/** A QinQ frame to the ENC stack: S-tag (0x88A8) VID 200, C-tag VID 100, then type and payload. */
function doubleTagged(type: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(22 + payload.length);
  frame.set(macBytes(ENC.mac), 0);
  frame.set(macBytes(RAW.mac), 6);
  frame.set([0x88, 0xa8, 0x00, 200, 0x81, 0x00, 0x00, 100, type >> 8, type & 0xff], 12);
  frame.set(payload, 22);
  return frame;
}

/** An IPv4 ICMP echo request of exactly `total` bytes (header included). */
function echoPacket(total: number, sequence: number): Uint8Array {
  const data = new Uint8Array(total - 28);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13 + sequence) & 0xff;
  return ipv4(RAW.ip, ENC.ip, PROTO_ICMP, icmpEcho(8, 0x7a7a, sequence, data));
}

test('ring overflow while nobody polls: the stored frames are read, RXERIF is counted once, sync holds', async () => {
  const { clock, raw, stack, chip } = await encSetup();
  stack.stop();
  // 20 pings of 1442 bytes: each takes 6 + 1446 ring bytes; an empty ring has ERXND bytes free
  // (DS §7.2.4: one byte always stays unwritten), so floor(ERXND / 1452) of them fit.
  const fit = Math.floor(ringEnd(chip) / 1452);
  assert.ok(fit >= 3, `a ${ringEnd(chip) + 1}-byte ring`);
  for (let i = 0; i < 20; i++) raw.send(pingFrame(i, 1400));
  clock.advance(100); // the wire delivers them all; nobody reads the chip
  assert.equal(chip.stats.rxRingFull, 20 - fit);
  assert.equal(chip.reg(...EPKTCNT()), fit);
  assert.deepEqual(ringPackets(chip).map((p) => p.count), new Array(fit).fill(1446));
  assert.equal(replies(raw).length, 0);
  const before = stack.counters();
  stack.start();
  assert.ok(clock.runUntil(() => replies(raw).length === fit, 100), `${replies(raw).length} replies`);
  clock.advance(10);
  assert.deepEqual(sequences(raw), [...Array(fit).keys()]);
  const delta = counterDelta(before, stack.counters());
  assert.equal(delta.enc_rx_overflow, 1, JSON.stringify(delta));
  assert.equal(delta.eth_rx_frames, fit, JSON.stringify(delta));
  assert.equal(delta.enc_rx_resets ?? 0, 0, 'no loss of sync');
  assert.equal(delta.enc_rx_next_mismatch ?? 0, 0);
  assert.equal(chip.reg(...EPKTCNT()), 0);
  assert.equal(chip.reg(0, 0x1c) & 0x01, 0, 'RXERIF cleared');
  // Fresh traffic, enough to go round the ring again, flows normally.
  for (let i = 100; i < 110; i++) {
    raw.send(pingFrame(i, 1400));
    assert.ok(clock.runUntil(() => sequences(raw).includes(i), 50), `no reply to ${i}`);
  }
  assert.equal(counter(stack, 'enc_rx_overflow'), 1);
  assert.equal(chip.stats.rxRingFull, 20 - fit);
  assert.deepEqual(chip.warnings, []);
});

for (const interrupt of [false, true]) {
  test(`more frames waiting than one poll takes (NIC_RX_BUDGET 16): all are read at once (${interrupt ? 'INT pin' : 'polled'})`, async () => {
    const { clock, raw, stack, chip } = await encSetup({ interrupt });
    stack.stop();
    for (let i = 0; i < 40; i++) raw.send(pingFrame(i, 8)); // 60-byte frames: 70 ring bytes each
    clock.advance(20);
    assert.equal(chip.reg(...EPKTCNT()), 40);
    stack.start();
    // 40 replies of 0.07 ms wire time each: a few ms, not a link-poll interval.
    assert.ok(clock.runUntil(() => replies(raw).length === 40, 10), `${replies(raw).length} of 40 replies within 10 ms`);
    assert.deepEqual(sequences(raw), [...Array(40).keys()]);
    assert.equal(chip.reg(...EPKTCNT()), 0);
    assert.equal(counter(stack, 'enc_rx_overflow'), 0);
  });
}

test('a priority-tagged (VID 0) 1518-byte frame, 1522 with FCS, passes MAMXFL and its 1500-byte echo request is answered', async () => {
  const { clock, raw, stack, chip } = await encSetup();
  stack.stop();
  const frame = tagged(0xa000, echoPacket(1500, 1)); // priority 5, VID 0
  assert.equal(frame.length, 1518);
  raw.send(frame);
  clock.advance(10);
  assert.deepEqual(ringPackets(chip).map((p) => p.count), [1522], 'stored whole, FCS included');
  stack.start();
  assert.ok(clock.runUntil(() => replies(raw).length === 1, 50));
  const { icmp, ipv4: ip } = replies(raw)[0].frame;
  assert.equal(icmp!.sequence, 1);
  assert.ok(icmp!.checksumOk);
  assert.equal(ip!.packet.length, 1500);
  assert.deepEqual(icmp!.body, echoPacket(1500, 1).subarray(28));
  assert.equal(counter(stack, 'enc_rx_too_long'), 0);
  assert.equal(counter(stack, 'eth_rx_giant'), 0);
});

test('a double-tagged 1522-byte frame, 1526 with FCS, passes MAMXFL both ways on a QinQ interface', async () => {
  const { clock, raw, stack, chip } = await encSetup();
  stack.setVlan(0, 100);
  stack.setQinq(0, { outerVid: 200 });
  const learn = doubleTagged(ETHERTYPE_ARP, arp(1, RAW.mac, RAW.ip, '00:00:00:00:00:00', ENC.ip));
  learn.set(macBytes('ff:ff:ff:ff:ff:ff'), 0);
  raw.send(learn); // the stack learns our MAC from its own address's request
  clock.advance(10);
  raw.heard.length = 0;
  const frame = doubleTagged(ETHERTYPE_IPV4, echoPacket(1500, 4));
  assert.equal(frame.length, 1522);
  stack.stop();
  raw.send(frame);
  clock.advance(10);
  assert.deepEqual(ringPackets(chip).map((p) => p.count), [1526], 'stored whole, FCS included');
  stack.start();
  const reply = () => raw.heard.find((h) => h.bytes.length === 1522 && h.bytes[42] === 0);
  assert.ok(clock.runUntil(() => reply() !== undefined, 50), `heard ${raw.heard.map((h) => h.bytes.length)}`);
  const bytes = reply()!.bytes;
  assert.deepEqual([...bytes.subarray(12, 22)], [0x88, 0xa8, 0x00, 200, 0x81, 0x00, 0x00, 100, 0x08, 0x00]);
  assert.deepEqual(bytes.subarray(50), echoPacket(1500, 4).subarray(28));
  assert.equal(counter(stack, 'enc_rx_too_long'), 0);
  assert.equal(counter(stack, 'eth_rx_giant'), 0);
  assert.equal(chip.stats.rxGiant, 0);
});

test('over the limits: a 1523-byte double-tagged frame (1527 with FCS) is dropped by the chip (MAMXFL); 1519 tagged and 1515 untagged by the stack', async () => {
  const { clock, raw, stack, chip } = await encSetup();
  const before = stack.counters();
  const giantDouble = doubleTagged(ETHERTYPE_IPV4, echoPacket(1501, 2));
  assert.equal(giantDouble.length, 1523);
  raw.send(giantDouble);
  clock.advance(20);
  assert.equal(chip.stats.rxGiant, 1, 'the chip aborted it');
  assert.equal(stack.counters().eth_rx_frames, before.eth_rx_frames, 'the stack never saw it');

  // 1519 + 4 and 1515 + 4 <= MAMXFL 1526: the chip passes them; a tagged frame over 1518 and an
  // untagged one over 1514 are giants.
  const giantTagged = tagged(0x0000, echoPacket(1501, 3));
  assert.equal(giantTagged.length, 1519);
  const giantUntagged = ethernet(ENC.mac, RAW.mac, ETHERTYPE_IPV4, echoPacket(1501, 4));
  assert.equal(giantUntagged.length, 1515);
  raw.send(giantTagged);
  raw.send(giantUntagged);
  clock.advance(20);
  assert.equal(chip.stats.rxGiant, 1);
  const delta = counterDelta(before, stack.counters());
  assert.deepEqual(delta, { eth_rx_frames: 2, eth_rx_giant: 2 });
  assert.equal(replies(raw).length, 0);
});

test('a runt: the model pads what its nic delivers to 60 bytes, so a 20-byte frame arrives as 60 (64 with FCS) and is judged by its type', async () => {
  // The model cannot take an unpadded runt from the wire (receive() pads, as the far end's MAC
  // would); what the stack sees of a short frame is its padded form.
  const { clock, raw, stack, chip } = await encSetup();
  stack.stop();
  const runt = new Uint8Array(20);
  runt.set(macBytes(ENC.mac), 0);
  runt.set(macBytes(RAW.mac), 6);
  runt.set([0x88, 0xb5, 1, 2, 3, 4, 5, 6], 12); // IEEE local experimental EtherType
  raw.send(runt);
  clock.advance(10);
  assert.deepEqual(ringPackets(chip).map((p) => p.count), [64]);
  const before = stack.counters();
  stack.start();
  clock.advance(10);
  assert.deepEqual(counterDelta(before, stack.counters()), { eth_rx_frames: 1, eth_rx_unknown_type: 1 });
});

test('a status vector without "received OK" (RSV bit 23) is dropped and counted; the ring stays in sync', async () => {
  // The model writes bit 23 for every frame it accepts (it has no bad-CRC or length-error
  // frames, and the errata #14 corruption needs an even ERXRDPT, which this driver never
  // writes), so the stored vector is altered in the chip's buffer before the driver reads it.
  const { clock, raw, stack, chip } = await encSetup();
  stack.stop();
  raw.send(pingFrame(1, 100));
  raw.send(pingFrame(2, 100));
  clock.advance(10);
  const [first, second] = ringPackets(chip);
  assert.equal(first.status & 0x80, 0x80);
  chip.buffer[first.at + 4] &= ~0x80;
  const before = stack.counters();
  stack.start();
  assert.ok(clock.runUntil(() => replies(raw).length === 1, 50));
  clock.advance(10);
  assert.deepEqual(sequences(raw), [2]);
  const delta = counterDelta(before, stack.counters());
  assert.equal(delta.enc_rx_bad_status, 1, JSON.stringify(delta));
  assert.equal(delta.eth_rx_frames, 1, JSON.stringify(delta));
  assert.equal(delta.enc_rx_resets ?? 0, 0);
  assert.equal(reg16(chip, 0, 0x0c), second.next - 1, 'both freed');

  // A byte count below an Ethernet header + FCS is a runt to the driver: dropped, not reset.
  stack.stop();
  raw.send(pingFrame(3, 100));
  raw.send(pingFrame(4, 100));
  clock.advance(10);
  const [runt] = ringPackets(chip);
  chip.buffer[runt.at + 2] = 17;
  chip.buffer[runt.at + 3] = 0;
  stack.start();
  assert.ok(clock.runUntil(() => replies(raw).length === 2, 50));
  assert.deepEqual(sequences(raw), [2, 4]);
  assert.equal(counter(stack, 'enc_rx_bad_status'), 2);
  assert.equal(counter(stack, 'enc_rx_next_mismatch'), 1, 'the count no longer matches the next pointer');
  assert.equal(counter(stack, 'enc_rx_resets'), 0);
});

test('a corrupted next-packet pointer resets the receiver: the waiting frames are lost, later ones flow', async () => {
  // The model's only corrupt header is errata #14's, which needs an even ERXRDPT: altered by hand.
  const { clock, raw, stack, chip } = await encSetup();
  stack.stop();
  raw.send(pingFrame(1, 100));
  raw.send(pingFrame(2, 100));
  clock.advance(10);
  const [first] = ringPackets(chip);
  chip.buffer[first.at] |= 0x01; // an odd next pointer
  stack.start();
  clock.advance(20);
  assert.equal(replies(raw).length, 0);
  assert.equal(counter(stack, 'enc_rx_resets'), 1);
  assert.equal(chip.reg(...EPKTCNT()), 0, 'the stale count drained');
  assert.equal(reg16(chip, 0, 0x08), 0);
  assert.equal(reg16(chip, 0, 0x0c), ringEnd(chip), 'ERXRDPT = ERXND: an empty ring, odd');
  assert.equal(reg16(chip, 0, 0x0e), 0, 'ERXWRPT reloaded from ERXST');
  for (let i = 10; i < 20; i++) {
    raw.send(pingFrame(i, 1000));
    assert.ok(clock.runUntil(() => sequences(raw).includes(i), 50), `no reply to ${i}`);
  }
  assert.equal(counter(stack, 'enc_rx_resets'), 1);
  assert.deepEqual(chip.warnings, []);
});
