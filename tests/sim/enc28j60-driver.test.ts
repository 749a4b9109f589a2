// The module's ENC28J60 driver against the chip model, simulated: initialisation (registers as
// the facts sheet wants them, the strict-mode checks silent, the revision read), a missing chip,
// a chip that answers late, 1000 UDP datagrams each way through the echo service, a link flap,
// and the INT pin after a brief flap. Other suites:
// enc28j60-rx (ring overflow, frame sizes, bad status), enc28j60-errata, enc28j60-tcp.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSocket } from '../../host/api.ts';
import { VirtualClock } from '../../host/nic/wire.ts';
import { makeRandom, Stack } from '../../host/runtime.ts';
import { Enc28j60 } from '../../host/sim/enc28j60.ts';
import { Enc28j60Bus } from '../../host/sim/enc28j60-bus.ts';
import type { SpiBus } from '../../host/spi/bus.ts';
import { macBytes, udpFrame } from './frames.ts';
import { counter, counterDelta } from './harness.ts';
import { addChiplessNode, ENC, encSetup, pingFrame, RAW, reg16 } from './enc28j60-harness.ts';

/** Bank-3 addresses of mac[0..5]: MAADR1 (first byte on the wire) is 0x04 (facts sheet §2). */
const MAADR_FOR_BYTE = [0x04, 0x05, 0x02, 0x03, 0x00, 0x01];
const ECON1 = 0x1f;
const RXEN = 0x04;
const EIE = 0x1b;
const PHCON1 = 0x00;
const PHCON2 = 0x10;
const PDPXMD = 0x0100;
const HDLDIS = 0x0100;

test('init: carrier up within a few ms, revision B7, registers as the facts sheet wants, no model warnings', async () => {
  const { clock, stack, chip } = await encSetup();
  assert.ok(clock.now() < 1_000 + 20, `up at ${clock.now()}`);
  assert.equal(stack.nicStatus(0), 'up');
  assert.equal(stack.exports.nic_enc28j60_revision(), 6);
  assert.deepEqual(chip.warnings, []);
  assert.equal(reg16(chip, 2, 0x0a), 1526, 'MAMXFL: a double-tagged 1522-byte frame plus FCS');
  assert.equal(reg16(chip, 0, 0x08), 0x0000, 'ERXST at 0 (errata #5)');
  const erxnd = reg16(chip, 0, 0x0a);
  assert.equal(erxnd & 1, 1, 'ERXND odd, so ERXRDPT = ERXND is legal (errata #14)');
  assert.ok(erxnd >= 3 * 1532 && erxnd < 0x1fff - 2 * 1530, `ERXND 0x${erxnd.toString(16)}: room for 3 full frames, and both TX areas after it`);
  // The raw host's ARP request has been taken: the driver freed up to just before the next packet.
  assert.equal(chip.stats.rxAccepted, 1);
  assert.equal(reg16(chip, 0, 0x0c) & 1, 1, 'ERXRDPT odd (errata #14)');
  assert.equal(reg16(chip, 0, 0x0c), 0x0045, 'ERXRDPT = next packet - 1 after a 64-byte frame (6 + 64 rounded up to even)');
  assert.ok(reg16(chip, 0, 0x04) > erxnd, 'ETXST beyond the ring');
  assert.equal(chip.reg(2, 0x02), 0x32, 'MACON3: PADCFG=001 (pad to 60 + CRC), TXCRCEN, FRMLNEN, half duplex');
  assert.equal(chip.reg(2, 0x03), 0x40, 'MACON4: DEFER in half duplex');
  assert.equal(chip.reg(2, 0x00) & 0x01, 0x01, 'MACON1.MARXEN');
  // Multicast through the hash table (HTEN), programmed at attachment with 224.0.0.1 only
  // (net/igmp.ts adds joined groups); tests/sim/enc28j60-multicast.test.ts checks the table.
  assert.equal(chip.reg(1, 0x18), 0xa5, 'ERXFCON: UCEN | CRCEN | HTEN | BCEN');
  assert.deepEqual(MAADR_FOR_BYTE.map((addr) => chip.reg(3, addr)), [...macBytes(ENC.mac)]);
  assert.equal(chip.reg(0, ECON1) & RXEN, RXEN, 'ECON1.RXEN');
  assert.equal(chip.reg(0, EIE), 0, 'no INT sources without interrupt: true');
  assert.equal(chip.phyPeek(PHCON1) & PDPXMD, 0, 'PHCON1.PDPXMD clear: half duplex');
  assert.equal(chip.phyPeek(PHCON2) & HDLDIS, HDLDIS, 'PHCON2.HDLDIS: no half-duplex loopback');
  assert.equal(counter(stack, 'enc_init_failed'), 0);
});

