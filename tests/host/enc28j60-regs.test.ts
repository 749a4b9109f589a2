// ENC28J60 model, register side: reset values through RCR (with the MAC/MII dummy byte),
// instruction decoding, read-only and clear-only bits, buffer pointers and their wraps, the
// ERXRDPT latch, MII with BUSY. Expected values come from the facts sheet (§1, §2, §9).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Enc28j60 } from '../../host/sim/enc28j60.ts';
import { ECON1, ECON2, EIR, ESTAT, Spi } from '../../host/sim/enc28j60-spi.ts';

const fresh = () => new Spi(new Enc28j60());

test('reset values read back through RCR, MAC/MII registers after a dummy byte', () => {
  const spi = fresh();
  assert.equal(spi.rcr(ECON2), 0x80); // AUTOINC
  assert.equal(spi.rcr(ECON1), 0x00);
  assert.equal(spi.rcr(ESTAT) & 0x01, 0x01); // CLKRDY after the OST
  assert.equal(spi.read16(0, 0x00), 0x05fa); // ERDPT
  assert.equal(spi.read16(0, 0x08), 0x05fa); // ERXST
  assert.equal(spi.read16(0, 0x0a), 0x1fff); // ERXND
  assert.equal(spi.read16(0, 0x0c), 0x05fa); // ERXRDPT
  spi.bank(1);
  assert.equal(spi.rcr(0x18), 0xa1); // ERXFCON
  assert.equal(spi.rcr(0x19), 0x00); // EPKTCNT
  spi.bank(2);
  assert.equal(spi.rcrMac(0x08), 0x0f); // MACLCON1
  assert.equal(spi.rcrMac(0x09), 0x37); // MACLCON2
  assert.equal(spi.read16(2, 0x0a, true), 0x0600); // MAMXFL
  // The dummy byte: with only two bytes clocked, a MAC register shows the junk byte, not the value.
  spi.bank(2);
  assert.deepEqual([...spi.frame([0x09, 0, 0])], [0, 0, 0x37]);
  assert.notEqual(spi.rcr(0x09), 0x37);
  spi.bank(3);
  assert.equal(spi.rcr(0x12), 0x06); // EREVID B7, no dummy byte (ETH register in bank 3)
  assert.equal(spi.rcr(0x15), 0x04); // ECOCON
  assert.equal(spi.read16(3, 0x18), 0x1000); // EPAUS
  assert.equal(spi.rcrMac(0x0a), 0x00); // MISTAT needs the dummy byte too
  assert.equal(spi.frame([0x0a, 0, 0])[1], 0);
});

test('reserved addresses read 0 even after writes', () => {
  const spi = fresh();
  for (const [bank, addr, mac] of [[0, 0x18, false], [0, 0x1a, false], [1, 0x12, false], [2, 0x01, true], [2, 0x05, true], [3, 0x10, false]] as const) {
    spi.bank(bank);
    spi.wcr(addr, 0xff);
    assert.equal(mac ? spi.rcrMac(addr) : spi.rcr(addr), 0, `bank ${bank} 0x${addr.toString(16)}`);
  }
});

test('WCR, BFS, BFC and bank switching; the bank applies from the next command', () => {
  const spi = fresh();
  spi.bank(1);
  assert.equal(spi.rcr(ECON1) & 0x03, 1);
  spi.wcr(0x00, 0x5a); // EHT0 in bank 1
  spi.bfs(0x00, 0x81);
  assert.equal(spi.rcr(0x00), 0xdb);
  spi.bfc(0x00, 0x18);
  assert.equal(spi.rcr(0x00), 0xc3);
  spi.bank(0);
  assert.equal(spi.rcr(0x00), 0xfa); // ERDPTL, not EHT0
  // Common registers are reachable from every bank.
  for (const bank of [0, 1, 2, 3]) {
    spi.bank(bank);
    assert.equal(spi.rcr(ECON2), 0x80);
  }
  // A command split over several transfer() calls in one CS frame.
  spi.bank(0);
  spi.chip.select(true);
  spi.chip.transfer(Uint8Array.of(0x40 | 0x02)); // WCR EWRPTL
  spi.chip.transfer(Uint8Array.of(0x34));
  spi.chip.select(false);
  assert.equal(spi.rcr(0x02), 0x34);
  // CS assertion restarts the parser: a dangling opcode is forgotten.
  spi.chip.select(true);
  spi.chip.transfer(Uint8Array.of(0x40 | 0x02));
  spi.chip.select(true);
  spi.chip.transfer(Uint8Array.of(0x02, 0x00));
  spi.chip.select(false);
  assert.equal(spi.rcr(0x02), 0x34);
});

