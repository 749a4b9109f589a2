// SpiBus on Linux spidev (Documentation/spi/spidev.rst), for a real ENC28J60 on a Linux board.
//
// Chip select. The ENC28J60 wants CS low for exactly one command: select(true) .. select(false).
// spidev drives CS per ioctl message, and a read's reply must be in the caller's view before
// transfer() returns (the view is only valid during the call). So:
//  - write-only transfers (rx null) are queued and go out with the next message;
//  - a transfer that reads is sent at once, ending its message with cs_change=1, which on a
//    message's last transfer means "leave the chip selected until the next message"
//    (include/linux/spi/spi.h, struct spi_transfer, cs_change (ii));
//  - select(false) sends what is queued with cs_change=0, or, if nothing is queued but CS was
//    left low, a zero-length transfer with cs_change=0: the message ends and CS rises.
// A register access costs two ioctls, a packet write (WBM) one, a buffer read (RBM) two.
//
// Caveats:
//  - cs_change on the last transfer is a hint the SPI core honours in its generic
//    transfer_one_message; a controller with its own message loop, or a hardware CS that rises
//    by itself, raises CS at the end of every message anyway. The module's ENC28J60 driver does
//    not mind: in each of its frames the only reading transfer comes last, so a frame is one
//    message (on such controllers the release is then a CS pulse with no clocks). A frame that
//    reads and then goes on, or a transfer over bufsiz, does need CS held: there, declare the
//    chip select as a GPIO in the device tree (cs-gpios), which the core drives itself.
//  - While CS is held between messages, nothing stops a message to another device on the same
//    controller; keep the ENC28J60 alone on its bus, or keep the other devices idle.
//  - spidev copies each message through kernel buffers of `bufsiz` bytes (module parameter,
//    default 4096), so longer transfers are cut into pieces, CS held across them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { O_RDWR, libc } from '../nic/libc.ts';
import type { SpiBus } from './bus.ts';
import {
  SPI_IOC_TRANSFER_BYTES,
  SPI_IOC_WR_BITS_PER_WORD,
  SPI_IOC_WR_MAX_SPEED_HZ,
  SPI_IOC_WR_MODE,
  XFER_CS_CHANGE,
  encodeTransfer,
  spiIocMessage,
} from './spidev-ioctl.ts';

export const SPIDEV_HZ_DEFAULT = 20_000_000; // the ENC28J60's maximum SCK (datasheet p.1)
export const SPIDEV_HZ_MAX = 50_000_000;
export const SPIDEV_BUFSIZ_DEFAULT = 4096; // drivers/spi/spidev.c, module parameter bufsiz
const BUFSIZ_PATH = '/sys/module/spidev/parameters/bufsiz';
// spidev pads each transfer in its buffers to ARCH_DMA_MINALIGN (128 on arm64); we count 256.
const KERNEL_PAD_BYTES = 256;
const BITS_PER_WORD = 8;
const QUEUED_MAX = 16; // transfers per message
const MESSAGE_REQUESTS = Array.from({ length: QUEUED_MAX + 1 }, (_, count) => (count ? spiIocMessage(count) : 0));
const MESSAGE_NAMES = MESSAGE_REQUESTS.map((_, count) => `SPI_IOC_MESSAGE(${count})`);

export interface SpidevOptions {
  /** SCK in Hz, integer in 1..50 MHz; default 20 MHz. */
  hz?: number;
  /** SPI mode; the ENC28J60 supports mode 0 only (CPOL=0, CPHA=0). */
  mode?: 0;
}

/** What the bus needs from an open spidev file: libc in production, a fake in tests. */
export interface SpidevPort {
  /** ioctl(fd, request, pointer to arg); -1 on failure. */
  ioctl(request: number, arg: Uint8Array): number;
  /** strerror(errno) for the call that just failed. */
  lastError(): string;
  close(): void;
}

