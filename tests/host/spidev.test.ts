// spidev without hardware: the ioctl ABI pinned by hand, and the bus's chip-select framing
// checked against a fake spidev that decodes every struct spi_ioc_transfer it is handed.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, test } from 'node:test';
import {
  SPI_IOC_MAGIC,
  SPI_IOC_TRANSFER_BYTES,
  SPI_IOC_WR_BITS_PER_WORD,
  SPI_IOC_WR_MAX_SPEED_HZ,
  SPI_IOC_WR_MODE,
  XFER_BITS_PER_WORD,
  XFER_CS_CHANGE,
  XFER_DELAY_USECS,
  XFER_LEN,
  XFER_PAD,
  XFER_RX_BUF,
  XFER_RX_NBITS,
  XFER_SPEED_HZ,
  XFER_TX_BUF,
  XFER_TX_NBITS,
  XFER_WORD_DELAY_USECS,
  encodeTransfer,
  spiIocMessage,
} from '../../host/spi/spidev-ioctl.ts';
import { libc } from '../../host/nic/libc.ts';
import { SpidevBus, type SpidevPort } from '../../host/spi/spidev.ts';

const ENOENT = 2;
const ENOTTY = 25;
const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');

// _IOW(type, nr, size) from asm-generic/ioctl.h, by hand: dir 1 at bit 30, size at 16, type at 8.
const iow = (nr: number, size: number) => 0x4000_0000 + size * 0x1_0000 + 0x6b * 0x100 + nr;

test('ioctl request numbers match the header (values from gcc on x86_64; arm/arm64 share asm-generic)', () => {
  assert.equal(SPI_IOC_MAGIC, 0x6b);
  assert.equal(spiIocMessage(1), 0x40206b00);
  assert.equal(spiIocMessage(2), 0x40406b00);
  assert.equal(spiIocMessage(3), 0x40606b00);
  assert.equal(SPI_IOC_WR_MODE, 0x40016b01);
  assert.equal(SPI_IOC_WR_BITS_PER_WORD, 0x40016b03);
  assert.equal(SPI_IOC_WR_MAX_SPEED_HZ, 0x40046b04);
  assert.equal(spiIocMessage(1), iow(0, 32));
  assert.equal(spiIocMessage(511), iow(0, 511 * 32));
  assert.equal(SPI_IOC_WR_MAX_SPEED_HZ, iow(4, 4));
  assert.throws(() => spiIocMessage(512), RangeError); // 512 * 32 does not fit in 14 bits
  assert.throws(() => spiIocMessage(0), RangeError);
});

test('struct spi_ioc_transfer is 32 bytes with the header offsets', () => {
  assert.equal(SPI_IOC_TRANSFER_BYTES, 32);
  const offsets = [XFER_TX_BUF, XFER_RX_BUF, XFER_LEN, XFER_SPEED_HZ, XFER_DELAY_USECS, XFER_BITS_PER_WORD];
  assert.deepEqual(offsets, [0, 8, 16, 20, 24, 26]);
  const bytes = [XFER_CS_CHANGE, XFER_TX_NBITS, XFER_RX_NBITS, XFER_WORD_DELAY_USECS, XFER_PAD];
  assert.deepEqual(bytes, [27, 28, 29, 30, 31]);
});

test('encodeTransfer writes all 32 bytes little-endian and nothing else', () => {
  const target = new Uint8Array(48).fill(0xa5);
  const transfer = { txAddress: 0x0000_7f12_3456_7890n, rxAddress: 0x0102_0304_0506_0708n, len: 1518, speedHz: 20_000_000, bitsPerWord: 8, csChange: true };
  encodeTransfer(target, 8, transfer);
  const expected =
    '90785634127f0000' + '0807060504030201' + 'ee050000' + '002d3101' + '0000' + '08' + '01' + '00' + '00' + '00' + '00';
  assert.equal(Buffer.from(target.subarray(8, 40)).toString('hex'), expected);
  assert.ok(target.subarray(0, 8).every((b) => b === 0xa5));
  assert.ok(target.subarray(40).every((b) => b === 0xa5));
  encodeTransfer(target, 8, { ...transfer, txAddress: 0n, csChange: false });
  assert.equal(target[8 + XFER_CS_CHANGE], 0);
  assert.ok(target.subarray(8, 16).every((b) => b === 0));
});