test('BFS/BFC on a MAC register applies OR / AND-NOT and counts a warning', () => {
  const spi = fresh();
  spi.bank(2);
  spi.bfs(0x02, 0x32); // MACON3, as EtherCard does
  assert.equal(spi.rcrMac(0x02), 0x32);
  spi.bfc(0x02, 0x02);
  assert.equal(spi.rcrMac(0x02), 0x30);
  assert.equal(spi.chip.warningCounts['bf-mac'], 2);
});

test('SRC (0xFF 0xFF) restores reset values, keeps CLKRDY and the bank resets to 0', () => {
  const spi = fresh();
  spi.bank(1);
  spi.wcr(0x18, 0x00);
  spi.frame([0xff, 0xff]);
  assert.equal(spi.rcr(ECON1), 0);
  spi.bank(1);
  assert.equal(spi.rcr(0x18), 0xa1);
  assert.equal(spi.rcr(ESTAT) & 0x01, 0x01);
});

test('read-only registers and bits ignore writes; pointer high bytes hold 5 bits', () => {
  const spi = fresh();
  spi.bank(0);
  spi.wcr(0x0e, 0x55); // ERXWRPT
  spi.wcr(0x0f, 0x05);
  assert.equal(spi.read16(0, 0x0e), 0);
  spi.wcr(0x03, 0xff); // EWRPTH
  assert.equal(spi.rcr(0x03), 0x1f);
  spi.bank(1);
  spi.wcr(0x19, 9); // EPKTCNT
  assert.equal(spi.rcr(0x19), 0);
  spi.bank(3);
  spi.wcr(0x12, 0x1f); // EREVID
  assert.equal(spi.rcr(0x12), 0x06);
  spi.wcr(0x0a, 0xff); // MISTAT
  assert.equal(spi.rcrMac(0x0a), 0);
  spi.bank(2);
  spi.wcr(0x18, 0xaa); // MIRDL
  assert.equal(spi.rcrMac(0x18), 0);
  // ECON2.PKTDEC is an action and always reads 0.
  spi.bfs(ECON2, 0x40);
  assert.equal(spi.rcr(ECON2), 0x80);
});

test('EIR and ESTAT flags are clear-only: writing 1 never sets, BFC clears only its mask', () => {
  const spi = fresh();
  spi.wcr(EIR, 0xff);
  assert.equal(spi.rcr(EIR), 0);
  // Raise TXIF via an instant transmission and RXERIF via a frame into a zero-space ring.
  const chip = new Enc28j60({ txTiming: 'instant' });
  const s = new Spi(chip);
  s.init([2, 0, 0, 0, 0, 1], 0x0fff);
  s.write16(0, 0x0c, 0x0001); // ERXRDPT right after the write pointer: no space
  s.transmit(new Uint8Array(60));
  chip.receive(new Uint8Array(60).fill(0xff));
  assert.equal(s.rcr(EIR) & 0x09, 0x09);
  s.bfs(EIR, 0xff);
  assert.equal(s.rcr(EIR) & 0x09, 0x09);
  s.bfc(EIR, 0x08);
  assert.equal(s.rcr(EIR) & 0x09, 0x01);
  s.wcr(EIR, 0x00);
  assert.equal(s.rcr(EIR), 0);
});