test('init: the revision is read from EREVID (B1 = 0x02); full duplex and INT set MACON3, PHCON1 and EIE together', async () => {
  const { stack, chip, raw, clock } = await encSetup({ revision: 0x02, fullDuplex: true, interrupt: true });
  assert.equal(stack.exports.nic_enc28j60_revision(), 2);
  assert.equal(chip.reg(2, 0x02), 0x33, 'MACON3 with FULDPX');
  assert.equal(chip.reg(2, 0x03), 0x00, 'MACON4 without DEFER');
  assert.equal(chip.phyPeek(PHCON1) & PDPXMD, PDPXMD);
  assert.equal(chip.reg(0, EIE), 0xd1, 'EIE: INTIE | PKTIE | LINKIE | RXERIE');
  // A frame each way: the model would warn if MACON3.FULDPX and PHCON1.PDPXMD disagreed at TXRTS.
  assert.ok(stack.exports.service_udp_echo(7) >= 0);
  raw.send(udpFrame(RAW, ENC, 40000, 7, Buffer.from('full duplex')));
  assert.ok(clock.runUntil(() => raw.heard.length === 1, 50));
  assert.equal(Buffer.from(raw.heard[0].frame.udp!.data).toString(), 'full duplex');
  assert.deepEqual(chip.warnings, []);
});

for (const [fill, message, what] of [
  [0xff, /no ENC28J60 answers on the SPI bus/, 'MISO pulled up (0xFF)'],
  [0x00, /clock never became ready/, 'MISO pulled down (0x00)'],
] as const) {
  test(`a missing chip (${what}): nicStatus throws the driver's reason, enc_init_failed counts every retry (1 s apart), no trap`, async () => {
    const clock = new VirtualClock(1_000);
    const { stack, bus } = await addChiplessNode(clock, fill);
    clock.advance(10);
    assert.throws(() => stack.nicStatus(0), message);
    assert.equal(counter(stack, 'enc_init_failed'), 1);
    assert.equal(stack.exports.nic_enc28j60_revision(), 0);
    const bytes = bus.bytes;
    clock.advance(900); // NIC_INIT_RETRY_MS = 1000 after the failure at ~1002
    assert.equal(counter(stack, 'enc_init_failed'), 1);
    assert.equal(bus.bytes, bytes, 'nothing on the bus between retries');
    clock.advance(200);
    assert.equal(counter(stack, 'enc_init_failed'), 2);
    assert.throws(() => stack.nicStatus(0), message);
    clock.advance(10_000);
    assert.equal(counter(stack, 'enc_init_failed'), 12);
    // A frame the stack tries to send is refused, not a trap.
    const socket = createSocket(stack);
    socket.send('nobody home', 9, '192.0.2.255');
    clock.advance(10);
    assert.equal(counter(stack, 'eth_tx_failed'), 1);
    socket.close();
  });
}

