// ENC28J60 model, receive side: the RX ring bytes for a known frame (header, padding, FCS, even
// next pointer), EPKTCNT/PKTDEC, ring-full and 255-packet drops, filters including the hash bit
// for a known address and the pattern match, the #14 and #5 errata switches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { Enc28j60 } from '../../host/sim/enc28j60.ts';
import { hashIndex, patternChecksum } from '../../host/sim/enc28j60-frame.ts';
import { arpBroadcast, ECON2, EIR, ethFrame, HOST_MAC, PEER_MAC, Spi } from '../../host/sim/enc28j60-spi.ts';
import { VirtualClock, Wire } from '../../host/nic/wire.ts';

function ready(options: ConstructorParameters<typeof Enc28j60>[0] = {}, rxEnd = 0x19ff) {
  const chip = new Enc28j60(options);
  const spi = new Spi(chip);
  spi.init(HOST_MAC, rxEnd);
  return { chip, spi };
}

const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];

test('a short broadcast lands in the ring: header, padding to 60, valid FCS, even next pointer', () => {
  const { chip, spi } = ready();
  const frame = arpBroadcast(); // 42 bytes, type 0x0806
  chip.receive(frame);
  const padded = new Uint8Array(60);
  padded.set(frame);
  spi.write16(0, 0x00, 0x0000); // ERDPT = ERXST
  const bytes = spi.rbm(6 + 64);
  // Next pointer 6 + 64 = 70; count 64 incl. FCS; RSV: 23 OK + 22 type > 1500; 25 broadcast.
  assert.deepEqual([...bytes.subarray(0, 6)], [70, 0, 64, 0, 0xc0, 0x02]);
  assert.deepEqual([...bytes.subarray(6, 66)], [...padded]);
  assert.deepEqual([...bytes.subarray(66, 70)], le32(zlibCrc32(padded)));
  assert.equal(spi.read16(0, 0x0e), 70); // ERXWRPT
  spi.bank(1);
  assert.equal(spi.rcr(0x19), 1); // EPKTCNT
  assert.equal(spi.rcr(EIR) & 0x40, 0x40); // PKTIF

  // An odd total (61-byte frame + FCS = 65) leaves a filler byte: the next packet starts even.
  const odd = ethFrame(HOST_MAC, PEER_MAC, 0x0800, new Uint8Array(47).fill(0x5a));
  chip.receive(odd);
  spi.write16(0, 0x00, 70);
  const header = spi.rbm(6);
  assert.deepEqual([...header], [70 + 72, 0, 65, 0, 0xc0, 0x00]); // unicast: no bits 24/25
  assert.equal(spi.read16(0, 0x0e), 142);
  spi.bank(1);
  assert.equal(spi.rcr(0x19), 2);
});

test('the ring wraps ERXND→ERXST for a packet that straddles the end', () => {
  const { chip, spi } = ready({}, 0x00ff);
  // Move the write pointer near the end by receiving and consuming packets.
  for (let i = 0; i < 3; i++) {
    chip.receive(arpBroadcast());
    const next = spi.read16(0, 0x0e);
    spi.write16(0, 0x0c, next === 0 ? 0xff : next - 1); // odd ERXRDPT
    spi.bfs(ECON2, 0x40);
  }
  assert.equal(spi.read16(0, 0x0e), 210);
  chip.receive(arpBroadcast());
  const next = (210 + 70) % 256;
  spi.write16(0, 0x00, 210);
  const bytes = spi.rbm(70); // ERDPT follows the ring wrap
  assert.deepEqual([...bytes.subarray(0, 2)], [next, 0]);
  assert.equal(bytes[6 + 12], 0x08);
  assert.equal(spi.read16(0, 0x00), next);
});

test('EPKTCNT counts packets; PKTDEC decrements and PKTIF clears at 0', () => {
  const { chip, spi } = ready();
  chip.receive(arpBroadcast());
  chip.receive(arpBroadcast());
  spi.bank(1);
  assert.equal(spi.rcr(0x19), 2);
  spi.bfs(ECON2, 0x40);
  assert.equal(spi.rcr(0x19), 1);
  assert.equal(spi.rcr(EIR) & 0x40, 0x40);
  spi.bfs(ECON2, 0x40);
  assert.equal(spi.rcr(0x19), 0);
  assert.equal(spi.rcr(EIR) & 0x40, 0);
  spi.bfs(ECON2, 0x40);
  assert.equal(spi.rcr(0x19), 0, 'never below 0');
});

