// Frame arithmetic for the ENC28J60 model: the Ethernet FCS, the receive filters of ERXFCON
// (facts sheet §6) and the pattern-match checksum. Pure functions, so tests can check them alone.
import {
  ANDOR, BCEN, CRCEN, EHT0, EPMCS, EPMM0, EPMO, HTEN, MAADR_OFFSETS, MCEN, MPEN, PMEN, UCEN,
} from './enc28j60-regs.ts';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The IEEE 802.3 CRC-32 (reflected, final inversion): the value an FCS carries. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** frame + its FCS, least significant byte first as it goes on the wire. */
export function withFcs(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame);
  new DataView(out.buffer).setUint32(frame.length, crc32(frame), true);
  return out;
}

/** Whether the last 4 bytes are a correct FCS for the rest. */
export function fcsOk(frameWithFcs: Uint8Array): boolean {
  if (frameWithFcs.length < 4) return false;
  const body = frameWithFcs.subarray(0, frameWithFcs.length - 4);
  return new DataView(frameWithFcs.buffer, frameWithFcs.byteOffset).getUint32(body.length, true) === crc32(body);
}

/**
 * Hash-table bit for a destination address, per [MCHP] SetRXHashTableEntry: CRC register from
 * 0xFFFFFFFF, polynomial 0x04C11DB7 shifted MSb-first, each DA byte fed LSb-first, no final
 * inversion; the bit index is CRC bits 28:23 (28:26 pick EHTn, 25:23 the bit).
 */
export function hashIndex(da: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < 6; i++) {
    let byte = da[i];
    for (let bit = 0; bit < 8; bit++) {
      const feedback = ((crc >>> 31) ^ byte) & 1;
      crc = (crc << 1) >>> 0;
      if (feedback) crc = (crc ^ 0x04c11db7) >>> 0;
      byte >>= 1;
    }
  }
  return (crc >>> 23) & 0x3f;
}

/**
 * The pattern-match checksum: the window bytes selected by the 64-bit mask, concatenated,
 * zero-padded to even length, summed as big-endian words in ones' complement, complemented.
 * Returns -1 when the 64-byte window runs past the end of the frame (incl. FCS): no match.
 */
export function patternChecksum(frameWithFcs: Uint8Array, offset: number, mask: Uint8Array): number {
  if (offset + 64 > frameWithFcs.length) return -1;
  const picked: number[] = [];
  for (let i = 0; i < 64; i++) if (mask[i >> 3] & (1 << (i & 7))) picked.push(frameWithFcs[offset + i]);
  if (picked.length & 1) picked.push(0);
  let sum = 0;
  for (let i = 0; i < picked.length; i += 2) {
    sum += (picked[i] << 8) | picked[i + 1];
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

/** Read access to banks 1 and 3 (filters need ERXFCON, EHT, EPMM, EPMCS, EPMO, MAADR). */
export interface FilterRegs {
  reg(bank: number, addr: number): number;
}

function macOf(regs: FilterRegs): number[] {
  return MAADR_OFFSETS.map((offset) => regs.reg(3, offset));
}

function isMagicPacket(frame: Uint8Array, mac: number[]): boolean {
  // FF x6 then 16 copies of MAADR anywhere after the 14-byte header.
  outer: for (let start = 14; start + 102 <= frame.length; start++) {
    for (let i = 0; i < 6; i++) if (frame[start + i] !== 0xff) continue outer;
    for (let i = 0; i < 96; i++) if (frame[start + 6 + i] !== mac[i % 6]) continue outer;
    return true;
  }
  return false;
}

/** ERXFCON decision for a frame that already carries its FCS (§6 "Combining"). */
export function filterAccepts(regs: FilterRegs, frame: Uint8Array): boolean {
  const fcon = regs.reg(1, 0x18);
  const da = frame.subarray(0, 6);
  const mac = macOf(regs);
  const unicast = da.every((b, i) => b === mac[i]);
  const broadcast = da.every((b) => b === 0xff);
  const results: boolean[] = [];
  if (fcon & UCEN) results.push(unicast);
  if (fcon & BCEN) results.push(broadcast);
  if (fcon & MCEN) results.push((da[0] & 1) === 1); // broadcast is a multicast address too
  if (fcon & HTEN) {
    const k = hashIndex(da);
    results.push((regs.reg(1, EHT0 + (k >> 3)) & (1 << (k & 7))) !== 0);
  }
  if (fcon & MPEN) results.push(unicast && isMagicPacket(frame, mac));
  if (fcon & PMEN) {
    const mask = new Uint8Array(8);
    for (let i = 0; i < 8; i++) mask[i] = regs.reg(1, EPMM0 + i);
    const offset = regs.reg(1, EPMO) | (regs.reg(1, EPMO + 1) << 8);
    const want = regs.reg(1, EPMCS) | (regs.reg(1, EPMCS + 1) << 8);
    results.push(patternChecksum(frame, offset, mask) === want);
  }
  // No address filter enabled (e.g. ERXFCON = 0) is promiscuous.
  let accept = results.length === 0 || (fcon & ANDOR ? results.every(Boolean) : results.some(Boolean));
  // CRCEN is applied after the filters: a bad FCS discards whatever matched.
  if (accept && fcon & CRCEN && !fcsOk(frame)) accept = false;
  return accept;
}