test('a chip that starts answering later is brought up by the next retry', async () => {
  const clock = new VirtualClock(1_000);
  const chip = new Enc28j60({ clock });
  const model = new Enc28j60Bus(chip);
  let present = false;
  const bus: SpiBus = {
    select: (on) => present && model.select(on),
    transfer: (tx, rx, len) => (present ? model.transfer(tx, rx, len) : rx?.fill(0xff)),
    close: () => {},
  };
  const stack = await Stack.load({ profile: 'default', debug: true, seed: 7, clock, spi: bus, log: () => {} });
  stack.configure(0, { mac: ENC.mac, ip: ENC.cidr });
  stack.attachEnc28j60(0);
  stack.up(0);
  stack.start();
  clock.advance(1_500);
  assert.equal(counter(stack, 'enc_init_failed'), 2);
  present = true; // between two CS frames: the chip sees whole commands only
  assert.ok(clock.runUntil(() => stack.exports.nic_status(0) === 1, 1_100), `status ${stack.exports.nic_status(0)}`);
  assert.equal(stack.nicStatus(0), 'up');
  assert.equal(stack.exports.nic_enc28j60_revision(), 6);
  assert.equal(counter(stack, 'enc_init_failed'), 2);
  assert.deepEqual(chip.warnings, []);
});

test('1000 UDP datagrams each way through the echo service: every reply byte-exact, in order, none lost', async () => {
  const { clock, raw, stack, chip } = await encSetup();
  assert.ok(stack.exports.service_udp_echo(7) >= 0);
  const before = stack.counters();
  const chipBefore = { ...chip.stats };
  const random = makeRandom(1000);
  const COUNT = 1000;
  // Up to 3 in flight (3 x 1524 ring bytes fit any ring of 3 full frames), sizes 1..1472 with every
  // tenth a full 1472-byte payload (a 1514-byte frame).
  const sent: Uint8Array[] = [];
  const replies = () => raw.heard.filter((h) => h.frame.udp);
  let next = 0;
  const send = () => {
    const size = next % 10 === 0 ? 1472 : 1 + (random() % 1472);
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = random() & 0xff;
    data[0] = next & 0xff;
    sent.push(data);
    raw.send(udpFrame(RAW, ENC, 20000 + (next % 1000), 7, data));
    next++;
  };
  while (next < COUNT) {
    while (next < COUNT && next - replies().length < 3) send();
    const want = replies().length + 1;
    assert.ok(clock.runUntil(() => replies().length >= want, 100), `stalled after ${replies().length} replies`);
  }
  assert.ok(clock.runUntil(() => replies().length === COUNT, 100));
  clock.advance(10);
  const got = replies();
  assert.equal(got.length, COUNT);
  got.forEach((h, i) => {
    const udp = h.frame.udp!;
    assert.equal(h.frame.ipv4!.src, ENC.ip);
    assert.equal(h.frame.dst, RAW.mac);
    assert.equal(udp.srcPort, 7);
    assert.equal(udp.dstPort, 20000 + i, `reply ${i} out of order`);
    assert.ok(udp.checksumOk);
    assert.deepEqual(udp.data, sent[i], `reply ${i} (${sent[i].length} bytes) differs`);
    assert.equal(h.bytes.length, Math.max(60, 42 + sent[i].length));
  });
  const delta = counterDelta(before, stack.counters());
  const detail = JSON.stringify(delta);
  assert.equal(delta.eth_rx_frames, COUNT, detail);
  assert.equal(delta.udp_rx, COUNT, detail);
  assert.equal(delta.udp_tx, COUNT, detail);
  assert.equal(delta.eth_tx_frames, COUNT, detail);
  for (const name of ['eth_tx_failed', 'enc_rx_bad_status', 'enc_rx_overflow', 'enc_rx_resets', 'enc_rx_too_long', 'enc_rx_next_mismatch', 'enc_tx_errors', 'enc_tx_retries', 'enc_tx_timeouts']) {
    assert.equal(delta[name] ?? 0, 0, `${name}: ${detail}`);
  }
  assert.equal(chip.stats.rxAccepted - chipBefore.rxAccepted, COUNT);
  assert.equal(chip.stats.txFrames - chipBefore.txFrames, COUNT);
  assert.equal(chip.stats.rxRingFull, 0);
  assert.equal(chip.stats.txAborts, 0);
  assert.deepEqual(chip.warnings, []);
});

