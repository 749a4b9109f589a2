// spidev's ioctl ABI as pure functions, so tests pin it without hardware.
// Source: include/uapi/linux/spi/spidev.h (struct spi_ioc_transfer, SPI_IOC_*) and
// include/uapi/asm-generic/ioctl.h (_IOW), which arm, arm64 and x86 use. alpha, mips, powerpc
// and sparc lay request numbers out differently; they are not supported here.

// Request number, from the top bit down (asm-generic/ioctl.h):
//   31..30 dir | 29..16 size | 15..8 type | 7..0 nr
const IOC_NRSHIFT = 0;
const IOC_TYPESHIFT = 8;
const IOC_SIZESHIFT = 16;
const IOC_DIRSHIFT = 30;
const IOC_SIZEBITS = 14;
const IOC_WRITE = 1; // userland writes, kernel reads

/** _IOW(type, nr, size): the kernel reads `size` bytes from the pointer argument. */
export function ioctlWrite(type: number, nr: number, size: number): number {
  if (!Number.isInteger(size) || size < 0 || size >= 1 << IOC_SIZEBITS) {
    throw new RangeError(`ioctl size ${size} does not fit in ${IOC_SIZEBITS} bits`);
  }
  return ((IOC_WRITE << IOC_DIRSHIFT) | (size << IOC_SIZESHIFT) | (type << IOC_TYPESHIFT) | (nr << IOC_NRSHIFT)) >>> 0;
}

export const SPI_IOC_MAGIC = 'k'.charCodeAt(0);
export const SPI_IOC_WR_MODE = ioctlWrite(SPI_IOC_MAGIC, 1, 1); // __u8
export const SPI_IOC_WR_BITS_PER_WORD = ioctlWrite(SPI_IOC_MAGIC, 3, 1); // __u8
export const SPI_IOC_WR_MAX_SPEED_HZ = ioctlWrite(SPI_IOC_MAGIC, 4, 4); // __u32

// struct spi_ioc_transfer, 32 bytes, the same for 32- and 64-bit userspace; native byte order
// (little-endian on every board we target). The header says: zero unused fields.
//
//   0        8        16    20       24    26  27  28  29  30  31
//   +--------+--------+-----+--------+-----+---+---+---+---+---+---+
//   | tx_buf | rx_buf | len |speed_hz|delay|bpw|csc|txn|rxn|wdl|pad|
//   +--------+--------+-----+--------+-----+---+---+---+---+---+---+
export const SPI_IOC_TRANSFER_BYTES = 32;
export const XFER_TX_BUF = 0; // __u64 user address, 0 = shift out zeros
export const XFER_RX_BUF = 8; // __u64 user address, 0 = discard
export const XFER_LEN = 16; // __u32
export const XFER_SPEED_HZ = 20; // __u32, 0 = the device's max speed
export const XFER_DELAY_USECS = 24; // __u16
export const XFER_BITS_PER_WORD = 26; // __u8, 0 = the device's setting
export const XFER_CS_CHANGE = 27; // __u8
export const XFER_TX_NBITS = 28; // __u8
export const XFER_RX_NBITS = 29; // __u8
export const XFER_WORD_DELAY_USECS = 30; // __u8
export const XFER_PAD = 31; // __u8

/** SPI_IOC_MESSAGE(n): n transfers back to back; the 14-bit size field caps n at 511. */
export function spiIocMessage(count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`SPI_IOC_MESSAGE(${count}): need at least one transfer`);
  return ioctlWrite(SPI_IOC_MAGIC, 0, count * SPI_IOC_TRANSFER_BYTES);
}

export interface SpiIocTransfer {
  txAddress: bigint;
  rxAddress: bigint;
  len: number;
  speedHz: number;
  bitsPerWord: number;
  /** Last transfer of a message: keep CS asserted after it (include/linux/spi/spi.h). */
  csChange: boolean;
}

/** Writes one struct spi_ioc_transfer (all 32 bytes, unused fields zero) at `offset`. */
export function encodeTransfer(target: Uint8Array, offset: number, transfer: SpiIocTransfer): void {
  const view = new DataView(target.buffer, target.byteOffset + offset, SPI_IOC_TRANSFER_BYTES);
  view.setBigUint64(XFER_TX_BUF, transfer.txAddress, true);
  view.setBigUint64(XFER_RX_BUF, transfer.rxAddress, true);
  view.setUint32(XFER_LEN, transfer.len, true);
  view.setUint32(XFER_SPEED_HZ, transfer.speedHz, true);
  view.setUint16(XFER_DELAY_USECS, 0, true);
  view.setUint8(XFER_BITS_PER_WORD, transfer.bitsPerWord);
  view.setUint8(XFER_CS_CHANGE, transfer.csChange ? 1 : 0);
  view.setUint8(XFER_TX_NBITS, 0);
  view.setUint8(XFER_RX_NBITS, 0);
  view.setUint8(XFER_WORD_DELAY_USECS, 0);
  view.setUint8(XFER_PAD, 0);
}
