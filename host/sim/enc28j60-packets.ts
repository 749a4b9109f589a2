// Packet formats of the ENC28J60 model: the receive ring write (6-byte header with the RSV,
// facts sheet §3) and the transmit path's frame and 7-byte TSV (§4). Pure functions over the
// 8 KB buffer, so the chip model keeps only the register side.
import { fcsOk, withFcs } from './enc28j60-frame.ts';
import { HFRMEN, PADCFG_SHIFT, TXCRCEN } from './enc28j60-regs.ts';

export interface Ring {
  start: number;
  end: number;
}

/**
 * Writes header + frame (with FCS) at the write pointer wp, wrapping end→start. Returns the
 * next-packet pointer (even), or -1 when the packet would reach ERXRDPT (rd). With `corrupt`
 * (errata #14 switched on and an even ERXRDPT) the header's next pointer reads ERXRDPT and the
 * RSV status bytes are 0, a deterministic stand-in for the ring corruption silicon shows.
 */
export function writeRxPacket(buffer: Uint8Array, ring: Ring, wp: number, rd: number, wire: Uint8Array, corrupt: boolean): number {
  const size = ((ring.end - ring.start) & 0x1fff) + 1;
  const offset = (p: number) => (p - ring.start) & 0x1fff;
  const w = offset(wp);
  const r = offset(rd);
  // Free space as in DS §7.2.4 (Linux get_free_rxfifo): the byte at ERXRDPT is never written.
  const free = w > r ? size - 1 - (w - r) : w === r ? size - 1 : r - w - 1;
  const need = 6 + wire.length;
  if (need > free) return -1;
  const next = (ring.start + (((w + need + 1) & ~1) % size)) & 0x1fff; // packets start even
  const [status0, status1] = corrupt ? [0, 0] : rsvStatus(wire);
  const link = corrupt ? rd : next;
  const header = [link & 0xff, link >> 8, wire.length & 0xff, wire.length >> 8, status0, status1];
  let p = wp;
  for (const bytes of [header, wire]) {
    for (const b of bytes) {
      buffer[p] = b;
      p = p === ring.end ? ring.start : (p + 1) & 0x1fff;
    }
  }
  return next;
}

/** RSV bits 16..31 (header bytes +4, +5) for a received frame with FCS (§3 RSV bits). */
export function rsvStatus(wire: Uint8Array): [number, number] {
  const type = (wire[12] << 8) | wire[13];
  const broadcast = wire.subarray(0, 6).every((b) => b === 0xff);
  const multicast = !broadcast && (wire[0] & 1) === 1; // broadcast sets bit 25 only (? in §3)
  const low = 0x80 | (type > 1500 ? 0x40 : 0); // 23 received OK, 22 length out of range
  const high = (multicast ? 0x01 : 0) | (broadcast ? 0x02 : 0) | (type === 0x8808 ? 0x08 : 0) | (type === 0x8100 ? 0x40 : 0);
  return [low, high];
}

/**
 * The TX path's frame and TSV for the packet at ETXST..ETXND (§4): control byte, padding and
 * CRC from the override or MACON3, giant check. TSV counts include padding and FCS (unverified).
 */
export function buildTx(buffer: Uint8Array, etxst: number, etxnd: number, macon3: number, mamxfl: number) {
  const control = buffer[etxst];
  const length = (etxnd - etxst) & 0x1fff;
  const frame = new Uint8Array(length);
  for (let i = 0; i < length; i++) frame[i] = buffer[(etxst + 1 + i) & 0x1fff];
  let padTo = 0;
  let crc: boolean;
  let huge: boolean;
  if (control & 0x01) {
    padTo = control & 0x04 ? 60 : 0; // PPADEN
    crc = (control & 0x02) !== 0; // PCRCEN
    huge = (control & 0x08) !== 0; // PHUGEEN
  } else {
    const padcfg = macon3 >> PADCFG_SHIFT;
    crc = (macon3 & TXCRCEN) !== 0;
    huge = (macon3 & HFRMEN) !== 0;
    if (padcfg & 1) {
      crc = true; // every padding mode appends a CRC
      const vlan = frame.length >= 14 && frame[12] === 0x81 && frame[13] === 0x00;
      padTo = padcfg === 0b001 ? 60 : padcfg === 0b101 ? (vlan ? 64 : 60) : 64;
    }
  }
  const padded = new Uint8Array(Math.max(padTo, frame.length));
  padded.set(frame);
  const wire = crc ? withFcs(padded) : padded;
  // Without an appended CRC the host's last 4 bytes are the FCS: checked, then stripped.
  const toNic = crc ? padded : padded.subarray(0, Math.max(0, padded.length - 4));
  const crcError = !crc && !fcsOk(padded);
  const giant = wire.length > mamxfl && !huge;
  const type = (wire[12] << 8) | wire[13];
  const broadcast = wire.length >= 6 && wire.subarray(0, 6).every((b) => b === 0xff);
  const multicast = !broadcast && (wire[0] & 1) === 1;
  const tsv = new Uint8Array(7);
  const count = wire.length & 0xffff;
  tsv[0] = count & 0xff;
  tsv[1] = count >> 8;
  tsv[2] = (crcError ? 0x10 : 0) | (type > 1500 ? 0x40 : 0) | (giant ? 0 : 0x80); // 20, 22, 23 done
  tsv[3] = (multicast ? 0x01 : 0) | (broadcast ? 0x02 : 0) | (giant ? 0x40 : 0); // 24, 25, 30 giant
  tsv[4] = giant ? 0 : count & 0xff; // 47:32 total bytes on the wire (no collisions modelled)
  tsv[5] = giant ? 0 : count >> 8;
  tsv[6] = (type === 0x8808 ? 0x01 : 0) | (type === 0x8100 ? 0x08 : 0); // 48 control, 51 VLAN
  return { wire, toNic: giant ? null : toNic, tsv, abort: giant };
}