test('bad options are RangeErrors, checked before the device is touched', () => {
  const path = '/dev/spidev-does-not-exist';
  for (const hz of [0, -1, 1.5, 50_000_001, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => SpidevBus.open(path, { hz }), (e: Error) => e instanceof RangeError && /hz must be an integer in 1\.\.50000000/.test(e.message));
  }
  assert.throws(() => SpidevBus.open(path, { mode: 3 as 0 }), (e: Error) => e instanceof RangeError && /mode 0/.test(e.message));
});

test('opening a missing device names the path and the reason', () => {
  assert.throws(
    () => SpidevBus.open('/dev/spidev-does-not-exist'),
    { name: 'Error', message: `spidev /dev/spidev-does-not-exist: open failed: ${libc().strerror(ENOENT)}` },
  );
});

test('a device that is not spidev fails on the first ioctl, named (real libc)', () => {
  assert.throws(() => SpidevBus.open('/dev/null'), {
    message: `spidev /dev/null: ioctl SPI_IOC_WR_MODE failed: ${libc().strerror(ENOTTY)}`,
  });
});

interface Seen {
  tx: number[] | null;
  rx: boolean;
  len: number;
  speedHz: number;
  bitsPerWord: number;
  csChange: number;
}

/** A spidev that decodes each message, answers rx with ~tx, and tracks the CS line. */
class FakeSpidev implements SpidevPort {
  config: Array<[number, string]> = [];
  messages: Seen[][] = [];
  frames: number[][] = []; // bytes clocked during each CS-low period
  csLow = false;
  failWith: string | null = null;
  closed = 0;

  ioctl(request: number, arg: Uint8Array): number {
    if (this.failWith) return -1;
    if ((request & 0xff) !== 0) {
      this.config.push([request, Buffer.from(arg).toString('hex')]);
      return 0;
    }
    const count = ((request >>> 16) & 0x3fff) / SPI_IOC_TRANSFER_BYTES;
    assert.equal(arg.length, count * SPI_IOC_TRANSFER_BYTES);
    const view = new DataView(arg.buffer, arg.byteOffset, arg.length);
    if (!this.csLow) this.frames.push([]);
    const seen: Seen[] = [];
    for (let i = 0; i < count; i++) seen.push(this.run(view, i * SPI_IOC_TRANSFER_BYTES));
    this.messages.push(seen);
    this.csLow = seen[count - 1].csChange === 1;
    return 0;
  }

  private run(view: DataView, at: number): Seen {
    const len = view.getUint32(at + XFER_LEN, true);
    const txAddress = view.getBigUint64(at + XFER_TX_BUF, true);
    const rxAddress = view.getBigUint64(at + XFER_RX_BUF, true);
    const tx = txAddress && len ? [...new Uint8Array(koffi.view(txAddress, len))] : null;
    const clocked = tx ?? new Array<number>(len).fill(0);
    this.frames[this.frames.length - 1].push(...clocked);
    if (rxAddress && len) new Uint8Array(koffi.view(rxAddress, len)).set(clocked.map((b) => b ^ 0xff));
    const csChange = view.getUint8(at + XFER_CS_CHANGE);
    assert.ok(csChange === 0 || at === view.byteLength - SPI_IOC_TRANSFER_BYTES, 'cs_change only on the last transfer');
    return { tx, rx: rxAddress !== 0n, len, speedHz: view.getUint32(at + XFER_SPEED_HZ, true), bitsPerWord: view.getUint8(at + XFER_BITS_PER_WORD), csChange };
  }

  lastError(): string {
    return this.failWith ?? '';
  }

  close(): void {
    this.closed++;
  }
}

const buses: SpidevBus[] = [];
after(() => buses.forEach((bus) => bus.close()));