test('ERDPT auto-increments, wraps ERXND→ERXST and 0x1FFF→0; EWRPT wraps only at 0x1FFF', () => {
  const spi = fresh();
  spi.chip.buffer.set([1, 2, 3], 0x0ffe);
  spi.chip.buffer[0x0100] = 4;
  spi.write16(0, 0x08, 0x0100); // ERXST
  spi.write16(0, 0x0a, 0x0fff); // ERXND
  spi.write16(0, 0x00, 0x0ffe); // ERDPT
  assert.deepEqual([...spi.rbm(3)], [1, 2, 4]);
  assert.equal(spi.read16(0, 0x00), 0x0101);
  spi.chip.buffer[0x1fff] = 7;
  spi.chip.buffer[0x0000] = 8;
  spi.write16(0, 0x00, 0x1fff);
  assert.deepEqual([...spi.rbm(2)], [7, 8]);
  assert.equal(spi.read16(0, 0x00), 0x0001);
  // Pointers persist across CS frames: six 2-byte reads walk on.
  spi.write16(0, 0x00, 0x0ffe);
  spi.rbm(1);
  spi.rbm(1);
  assert.equal(spi.read16(0, 0x00), 0x0100);
  // EWRPT through 0x0FFF (= ERXND) carries on linearly, and wraps 0x1FFF→0.
  spi.write16(0, 0x02, 0x0fff);
  spi.wbm([0xa1, 0xa2]);
  assert.deepEqual([...spi.chip.buffer.subarray(0x0fff, 0x1001)], [0xa1, 0xa2]);
  spi.write16(0, 0x02, 0x1fff);
  spi.wbm([0xb1, 0xb2]);
  assert.equal(spi.chip.buffer[0x1fff], 0xb1);
  assert.equal(spi.chip.buffer[0x0000], 0xb2);
  assert.equal(spi.read16(0, 0x02), 0x0001);
  // AUTOINC = 0: neither pointer moves.
  spi.bfc(ECON2, 0x80);
  spi.write16(0, 0x00, 0x0010);
  spi.rbm(4);
  spi.wbm([1, 2, 3]);
  assert.equal(spi.read16(0, 0x00), 0x0010);
  assert.equal(spi.read16(0, 0x02), 0x0001);
  assert.equal(spi.chip.buffer[0x0001], 3);
});

test('ERXRDPT takes the latched low byte only when the high byte is written', () => {
  const spi = fresh();
  spi.bank(0);
  spi.wcr(0x0c, 0x33);
  assert.equal(spi.read16(0, 0x0c), 0x05fa); // reads are live, never the latch
  spi.wcr(0x0d, 0x01);
  assert.equal(spi.read16(0, 0x0c), 0x0133);
});

test('ERXST/ERXND writes reload the write pointer from ERXST', () => {
  const spi = fresh();
  spi.write16(0, 0x08, 0x0000);
  assert.equal(spi.read16(0, 0x0e), 0x0000);
  spi.write16(0, 0x0a, 0x0fff);
  assert.equal(spi.read16(0, 0x0e), 0x0000);
});

test('MII write and read: BUSY set for a while, then the value; read-only PHY registers', () => {
  const spi = fresh();
  const writePolls = spi.phyWrite(0x14, 0x3476); // PHLCON
  assert.ok(writePolls > 0, 'BUSY seen at least once');
  const { value, polls } = spi.phyRead(0x14);
  assert.equal(value, 0x3476);
  assert.ok(polls > 0);
  assert.equal(spi.phyRead(0x02).value, 0x0083); // PHID1
  assert.equal(spi.phyRead(0x03).value, 0x1400); // PHID2
  assert.equal(spi.phyRead(0x01).value, 0x1804); // PHSTAT1: PFDPX|PHDPX|LLSTAT (link up)
  assert.equal(spi.phyRead(0x11).value & 0x0400, 0x0400); // PHSTAT2.LSTAT
  spi.phyWrite(0x11, 0);
  assert.equal(spi.phyRead(0x11).value & 0x0400, 0x0400);
  spi.phyWrite(0x00, 0x0100); // PHCON1.PDPXMD
  assert.equal(spi.phyRead(0x00).value, 0x0100);
  assert.equal(spi.phyRead(0x11).value & 0x0200, 0x0200); // DPXSTAT
  spi.phyWrite(0x00, 0x8000); // PRST resets and self-clears
  assert.equal(spi.phyRead(0x00).value, 0x0000);
  assert.equal(spi.phyRead(0x14).value, 0x3422);
  // BUSY lasts 10.24 µs: at 20 MHz a 3-byte MISTAT poll (plus bank switch) is 1.2 µs.
  const slow = new Spi(new Enc28j60({ spiHz: 4_000_000 }));
  assert.ok(slow.phyWrite(0x14, 0x3476) < writePolls);
});