/** Validated options. RangeError for anything the chip or this bus cannot do. */
export function spidevSettings(options: SpidevOptions): { hz: number } {
  const hz = options.hz ?? SPIDEV_HZ_DEFAULT;
  if (!Number.isInteger(hz) || hz <= 0 || hz > SPIDEV_HZ_MAX) {
    throw new RangeError(`spidev: hz must be an integer in 1..${SPIDEV_HZ_MAX} (the ENC28J60 allows up to ${SPIDEV_HZ_DEFAULT}), got ${hz}`);
  }
  const mode: number = options.mode ?? 0;
  if (mode !== 0) throw new RangeError(`spidev: only SPI mode 0 is supported (ENC28J60: CPOL=0, CPHA=0), got ${mode}`);
  return { hz };
}

/** spidev's per-message buffer size, from sysfs when the module is loaded. */
export function spidevBufsiz(): number {
  try {
    const bytes = Number.parseInt(readFileSync(BUFSIZ_PATH, 'utf8'), 10);
    return Number.isInteger(bytes) && bytes > 0 ? bytes : SPIDEV_BUFSIZ_DEFAULT;
  } catch {
    return SPIDEV_BUFSIZ_DEFAULT;
  }
}

/** Memory that never moves, so its address can go into struct spi_ioc_transfer (koffi docs: stable pointers). */
interface Stable {
  address: bigint;
  bytes: Uint8Array;
  free(): void;
}

function allocStable(size: number): Stable {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const address = koffi.alloc('uint8_t', size) as bigint;
  return { address, bytes: new Uint8Array(koffi.view(address, size)), free: () => koffi.free(address) };
}

export class SpidevBus implements SpiBus {
  private readonly message = new Uint8Array(QUEUED_MAX * SPI_IOC_TRANSFER_BYTES);
  private queued = 0; // transfers encoded in `message`, not sent yet
  private queuedTxBytes = 0; // padded tx bytes they take in spidev's buffer (and in ours)
  private selected = false;
  private held = false; // the last message ended with cs_change=1: CS is still low
  private closed = false;
  // Staging: [tx: piece][rx: piece][zeros: piece]. Copies, not the caller's views: those may be
  // on the V8 heap (they move) or alias each other.
  private readonly rxAddress: bigint;
  private readonly zerosAddress: bigint;

  private constructor(
    private readonly port: SpidevPort,
    readonly path: string,
    readonly hz: number,
    private readonly pieceBytes: number,
    private readonly staging: Stable,
  ) {
    this.rxAddress = staging.address + BigInt(pieceBytes);
    this.zerosAddress = staging.address + BigInt(2 * pieceBytes);
    staging.bytes.fill(0);
  }

  /** Opens /dev/spidevB.C and sets mode 0, 8-bit words and the clock. */
  static open(path: string, options: SpidevOptions = {}): SpidevBus {
    spidevSettings(options);
    const c = libc();
    const fd = c.open(path, O_RDWR);
    if (fd < 0) throw new Error(`spidev ${path}: open failed: ${c.strerror(c.errno())}`);
    const port: SpidevPort = {
      ioctl: (request, arg) => c.ioctl(fd, request, arg),
      lastError: () => c.strerror(c.errno()),
      close: () => void c.close(fd),
    };
    return SpidevBus.attach(port, path, options, spidevBufsiz());
  }

  /** The bus over an open port (tests pass a fake), configured like open(). Owns the port: closes it on failure. */
  static attach(port: SpidevPort, path: string, options: SpidevOptions = {}, bufsizBytes = SPIDEV_BUFSIZ_DEFAULT): SpidevBus {
    let bus: SpidevBus | null = null;
    try {
      const { hz } = spidevSettings(options);
      if (endianness() !== 'LE' || bufsizBytes < KERNEL_PAD_BYTES) {
        throw new Error(`spidev ${path}: needs a little-endian host and bufsiz >= ${KERNEL_PAD_BYTES} (got ${endianness()}, ${bufsizBytes})`);
      }
      const pieceBytes = bufsizBytes - (bufsizBytes % KERNEL_PAD_BYTES);
      bus = new SpidevBus(port, path, hz, pieceBytes, allocStable(3 * pieceBytes));
      bus.ioctl('SPI_IOC_WR_MODE', SPI_IOC_WR_MODE, Uint8Array.of(0));
      bus.ioctl('SPI_IOC_WR_BITS_PER_WORD', SPI_IOC_WR_BITS_PER_WORD, Uint8Array.of(BITS_PER_WORD));
      const speed = new Uint8Array(4);
      new DataView(speed.buffer).setUint32(0, hz, true);
      bus.ioctl('SPI_IOC_WR_MAX_SPEED_HZ', SPI_IOC_WR_MAX_SPEED_HZ, speed);
      return bus;
    } catch (error) {
      if (bus) bus.close();
      else port.close();
      throw error;
    }
  }