test('link flap: no carrier after the next link poll, sends refused and counted; carrier back: up, two changes, a gratuitous ARP', async () => {
  const { clock, raw, stack, chip } = await encSetup();
  const socket = createSocket(stack);
  socket.bind(5000);
  clock.advance(1);
  chip.setLink(false);
  const downAt = clock.now();
  assert.ok(clock.runUntil(() => stack.nicStatus(0) === 'no-carrier', 300));
  assert.ok(clock.now() - downAt <= 251, `no-carrier seen ${clock.now() - downAt} ms after the link went down`);
  assert.equal(counter(stack, 'enc_link_changes'), 1);

  const txFrames = chip.stats.txFrames;
  const failed = counter(stack, 'eth_tx_failed');
  raw.heard.length = 0;
  socket.send('while down', 9, RAW.ip);
  clock.advance(20);
  assert.equal(counter(stack, 'eth_tx_failed'), failed + 1);
  assert.equal(chip.stats.txFrames, txFrames, 'nothing handed to the chip');
  assert.equal(raw.heard.length, 0);

  chip.setLink(true);
  const upAt = clock.now();
  assert.ok(clock.runUntil(() => stack.nicStatus(0) === 'up', 300));
  assert.ok(clock.now() - upAt <= 251);
  assert.equal(counter(stack, 'enc_link_changes'), 2);
  assert.ok(clock.runUntil(() => raw.heard.some((h) => h.frame.arp), 20), 'no ARP after the link came back');
  const arp = raw.heard.find((h) => h.frame.arp)!;
  assert.ok(arp.at >= upAt);
  assert.equal(arp.frame.dst, 'ff:ff:ff:ff:ff:ff');
  assert.equal(arp.frame.arp!.op, 1);
  assert.equal(arp.frame.arp!.senderMac, ENC.mac);
  assert.equal(arp.frame.arp!.senderIp, ENC.ip);
  assert.equal(arp.frame.arp!.targetIp, ENC.ip, 'gratuitous: sender == target');

  // Traffic flows again.
  socket.send('after', 9, RAW.ip);
  assert.ok(clock.runUntil(() => raw.heard.some((h) => h.frame.udp), 20));
  assert.equal(Buffer.from(raw.heard.find((h) => h.frame.udp)!.frame.udp!.data).toString(), 'after');
  assert.equal(counter(stack, 'eth_tx_failed'), failed + 1);
  assert.deepEqual(chip.warnings, []);
  socket.close();
});

test('with the INT pin, a frame arriving after a brief link flap is taken at once, as when polling', async () => {
  // The flap sets EIR.LINKIF, which (EIE.LINKIE) holds INT asserted until the driver reads PHIR.
  // While it is held, a new frame's PKTIF makes no new INT edge, so the host is not woken.
  for (const interrupt of [false, true]) {
    const { clock, raw, stack, chip } = await encSetup({ interrupt });
    clock.advance(37); // somewhere between two link polls
    chip.setLink(false);
    clock.advance(10);
    chip.setLink(true);
    const sentAt = clock.now();
    raw.send(pingFrame(1, 100));
    const answered = clock.runUntil(() => raw.heard.some((h) => h.frame.icmp?.type === 0), 20);
    assert.ok(
      answered,
      `interrupt: ${interrupt}: no echo reply within 20 ms of the frame (INT ${chip.interrupt ? 'still asserted' : 'idle'}, EIR 0x${chip.reg(0, 0x1c).toString(16)}); ` +
        `it comes ${clock.runUntil(() => raw.heard.some((h) => h.frame.icmp?.type === 0), 500) ? `${Math.round(clock.now() - sentAt)} ms after` : 'never'}`,
    );
    assert.equal(stack.nicStatus(0), 'up');
  }
});
