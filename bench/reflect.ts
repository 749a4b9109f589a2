// The baseline for the TAP benchmark: answers what the module answers (ARP for its address,
// ICMP echo, UDP echo on port 7) by rewriting the request in place of a TCP/IP stack, so the
// kernel sees the same replies and the difference in figures is the module and its runtime.
import { internetChecksum } from '../tests/sim/frames.ts';

const ETH_ARP = 0x0806;
const ETH_IPV4 = 0x0800;
const PROTO_ICMP = 1;
const PROTO_UDP = 17;
const ECHO_PORT = 7;
const FRAME_MIN = 60;

const be16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];
const put16 = (b: Uint8Array, at: number, v: number) => {
  b[at] = v >> 8;
  b[at + 1] = v & 0xff;
};
const same = (b: Uint8Array, at: number, want: Uint8Array) => want.every((x, i) => b[at + i] === x);

/** The reply to `frame` for a host owning mac/ip, or null when that host would stay silent. */
export function reflect(frame: Uint8Array, mac: Uint8Array, ip: Uint8Array): Uint8Array | null {
  if (frame.length < 42) return null;
  const type = be16(frame, 12);
  if (type === ETH_ARP) {
    // Request (op 1) for our address: answer as RFC 826 does, sender and target swapped.
    if (be16(frame, 20) !== 1 || !same(frame, 38, ip)) return null;
    const out = new Uint8Array(FRAME_MIN);
    out.set(frame.subarray(0, 42));
    out.set(frame.subarray(6, 12), 0);
    out.set(mac, 6);
    out[21] = 2;
    out.set(frame.subarray(22, 32), 32); // requester's MAC + IP become the target
    out.set(mac, 22);
    out.set(ip, 28);
    return out;
  }
  if (type !== ETH_IPV4 || !same(frame, 30, ip)) return null;
  const ihl = (frame[14] & 0x0f) * 4;
  const total = be16(frame, 16);
  if (ihl < 20 || 14 + total > frame.length) return null;
  const out = new Uint8Array(Math.max(FRAME_MIN, 14 + total));
  out.set(frame.subarray(0, 14 + total));
  out.set(frame.subarray(6, 12), 0);
  out.set(mac, 6);
  out.set(frame.subarray(30, 34), 26);
  out.set(frame.subarray(26, 30), 30);
  out[22] = 64; // TTL, as a fresh packet
  put16(out, 24, 0);
  put16(out, 24, internetChecksum(out.subarray(14, 14 + ihl)));
  const l4 = 14 + ihl;
  const l4end = 14 + total;
  // Neither reply reads its payload, so the cost per frame does not grow with its size (a
  // baseline for full-size frames must not spend its time summing bytes in JavaScript).
  if (frame[23] === PROTO_ICMP && frame[l4] === 8 && l4end - l4 >= 8) {
    // RFC 1624 eqn. 3: only the type word changes (0x0800 -> 0x0000), so HC' = ~(~HC + ~m + m').
    out[l4] = 0;
    let sum = (~be16(frame, l4 + 2) & 0xffff) + (~0x0800 & 0xffff);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    put16(out, l4 + 2, ~sum & 0xffff);
    return out;
  }
  if (frame[23] === PROTO_UDP && be16(frame, l4 + 2) === ECHO_PORT) {
    // Swapping the addresses (pseudo-header) and the ports leaves the one's-complement sum,
    // and so the UDP checksum (or its absence), as it was.
    put16(out, l4, ECHO_PORT);
    put16(out, l4 + 2, be16(frame, l4));
    return out;
  }
  return null;
}