  select(on: boolean): void {
    this.assertOpen();
    if (on) {
      if (this.selected) throw new Error(`spidev ${this.path}: select(true) inside a frame`);
      this.selected = true;
      return;
    }
    if (!this.selected) return; // releasing an idle bus is harmless (error recovery)
    this.selected = false;
    if (this.queued > 0) this.flush(false);
    else if (this.held) this.release();
  }

  transfer(tx: Uint8Array | null, rx: Uint8Array | null, len: number): void {
    this.assertOpen();
    if (!this.selected) throw new Error(`spidev ${this.path}: transfer() outside select(true) .. select(false)`);
    if ((tx && tx.length !== len) || (rx && rx.length !== len)) throw new RangeError(`spidev ${this.path}: views must be ${len} bytes`);
    for (let done = 0; done < len; done += this.pieceBytes) {
      const end = Math.min(len, done + this.pieceBytes);
      this.transferPiece(tx ? tx.subarray(done, end) : null, rx ? rx.subarray(done, end) : null, end - done);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.held) this.release(); // don't leave the chip selected; queued writes are dropped
    } catch {
      // best effort: close() must always free the fd
    } finally {
      this.port.close();
      this.staging.free();
    }
  }

  private transferPiece(tx: Uint8Array | null, rx: Uint8Array | null, len: number): void {
    const padded = Math.ceil(len / KERNEL_PAD_BYTES) * KERNEL_PAD_BYTES;
    if (this.queued === QUEUED_MAX || this.queuedTxBytes + padded > this.pieceBytes) this.flush(true);
    let txAddress = this.zerosAddress; // tx null: zeros (the kernel also counts these in bufsiz)
    if (tx) {
      this.staging.bytes.set(tx, this.queuedTxBytes);
      txAddress = this.staging.address + BigInt(this.queuedTxBytes);
    }
    this.queuedTxBytes += padded;
    this.queue(txAddress, rx ? this.rxAddress : 0n, len);
    if (!rx) return; // write-only: goes out with the next message
    this.flush(true);
    rx.set(this.staging.bytes.subarray(this.pieceBytes, this.pieceBytes + len));
  }

  /** Ends a frame whose CS was left low: a zero-length transfer, cs_change=0. */
  private release(): void {
    this.queued = 0;
    this.queuedTxBytes = 0;
    this.queue(0n, 0n, 0);
    this.flush(false);
  }

  private queue(txAddress: bigint, rxAddress: bigint, len: number): void {
    const transfer = { txAddress, rxAddress, len, speedHz: this.hz, bitsPerWord: BITS_PER_WORD, csChange: false };
    encodeTransfer(this.message, this.queued * SPI_IOC_TRANSFER_BYTES, transfer);
    this.queued++;
  }

  /** Sends the queued transfers as one message; keepCs = cs_change on the last one. */
  private flush(keepCs: boolean): void {
    const count = this.queued;
    this.message[(count - 1) * SPI_IOC_TRANSFER_BYTES + XFER_CS_CHANGE] = keepCs ? 1 : 0;
    this.queued = 0;
    this.queuedTxBytes = 0;
    this.held = true; // if the ioctl fails, CS may be low or not: assume low, so close() releases it
    this.ioctl(MESSAGE_NAMES[count], MESSAGE_REQUESTS[count], this.message.subarray(0, count * SPI_IOC_TRANSFER_BYTES));
    this.held = keepCs;
  }

  private ioctl(name: string, request: number, arg: Uint8Array): void {
    if (this.port.ioctl(request, arg) >= 0) return;
    const reason = this.port.lastError();
    this.selected = false;
    throw new Error(`spidev ${this.path}: ioctl ${name} failed: ${reason}`);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`spidev ${this.path}: bus is closed`);
  }
}
