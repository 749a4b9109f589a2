// A single-producer, single-consumer ring of frames in a SharedArrayBuffer: the TAP worker
// writes frames straight into it with read(), the main thread hands them to the stack.
// Nothing is allocated per frame on either side, and a full ring drops (and counts) instead of
// growing, so a flood from the kernel cannot exhaust the host's memory.
//
//   control (Int32Array over the first 64 bytes)        data (DATA_BYTES, power of two)
//   +-------+------+------+-------+------+-----+        +-----+---------+-----+------+--
//   | WRITE | READ | STOP | DROPS | READS| ... |        | len | frame   | pad | len  | ...
//   +-------+------+------+-------+------+-----+        +-----+---------+-----+------+--
//
// WRITE and READ are byte counters that only grow (mod 2^32); used = WRITE - READ. A record is
// a u32 length followed by the frame, padded to 4 bytes. A record never wraps around the end of
// the data: when the room left before the end is too small, the producer writes WRAP there and
// continues at offset 0 (the skipped bytes count as used until the consumer passes them).

export const WRITE = 0;
export const READ = 1;
/** Set to 1 by the main thread: the worker leaves its loop at the next poll timeout. */
export const STOP = 2;
/** Frames dropped because the ring was full. */
export const DROPS = 3;
/** Frames read from the TAP (including dropped ones). */
export const READS = 4;
export const CONTROL_BYTES = 64;

export const DATA_BYTES = 4 << 20;
/** Largest frame the worker reads; a TAP with a larger MTU has its frames truncated here. */
export const FRAME_MAX = 65535 + 14;
const WRAP = 0xffffffff;

export function ringBytes(): number {
  return CONTROL_BYTES + DATA_BYTES;
}

const align4 = (n: number) => (n + 3) & ~3;

/** Producer side (the worker). reserve() gives where the next frame goes; commit() publishes it. */
export class RingWriter {
  readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly lengths: DataView;

  constructor(buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.data = new Uint8Array(buffer, CONTROL_BYTES, DATA_BYTES);
    this.lengths = new DataView(buffer, CONTROL_BYTES, DATA_BYTES);
  }

  /** A view FRAME_MAX bytes long to read the next frame into, or null if the ring is full. */
  reserve(): Uint8Array | null {
    let write = Atomics.load(this.control, WRITE) >>> 0;
    const read = Atomics.load(this.control, READ) >>> 0;
    const offset = write & (DATA_BYTES - 1);
    const need = 4 + align4(FRAME_MAX);
    const tail = DATA_BYTES - offset;
    const pad = tail < need ? tail : 0;
    if (DATA_BYTES - ((write - read) >>> 0) < pad + need) return null;
    if (pad) {
      this.lengths.setUint32(offset, WRAP, true);
      write = (write + pad) >>> 0;
      Atomics.store(this.control, WRITE, write | 0);
    }
    const start = (write & (DATA_BYTES - 1)) + 4;
    return this.data.subarray(start, start + FRAME_MAX);
  }

  /** Publishes the frame of `length` bytes written into the last reserve() and wakes the reader. */
  commit(length: number): void {
    const write = Atomics.load(this.control, WRITE) >>> 0;
    this.lengths.setUint32(write & (DATA_BYTES - 1), length, true);
    Atomics.store(this.control, WRITE, (write + 4 + align4(length)) | 0);
    Atomics.notify(this.control, WRITE);
  }
}

/** Consumer side (the main thread). */
export class RingReader {
  readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly lengths: DataView;

  constructor(buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.data = new Uint8Array(buffer, CONTROL_BYTES, DATA_BYTES);
    this.lengths = new DataView(buffer, CONTROL_BYTES, DATA_BYTES);
  }

  /**
   * Calls fn for each waiting frame, at most `limit` of them (so one busy link cannot starve
   * the event loop). The view is only valid during the call. Returns the number delivered.
   */
  drain(fn: (frame: Uint8Array) => void, limit: number): number {
    let read = Atomics.load(this.control, READ) >>> 0;
    let delivered = 0;
    while (delivered < limit) {
      const write = Atomics.load(this.control, WRITE) >>> 0;
      if (read === write) break;
      const offset = read & (DATA_BYTES - 1);
      const length = this.lengths.getUint32(offset, true);
      if (length === WRAP) {
        read = (read + DATA_BYTES - offset) >>> 0;
      } else {
        fn(this.data.subarray(offset + 4, offset + 4 + length));
        read = (read + 4 + align4(length)) >>> 0;
        delivered++;
      }
      Atomics.store(this.control, READ, read | 0);
    }
    return delivered;
  }

  /** True when the producer has published nothing since the consumer last looked. */
  empty(): boolean {
    return Atomics.load(this.control, READ) === Atomics.load(this.control, WRITE);
  }
}
