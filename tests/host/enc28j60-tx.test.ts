// ENC28J60 model, transmit side: TSV bytes for a known frame, padding and CRC modes (MACON3 and
// the per-packet override), the host FCS check, giant aborts, wire-time completion with and
// without a clock, INT, cancel, loopback, and the #12/#13 late-collision erratum switch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import type { Nic } from '../../host/runtime.ts';
import { VirtualClock, Wire } from '../../host/nic/wire.ts';
import { Enc28j60, type Enc28j60Options } from '../../host/sim/enc28j60.ts';
import { arpBroadcast, ECON1, EIR, ESTAT, ethFrame, HOST_MAC, PEER_MAC, Spi } from '../../host/sim/enc28j60-spi.ts';

class CaptureNic implements Nic {
  sent: Uint8Array[] = [];
  onFrame: ((frame: Uint8Array) => void) | null = null;
  send(frame: Uint8Array): void {
    this.sent.push(frame.slice());
  }
  close(): void {}
}

function ready(options: Enc28j60Options = {}, macon3 = 0x32) {
  const nic = new CaptureNic();
  const chip = new Enc28j60({ nic, txTiming: 'instant', ...options });
  const spi = new Spi(chip);
  spi.init(HOST_MAC, 0x19ff, macon3);
  return { nic, chip, spi };
}

/** The 7 TSV bytes at ETXND+1 for a frame of `length` sent from 0x1A00. */
function tsv(spi: Spi, length: number): number[] {
  spi.write16(0, 0x00, 0x1a00 + length + 1);
  return [...spi.rbm(7)];
}

test('TSV for a padded broadcast: counts incl. padding and FCS, done, broadcast; the nic gets no FCS', () => {
  const { nic, chip, spi } = ready();
  const frame = arpBroadcast();
  spi.transmit(frame);
  assert.equal(nic.sent.length, 1);
  const padded = new Uint8Array(60);
  padded.set(frame);
  assert.deepEqual([...nic.sent[0]], [...padded]);
  // 64 bytes; bit 22 (type 0x0806 > 1500) + 23 done; bit 25 broadcast; total 64 on the wire.
  assert.deepEqual(tsv(spi, frame.length), [64, 0, 0xc0, 0x02, 64, 0, 0]);
  assert.equal(spi.rcr(EIR) & 0x0a, 0x08); // TXIF, no TXERIF
  assert.equal(spi.rcr(ECON1) & 0x08, 0); // TXRTS cleared
  assert.equal(chip.stats.txFrames, 1);
  assert.equal(chip.warningCounts['errata12'], undefined, 'TXRST was pulsed');
});

test('padding and CRC per MACON3 PADCFG/TXCRCEN and per the control-byte override', () => {
  const vlan = ethFrame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], PEER_MAC, 0x8100, new Uint8Array(28));
  const cases: [string, number, number, Uint8Array, number, number][] = [
    // name, MACON3, control byte, frame, bytes to the nic, TSV count
    ['001 pad 60 + CRC', 0x32, 0x00, arpBroadcast(), 60, 64],
    ['011 pad 64 + CRC', 0x70, 0x00, arpBroadcast(), 64, 68],
    ['111 pad 64 + CRC', 0xf0, 0x00, arpBroadcast(), 64, 68],
    ['101 non-VLAN pads 60', 0xb0, 0x00, arpBroadcast(), 60, 64],
    ['101 VLAN pads 64', 0xb0, 0x00, vlan, 64, 68],
    ['000 + TXCRCEN: CRC, no padding', 0x10, 0x00, arpBroadcast(), 42, 46],
    ['override PPADEN|PCRCEN', 0x00, 0x07, arpBroadcast(), 60, 64],
    ['override PCRCEN only', 0x32, 0x03, arpBroadcast(), 42, 46],
  ];
  for (const [name, macon3, control, frame, toNic, count] of cases) {
    const { nic, spi } = ready({}, macon3);
    spi.transmit(frame, control);
    assert.equal(nic.sent[0]?.length, toNic, name);
    const status = tsv(spi, frame.length);
    assert.equal(status[0] | (status[1] << 8), count, name);
    assert.equal(status[2] & 0x80, 0x80, `${name}: done`);
    if (frame === vlan) assert.equal(status[6] & 0x08, 0x08, 'TSV bit 51 VLAN');
  }
});