test('ring full: the packet is dropped with RXERIF until ERXRDPT moves', () => {
  const { chip, spi } = ready({}, 0x00ff); // 256-byte ring, ERXRDPT = 0xFF
  for (let i = 0; i < 4; i++) chip.receive(arpBroadcast()); // 70 bytes each: 3 fit
  spi.bank(1);
  assert.equal(spi.rcr(0x19), 3);
  assert.equal(spi.rcr(EIR) & 0x01, 0x01);
  assert.equal(chip.stats.rxRingFull, 1);
  spi.bfc(EIR, 0x01);
  spi.write16(0, 0x0c, 69); // free the first packet
  spi.bfs(ECON2, 0x40);
  chip.receive(arpBroadcast());
  spi.bank(1);
  assert.equal(spi.rcr(0x19), 3);
  assert.equal(spi.rcr(EIR) & 0x01, 0);
});

test('the 256th unacknowledged packet is dropped with RXERIF even with space', () => {
  const { chip, spi } = ready();
  for (let i = 0; i < 255; i++) {
    chip.receive(arpBroadcast());
    const next = spi.read16(0, 0x0e);
    spi.write16(0, 0x0c, next === 0 ? 0x19ff : next - 1); // space freed, but no PKTDEC
  }
  spi.bank(1);
  assert.equal(spi.rcr(0x19), 255);
  assert.equal(spi.rcr(EIR) & 0x01, 0);
  chip.receive(arpBroadcast());
  spi.bank(1);
  assert.equal(spi.rcr(0x19), 255);
  assert.equal(spi.rcr(EIR) & 0x01, 0x01);
  assert.equal(chip.stats.rxCountFull, 1);
});

test('frames are dropped (not queued) while RXEN=0, and over MAMXFL without HFRMEN', () => {
  const { chip, spi } = ready();
  spi.bfc(0x1f, 0x04);
  chip.receive(arpBroadcast());
  spi.bfs(0x1f, 0x04);
  chip.receive(ethFrame(HOST_MAC, PEER_MAC, 0x0800, new Uint8Array(1500))); // 1518: fits MAMXFL
  chip.receive(ethFrame(HOST_MAC, PEER_MAC, 0x0800, new Uint8Array(1501)));
  spi.bank(1);
  assert.equal(spi.rcr(0x19), 1);
  assert.equal(chip.stats.rxDisabled, 1);
  assert.equal(chip.stats.rxGiant, 1);
});

test('the hash bit for a known multicast address matches CRC bits 28:23', () => {
  // The [MCHP] register (MSb-first, LSb-first bytes, no final inversion) is the bit reverse of
  // the reflected CRC-32 before its final inversion, which zlib gives us independently.
  const da = new Uint8Array([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb]); // mDNS 224.0.0.251
  const reflected = ~zlibCrc32(da) >>> 0;
  let reversed = 0;
  for (let i = 0; i < 32; i++) reversed = ((reversed << 1) | ((reflected >>> i) & 1)) >>> 0;
  const k = (reversed >>> 23) & 0x3f;
  assert.equal(hashIndex(da), k);
  assert.equal(k, 0x3e, 'pinned (EHT7 bit 6), so a change in either computation shows');

  const { chip, spi } = ready();
  spi.bank(1);
  spi.wcr(0x18, 0x04 | 0x20); // HTEN|CRCEN
  const mdns = ethFrame([...da], PEER_MAC, 0x0800, new Uint8Array(46));
  chip.receive(mdns);
  assert.equal(chip.stats.rxFiltered, 1, 'an all-zero table never matches');
  spi.bank(1);
  spi.wcr(k >> 3, 1 << (k & 7)); // EHTn
  chip.receive(mdns);
  const other = ethFrame([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01], PEER_MAC, 0x0800, new Uint8Array(46));
  if (hashIndex(other.subarray(0, 6)) !== k) chip.receive(other);
  assert.equal(chip.stats.rxAccepted, 1);
});

