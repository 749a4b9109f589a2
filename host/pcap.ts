// Captures frames to a classic libpcap file (what `tcpdump -r` and Wireshark read).
// Every record is written with a synchronous write, so the file on disk is complete up to
// the last frame at any moment and can be read while the stack is still running.
//
// File header (24 bytes, written little-endian; readers detect the order from the magic):
//   magic 0xa1b2c3d4 | version 2.4 | thiszone 0 | sigfigs 0 | snaplen 65535 | linktype 1
// Record header (16 bytes) then the frame bytes:
//   ts_sec | ts_usec | captured length | original length
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Clock, Nic } from './runtime.ts';

export const PCAP_MAGIC = 0xa1b2c3d4;
export const PCAP_SNAPLEN = 65535;
export const LINKTYPE_ETHERNET = 1;
const FILE_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

export function pcapFileHeader(): Uint8Array {
  const header = Buffer.alloc(FILE_HEADER_BYTES);
  header.writeUInt32LE(PCAP_MAGIC, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeInt32LE(0, 8);
  header.writeUInt32LE(0, 12);
  header.writeUInt32LE(PCAP_SNAPLEN, 16);
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  return header;
}

/** One record: header and the frame (cut at the snap length), for a timestamp in milliseconds. */
export function pcapRecord(frame: Uint8Array, timeMs: number): Uint8Array {
  const captured = Math.min(frame.length, PCAP_SNAPLEN);
  const record = Buffer.alloc(RECORD_HEADER_BYTES + captured);
  const micros = Math.max(0, Math.round(timeMs * 1000));
  record.writeUInt32LE(Math.floor(micros / 1_000_000) >>> 0, 0);
  record.writeUInt32LE(micros % 1_000_000, 4);
  record.writeUInt32LE(captured, 8);
  record.writeUInt32LE(frame.length, 12);
  record.set(frame.subarray(0, captured), RECORD_HEADER_BYTES);
  return record;
}

export class PcapWriter {
  private fd: number | null;
  frames = 0;

  /**
   * timeMs gives each record's timestamp; by default the wall clock. Simulations pass their
   * virtual clock (`() => clock.now()`) so captures replay identically.
   */
  constructor(
    readonly path: string,
    private readonly timeMs: () => number = Date.now,
  ) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, pcapFileHeader());
  }

  write(frame: Uint8Array): void {
    if (this.fd === null) return;
    writeSync(this.fd, pcapRecord(frame, this.timeMs()));
    this.frames++;
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

export interface PcapNic extends Nic {
  readonly pcap: PcapWriter;
}

/** Wraps a nic so every frame sent and received is also written to `path`. */
export function withPcap(nic: Nic, path: string, clock?: Pick<Clock, 'now'>): PcapNic {
  // A Clock's now() may be a monotonic counter from 0; only a wall clock gives real dates.
  const writer = new PcapWriter(path, clock ? () => clock.now() : Date.now);
  const wrapper: PcapNic = {
    onFrame: null,
    pcap: writer,
    send(frame) {
      writer.write(frame);
      nic.send(frame);
    },
    close() {
      nic.close();
      writer.close();
    },
  };
  nic.onFrame = (frame) => {
    writer.write(frame);
    wrapper.onFrame?.(frame);
  };
  return wrapper;
}