test('without an appended CRC the host FCS is checked (TSV bit 20) and stripped', () => {
  const body = new Uint8Array(60);
  body.set(arpBroadcast());
  const fcs = zlibCrc32(body);
  const good = Uint8Array.from([...body, fcs & 0xff, (fcs >>> 8) & 0xff, (fcs >>> 16) & 0xff, fcs >>> 24]);
  const bad = good.slice();
  bad[63] ^= 0xff;
  for (const [frame, crcError] of [[good, 0], [bad, 0x10]] as const) {
    const { nic, spi } = ready({}, 0x00);
    spi.transmit(frame);
    assert.deepEqual([...nic.sent[0]], [...body]);
    const status = tsv(spi, frame.length);
    assert.equal(status[0], 64);
    assert.equal(status[2] & 0x10, crcError);
  }
});

test('a giant frame aborts with TXERIF, TXABRT and TSV bit 30 unless HFRMEN or PHUGEEN', () => {
  const giant = ethFrame(PEER_MAC, HOST_MAC, 0x0800, new Uint8Array(1501)); // 1515 + FCS > 1518
  const { nic, chip, spi } = ready();
  spi.transmit(giant);
  assert.equal(nic.sent.length, 0);
  assert.equal(spi.rcr(EIR) & 0x0a, 0x0a); // TXIF and TXERIF
  assert.equal(spi.rcr(ESTAT) & 0x02, 0x02); // TXABRT
  const status = tsv(spi, giant.length);
  assert.equal(status[3] & 0x40, 0x40);
  assert.equal(status[2] & 0x80, 0, 'not done');
  assert.equal(chip.stats.txAborts, 1);
  spi.bfc(ESTAT, 0x02); // clear-only
  assert.equal(spi.rcr(ESTAT) & 0x02, 0);

  const huge = ready({}, 0x36); // HFRMEN
  huge.spi.transmit(giant);
  assert.equal(huge.nic.sent[0].length, 1515);
  const override = ready();
  override.spi.transmit(giant, 0x0b); // PHUGEEN|PCRCEN|POVERRIDE
  assert.equal(override.nic.sent.length, 1);
});

test('TXRTS holds for the wire time: polling without a clock sees TXIF after ~84 EIR reads', () => {
  const { nic, spi } = ready({ txTiming: 'wire' });
  spi.transmit(arpBroadcast());
  assert.equal(spi.rcr(ECON1) & 0x08, 0x08);
  assert.equal(nic.sent.length, 0);
  // (64 + 8 preamble + 12 IFG) × 0.8 µs = 67.2 µs; one 2-byte RCR at 20 MHz is 0.8 µs.
  const polls = spi.waitTx();
  assert.ok(polls >= 80 && polls <= 84, `polls ${polls}`);
  assert.equal(nic.sent.length, 1);
  spi.waitTx();
  assert.equal(nic.sent.length, 1, 'one frame and one TXIF per TXRTS');
});

test('with a clock, completion comes from a timer: the frame reaches the wire and INT asserts', () => {
  const clock = new VirtualClock();
  const wire = new Wire(clock);
  const peer = wire.endpoint('peer');
  const heard: Uint8Array[] = [];
  peer.onFrame = (frame) => heard.push(frame);
  const ints: boolean[] = [];
  const chip = new Enc28j60({ nic: wire.endpoint('enc'), clock, onInt: (level) => ints.push(level) });
  const spi = new Spi(chip);
  spi.init(HOST_MAC);
  spi.wcr(0x1b, 0x88); // EIE = INTIE|TXIE
  // Chip time runs ahead of the clock by the SPI bytes of init; let the clock catch up first.
  clock.advance(1);
  spi.transmit(arpBroadcast());
  clock.advance(0.05);
  assert.equal(heard.length, 0);
  assert.deepEqual(ints, []);
  clock.advance(0.05);
  assert.equal(heard.length, 1);
  assert.equal(heard[0].length, 60);
  assert.deepEqual(ints, [true]);
  spi.bfc(EIR, 0x08);
  assert.deepEqual(ints, [true, false]);
  assert.equal(clock.pending, 0);
});

