// The module's SPI imports wired to the chip model: module -> driver -> SPI -> Enc28j60.
import type { SpiBus } from '../spi/bus.ts';
import type { Enc28j60 } from './enc28j60.ts';

export class Enc28j60Bus implements SpiBus {
  /** Traffic so far, for the benchmarks: bytes clocked and CS frames (one per command). */
  readonly stats = { bytes: 0, frames: 0 };
  private zeros = new Uint8Array(2048);
  private sink = new Uint8Array(2048);

  constructor(readonly chip: Enc28j60) {}

  select(on: boolean): void {
    this.chip.select(on);
    if (on) this.stats.frames++;
  }

  transfer(tx: Uint8Array | null, rx: Uint8Array | null, len: number): void {
    if (len > this.zeros.length) {
      this.zeros = new Uint8Array(len);
      this.sink = new Uint8Array(len);
    }
    this.stats.bytes += len;
    this.chip.transfer(tx ?? this.zeros.subarray(0, len), rx ?? this.sink.subarray(0, len));
  }

  close(): void {
    this.chip.close();
  }
}