test('unicast, broadcast, multicast, AND/OR and promiscuous filters', () => {
  const { chip, spi } = ready();
  const uni = ethFrame(HOST_MAC, PEER_MAC, 0x0800, new Uint8Array(46));
  const otherUni = ethFrame([2, 0, 0, 0, 0, 9], PEER_MAC, 0x0800, new Uint8Array(46));
  const multi = ethFrame([0x01, 0x00, 0x5e, 0, 0, 1], PEER_MAC, 0x0800, new Uint8Array(46));
  const count = () => {
    spi.bank(1);
    return spi.rcr(0x19);
  };
  const setFilter = (value: number) => {
    spi.bank(1);
    spi.wcr(0x18, value);
  };
  // Reset 0xA1: unicast to us and broadcast.
  for (const f of [uni, otherUni, multi, arpBroadcast()]) chip.receive(f);
  assert.equal(count(), 2);
  setFilter(0x22); // MCEN|CRCEN: multicast, broadcast counts as multicast
  for (const f of [uni, multi, arpBroadcast()]) chip.receive(f);
  assert.equal(count(), 4);
  setFilter(0xc1); // UCEN|ANDOR|BCEN: nothing is both
  for (const f of [uni, arpBroadcast()]) chip.receive(f);
  assert.equal(count(), 4);
  setFilter(0x00); // promiscuous
  for (const f of [otherUni, multi]) chip.receive(f);
  assert.equal(count(), 6);
  // The multicast RSV bit (24) is set for the multicast frame.
  spi.write16(0, 0x00, 0);
  const headers: number[] = [];
  for (let i = 0, at = 0; i < 6; i++) {
    spi.write16(0, 0x00, at);
    const h = spi.rbm(6);
    headers.push(h[5]);
    at = h[0] | (h[1] << 8);
  }
  assert.deepEqual(headers, [0x00, 0x02, 0x01, 0x02, 0x00, 0x01]);
});

test('pattern match: the datasheet example checksum and an ARP-only filter', () => {
  // [DS Fig 8-3]: EPMO = 6, mask 0x1F0A over bytes 88 AA 09 0A 0B 0C 0D → 0x563F.
  // Mask bits 1 and 3 (EPMM0 = 0x0A) and 8..12 (EPMM1 = 0x1F) pick those seven bytes.
  const fig = new Uint8Array(80);
  fig[6 + 1] = 0x88;
  fig[6 + 3] = 0xaa;
  fig.set([0x09, 0x0a, 0x0b, 0x0c, 0x0d], 6 + 8);
  assert.equal(patternChecksum(fig, 6, Uint8Array.of(0x0a, 0x1f, 0, 0, 0, 0, 0, 0)), 0x563f);
  assert.equal(patternChecksum(fig, 17, Uint8Array.of(0x0a, 0x1f, 0, 0, 0, 0, 0, 0)), -1, 'window past the end');

  // EtherCard's ARP-broadcast pattern: EPMM0 = 0x3F, EPMM1 = 0x30, EPMCS = 0xF7F9.
  const { chip, spi } = ready();
  spi.bank(1);
  spi.wcr(0x08, 0x3f);
  spi.wcr(0x09, 0x30);
  spi.wcr(0x10, 0xf9);
  spi.wcr(0x11, 0xf7);
  spi.wcr(0x18, 0x30); // PMEN|CRCEN
  chip.receive(arpBroadcast());
  chip.receive(ethFrame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], PEER_MAC, 0x0800, new Uint8Array(46)));
  assert.equal(chip.stats.rxAccepted, 1);
  assert.equal(chip.stats.rxFiltered, 1);
});

test('errata #14: an even ERXRDPT is flagged, and with the switch on corrupts the next header', () => {
  const plain = ready();
  plain.spi.write16(0, 0x0c, 0x0100);
  assert.equal(plain.chip.warningCounts['errata14'], 1);
  plain.chip.receive(arpBroadcast());
  plain.spi.write16(0, 0x00, 0);
  assert.deepEqual([...plain.spi.rbm(6)], [70, 0, 64, 0, 0xc0, 0x02]);

  const { chip, spi } = ready({ errata: { evenErxrdpt: true } });
  spi.write16(0, 0x0c, 0x0100);
  chip.receive(arpBroadcast());
  spi.write16(0, 0x00, 0);
  const header = spi.rbm(6);
  assert.notEqual(header[0] | (header[1] << 8), 70);
  assert.equal(header[4] & 0x80, 0, 'RSV "received OK" lost');
  assert.equal(chip.warningCounts['errata14-corrupt'], 1);
});

test('errata #5: ERXST ≠ 0 is flagged; with the switch on the write pointer loads 0', () => {
  const plain = new Spi(new Enc28j60());
  plain.write16(0, 0x08, 0x0200);
  assert.equal(plain.read16(0, 0x0e), 0x0200);
  assert.ok(plain.chip.warningCounts['errata5'] >= 1);
  const buggy = new Spi(new Enc28j60({ errata: { erxstReload: true } }));
  buggy.write16(0, 0x08, 0x0200);
  assert.equal(buggy.read16(0, 0x0e), 0x0000);
});

test('attached to the in-memory wire: a peer frame arrives in the ring', () => {
  const clock = new VirtualClock();
  const wire = new Wire(clock);
  const peer = wire.endpoint('peer');
  const chip = new Enc28j60({ nic: wire.endpoint('enc'), clock });
  new Spi(chip).init(HOST_MAC);
  peer.send(arpBroadcast());
  clock.advance(1);
  assert.equal(chip.stats.rxAccepted, 1);
});