test('clearing TXRTS cancels: nothing sent, TXIF set, TSV not done', () => {
  const { nic, spi } = ready({ txTiming: 'wire' });
  spi.transmit(arpBroadcast());
  spi.bfc(ECON1, 0x08);
  assert.equal(spi.rcr(EIR) & 0x08, 0x08);
  for (let i = 0; i < 200; i++) spi.rcr(EIR);
  assert.equal(nic.sent.length, 0);
  assert.equal(tsv(spi, 42)[2] & 0x80, 0);
});

test('half-duplex self-receive without HDLDIS; TXDIS keeps frames off the wire', () => {
  const { nic, spi } = ready();
  spi.phyWrite(0x10, 0x0000); // PHCON2: HDLDIS off
  spi.transmit(arpBroadcast());
  spi.bank(1);
  assert.equal(spi.rcr(0x19), 1, 'own broadcast received');
  assert.equal(nic.sent.length, 1);
  spi.phyWrite(0x10, 0x2100); // TXDIS|HDLDIS
  spi.transmit(arpBroadcast());
  assert.equal(nic.sent.length, 1);
  assert.equal(spi.rcr(EIR) & 0x08, 0x08);
});

test('a duplex mismatch between MACON3.FULDPX and PHCON1.PDPXMD is flagged', () => {
  const { chip, spi } = ready({}, 0x33);
  spi.transmit(arpBroadcast());
  assert.equal(chip.warningCounts['duplex'], 1);
});

test('errata #12/#13: an injected late collision sets TXERIF and TSV bit 29, leaves TXRTS stuck, wedges TX until TXRST', () => {
  const { nic, chip, spi } = ready({ errata: { lateCollisions: 1 } });
  spi.transmit(arpBroadcast());
  assert.equal(nic.sent.length, 0);
  assert.equal(spi.rcr(EIR) & 0x0a, 0x02, 'TXERIF without TXIF');
  assert.equal(spi.rcr(ECON1) & 0x08, 0x08, 'TXRTS stuck');
  assert.equal(spi.rcr(ESTAT) & 0x12, 0x12); // TXABRT|LATECOL
  assert.equal(tsv(spi, 42)[3] & 0x20, 0x20); // the byte drivers test
  spi.bfc(ECON1, 0x08); // the workaround: clear TXRTS by hand
  assert.equal(spi.rcr(ECON1) & 0x08, 0);
  // Retrying without a TXRST pulse: the wedged TX logic never completes.
  spi.bfc(EIR, 0x0a);
  spi.bfs(ECON1, 0x08);
  for (let i = 0; i < 200; i++) spi.rcr(EIR);
  assert.equal(spi.rcr(ECON1) & 0x08, 0x08);
  assert.equal(spi.rcr(EIR) & 0x0a, 0);
  assert.ok(chip.warningCounts['errata12'] >= 1);
  spi.bfc(ECON1, 0x08);
  spi.transmit(arpBroadcast()); // pulses TXRST first
  assert.equal(nic.sent.length, 1);
  assert.equal(spi.rcr(EIR) & 0x0a, 0x08);
});

test('the SRC-then-access warning (#2) needs a clock; accesses after 1 ms are fine', () => {
  const clock = new VirtualClock();
  const chip = new Enc28j60({ clock });
  const spi = new Spi(chip);
  spi.frame([0xff]);
  spi.rcr(EIR);
  assert.equal(chip.warningCounts['errata2'], 1);
  spi.frame([0xff]);
  clock.advance(2);
  spi.rcr(EIR);
  assert.equal(chip.warningCounts['errata2'], 1);
});