test('link change: PLNKIF always, LINKIF only with PGEIE|PLNKIE; a PHIR read clears both', () => {
  const ints: boolean[] = [];
  const chip = new Enc28j60({ onInt: (level) => ints.push(level) });
  const spi = new Spi(chip);
  chip.setLink(false);
  assert.equal(spi.rcr(EIR) & 0x10, 0);
  assert.equal(spi.phyRead(0x11).value & 0x0400, 0); // LSTAT follows
  assert.equal(spi.phyRead(0x01).value & 0x0004, 0); // LLSTAT latched low
  assert.equal(spi.phyRead(0x13).value, 0x0010); // PLNKIF without the enables
  assert.equal(spi.phyRead(0x13).value, 0); // cleared by the read
  chip.setLink(true);
  assert.equal(spi.phyRead(0x01).value & 0x0004, 0, 'LLSTAT stays low until read once with link up');
  assert.equal(spi.phyRead(0x01).value & 0x0004, 0x0004);
  spi.phyRead(0x13);
  spi.phyWrite(0x12, 0x0012); // PHIE = PGEIE|PLNKIE
  spi.wcr(0x1b, 0x90); // EIE = INTIE|LINKIE
  chip.setLink(false);
  assert.equal(spi.rcr(EIR) & 0x10, 0x10);
  assert.deepEqual(ints, [true]);
  spi.bfc(EIR, 0x10); // read-only: BFC does not clear LINKIF
  assert.equal(spi.rcr(EIR) & 0x10, 0x10);
  assert.equal(spi.phyRead(0x13).value, 0x0014); // PLNKIF|PGIF
  assert.equal(spi.rcr(EIR) & 0x10, 0);
  assert.deepEqual(ints, [true, false]);
});

test('DMA checksum and copy', () => {
  const spi = fresh();
  spi.chip.buffer.set([0x88, 0xaa, 0x09, 0x0a, 0x0b], 0x1000);
  spi.write16(0, 0x10, 0x1000); // EDMAST
  spi.write16(0, 0x12, 0x1004); // EDMAND
  spi.bfs(ECON1, 0x30); // CSUMEN|DMAST
  assert.equal(spi.rcr(ECON1) & 0x20, 0);
  assert.equal(spi.rcr(EIR) & 0x20, 0x20);
  // 0x88AA + 0x090A + 0x0B00 = 0x9CB4, complemented.
  assert.equal(spi.read16(0, 0x16), 0x634b);
  spi.bfc(ECON1, 0x10);
  spi.write16(0, 0x14, 0x1800); // EDMADST
  spi.bfs(ECON1, 0x20);
  assert.deepEqual([...spi.chip.buffer.subarray(0x1800, 0x1805)], [0x88, 0xaa, 0x09, 0x0a, 0x0b]);
});

test('MIISCAN keeps MIRD refreshed; NVALID clears after the first cycle', () => {
  const chip = new Enc28j60();
  const spi = new Spi(chip);
  spi.bank(2);
  spi.wcr(0x14, 0x11); // MIREGADR = PHSTAT2
  spi.wcr(0x12, 0x02); // MICMD.MIISCAN
  spi.bank(3);
  assert.equal(spi.rcrMac(0x0a) & 0x07, 0x07); // NVALID|SCAN|BUSY
  for (let i = 0; i < 20; i++) spi.rcrMac(0x0a);
  assert.equal(spi.rcrMac(0x0a) & 0x04, 0);
  spi.bank(2);
  assert.equal(spi.rcrMac(0x19) & 0x04, 0x04); // LSTAT in MIRDH
  chip.setLink(false);
  assert.equal(spi.rcrMac(0x19) & 0x04, 0);
  spi.wcr(0x12, 0x00);
  spi.bank(3);
  assert.equal(spi.rcrMac(0x0a) & 0x07, 0);
});

test('INT needs INTIE and an enabled flag; ESTAT.INT mirrors it', () => {
  const ints: boolean[] = [];
  const chip = new Enc28j60({ onInt: (level) => ints.push(level) });
  const spi = new Spi(chip);
  spi.phyWrite(0x12, 0x12); // PHIE = PGEIE|PLNKIE
  spi.wcr(0x1b, 0x10); // LINKIE without INTIE
  chip.setLink(false);
  assert.equal(chip.interrupt, false);
  assert.equal(spi.rcr(ESTAT) & 0x80, 0);
  spi.bfs(0x1b, 0x80); // INTIE
  assert.equal(chip.interrupt, true);
  assert.equal(spi.rcr(ESTAT) & 0x80, 0x80);
  spi.bfc(0x1b, 0x80); // masking drops it again (Linux's ISR entry)
  assert.deepEqual(ints, [true, false]);
});