function attach(options = {}): { bus: SpidevBus; dev: FakeSpidev } {
  const dev = new FakeSpidev();
  const bus = SpidevBus.attach(dev, '/dev/spidev0.0', options);
  buses.push(bus);
  assert.equal(dev.config.length, 3);
  return { bus, dev };
}

const bytes = (...values: number[]) => Uint8Array.from(values);
const flipped = (values: Uint8Array) => [...values].map((b) => b ^ 0xff);

test('attach sets mode 0, 8-bit words and the clock (default 20 MHz), in that order', () => {
  const { bus, dev } = attach();
  assert.deepEqual(dev.config, [
    [SPI_IOC_WR_MODE, '00'],
    [SPI_IOC_WR_BITS_PER_WORD, '08'],
    [SPI_IOC_WR_MAX_SPEED_HZ, '002d3101'],
  ]);
  assert.equal(bus.hz, 20_000_000);
  bus.close();
  assert.equal(attach({ hz: 8_000_000 }).dev.config[2][1], '00127a00');
});

test('a register read: one message held open with cs_change, then a zero-length release', () => {
  const { bus, dev } = attach();
  const rx = new Uint8Array(2);
  bus.select(true);
  bus.transfer(bytes(0x1f, 0x00), rx, 2);
  assert.deepEqual([...rx], [0xe0, 0xff]); // the reply is there before select(false)
  assert.equal(dev.csLow, true);
  bus.select(false);
  assert.equal(dev.csLow, false);
  assert.deepEqual(dev.messages, [
    [{ tx: [0x1f, 0x00], rx: true, len: 2, speedHz: 20_000_000, bitsPerWord: 8, csChange: 1 }],
    [{ tx: null, rx: false, len: 0, speedHz: 20_000_000, bitsPerWord: 8, csChange: 0 }],
  ]);
  assert.deepEqual(dev.frames, [[0x1f, 0x00]]);
});

test('a buffer read (opcode, then data): the write-only opcode rides in the same message', () => {
  const { bus, dev } = attach();
  const data = new Uint8Array(5);
  bus.select(true);
  bus.transfer(bytes(0x3a), null, 1);
  assert.equal(dev.messages.length, 0);
  bus.transfer(null, data, 5);
  bus.select(false);
  assert.deepEqual(dev.messages.map((m) => m.map((t) => [t.len, t.rx, t.csChange])), [[[1, false, 0], [5, true, 1]], [[0, false, 0]]]);
  assert.deepEqual(dev.frames, [[0x3a, 0, 0, 0, 0, 0]]); // tx null clocks zeros
  assert.deepEqual([...data], [0xff, 0xff, 0xff, 0xff, 0xff]);
});

test('a packet write (opcode+control, then frame): one message, CS released by the kernel', () => {
  const { bus, dev } = attach();
  const frame = Uint8Array.from({ length: 60 }, (_, i) => i);
  bus.select(true);
  bus.transfer(bytes(0x7a, 0x00), null, 2);
  bus.transfer(frame, null, frame.length);
  bus.select(false);
  assert.equal(dev.messages.length, 1);
  assert.deepEqual(dev.messages[0].map((t) => [t.len, t.rx, t.csChange]), [[2, false, 0], [60, false, 0]]);
  assert.deepEqual(dev.frames, [[0x7a, 0x00, ...frame]]);
  assert.equal(dev.csLow, false);
});

test('consecutive frames stay separate CS frames; an empty frame costs nothing', () => {
  const { bus, dev } = attach();
  for (const opcode of [0x1f, 0x9f, 0xbf]) {
    bus.select(true);
    bus.transfer(bytes(opcode, 0), new Uint8Array(2), 2);
    bus.select(false);
  }
  bus.select(true);
  bus.select(false);
  assert.deepEqual(dev.frames, [[0x1f, 0], [0x9f, 0], [0xbf, 0]]);
  assert.equal(dev.messages.length, 6);
});

test('a read longer than spidev bufsiz is cut into pieces, CS held across them', () => {
  const { bus, dev } = attach();
  const len = 2 * 4096 + 10;
  const tx = Uint8Array.from({ length: len }, (_, i) => i * 7);
  const rx = new Uint8Array(len);
  bus.select(true);
  bus.transfer(tx, rx, len);
  bus.select(false);
  assert.deepEqual(dev.messages.map((m) => m.map((t) => [t.len, t.csChange])), [[[4096, 1]], [[4096, 1]], [[10, 1]], [[0, 0]]]);
  assert.deepEqual(rx, Uint8Array.from(flipped(tx)));
  assert.equal(dev.frames.length, 1);
  assert.deepEqual(dev.frames[0], [...tx]);
});

test('many queued writes flush with CS held, still one frame', () => {
  const { bus, dev } = attach();
  bus.select(true);
  for (let i = 0; i < 20; i++) bus.transfer(bytes(i), null, 1);
  bus.select(false);
  assert.deepEqual(dev.messages.map((m) => [m.length, m[m.length - 1].csChange]), [[16, 1], [4, 0]]);
  assert.deepEqual(dev.frames, [Array.from({ length: 20 }, (_, i) => i)]);
});

test('queued writes stay within spidev bufsiz, counting its per-transfer padding', () => {
  const dev = new FakeSpidev();
  const bus = SpidevBus.attach(dev, '/dev/spidev0.0', {}, 1000); // pieces of 768, each transfer padded to 256
  buses.push(bus);
  bus.select(true);
  for (const value of [1, 2, 3]) bus.transfer(new Uint8Array(300).fill(value), null, 300);
  bus.select(false);
  assert.deepEqual(dev.messages.map((m) => m.map((t) => [t.len, t.csChange])), [[[300, 1]], [[300, 1]], [[300, 0]]]);
  assert.equal(dev.frames.length, 1);
  assert.deepEqual(dev.frames[0], [...new Array(300).fill(1), ...new Array(300).fill(2), ...new Array(300).fill(3)]);
});

test('rx may alias tx', () => {
  const { bus } = attach();
  const buffer = bytes(0x00, 0x55, 0xf0);
  bus.select(true);
  bus.transfer(buffer, buffer, 3);
  bus.select(false);
  assert.deepEqual([...buffer], [0xff, 0xaa, 0x0f]);
});

test('an ioctl failure names the path, the ioctl and strerror; the bus is usable after', () => {
  const { bus, dev } = attach();
  dev.failWith = 'Message too long';
  bus.select(true);
  assert.throws(() => bus.transfer(bytes(1), new Uint8Array(1), 1), {
    message: 'spidev /dev/spidev0.0: ioctl SPI_IOC_MESSAGE(1) failed: Message too long',
  });
  dev.failWith = null;
  bus.select(false); // the frame was aborted: nothing to do
  bus.select(true);
  bus.transfer(bytes(2), new Uint8Array(1), 1);
  bus.select(false);
  assert.deepEqual(dev.frames.at(-1), [2]);
  assert.equal(dev.csLow, false);
});

test('a failing configuration ioctl closes the device and names the ioctl', () => {
  const dev = new FakeSpidev();
  dev.failWith = 'Invalid argument';
  assert.throws(() => SpidevBus.attach(dev, '/dev/spidev1.0'), {
    message: 'spidev /dev/spidev1.0: ioctl SPI_IOC_WR_MODE failed: Invalid argument',
  });
  assert.equal(dev.closed, 1);
  const small = new FakeSpidev();
  assert.throws(() => SpidevBus.attach(small, '/dev/spidev1.0', {}, 100), /bufsiz >= 256/);
  assert.equal(small.closed, 1);
});

test('misuse is caught: transfer outside a frame, nested select, use after close', () => {
  const { bus, dev } = attach();
  assert.throws(() => bus.transfer(bytes(1), null, 1), /outside select/);
  bus.select(true);
  assert.throws(() => bus.select(true), /inside a frame/);
  assert.throws(() => bus.transfer(bytes(1, 2), null, 1), RangeError);
  bus.transfer(bytes(1), new Uint8Array(1), 1);
  bus.close(); // mid-frame with CS held: released before the fd goes
  assert.equal(dev.csLow, false);
  assert.equal(dev.closed, 1);
  bus.close();
  assert.equal(dev.closed, 1);
  assert.throws(() => bus.select(true), /closed/);
});
