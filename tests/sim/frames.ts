// Hand-built frames for tests (Ethernet, ARP, IPv4, ICMP echo, UDP, IGMP) and a small parser for
// what the module sends. Deliberately independent of the module's own wire/ code, so a bug
// there cannot hide behind the same bug here.

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const PROTO_ICMP = 1;
export const PROTO_UDP = 17;
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

export function macBytes(text: string): Uint8Array {
  return Uint8Array.from(text.split(':').map((h) => parseInt(h, 16)));
}

export function ipBytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

const hexMac = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
const dotted = (b: Uint8Array) => [...b].join('.');

/** RFC 1071 Internet checksum over the given byte arrays, as if concatenated. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd = -1; // a byte left over from a part of odd length
  for (const part of parts) {
    for (const byte of part) {
      if (odd < 0) odd = byte;
      else {
        sum += (odd << 8) | byte;
        odd = -1;
      }
    }
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet II frame, zero-padded to the 60-byte minimum. */
export function ethernet(dst: string, src: string, type: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(Math.max(60, 14 + payload.length));
  frame.set(macBytes(dst), 0);
  frame.set(macBytes(src), 6);
  frame[12] = type >> 8;
  frame[13] = type & 0xff;
  frame.set(payload, 14);
  return frame;
}

/** ARP for Ethernet/IPv4; op 1 request, 2 reply. */
export function arp(op: 1 | 2, senderMac: string, senderIp: string, targetMac: string, targetIp: string): Uint8Array {
  const body = new Uint8Array(28);
  body.set([0, 1, 0x08, 0x00, 6, 4, 0, op]);
  body.set(macBytes(senderMac), 8);
  body.set(ipBytes(senderIp), 14);
  body.set(macBytes(targetMac), 18);
  body.set(ipBytes(targetIp), 24);
  return body;
}

export function arpRequestFrame(senderMac: string, senderIp: string, targetIp: string): Uint8Array {
  return ethernet(BROADCAST_MAC, senderMac, ETHERTYPE_ARP, arp(1, senderMac, senderIp, '00:00:00:00:00:00', targetIp));
}

export function arpReplyFrame(senderMac: string, senderIp: string, targetMac: string, targetIp: string): Uint8Array {
  return ethernet(targetMac, senderMac, ETHERTYPE_ARP, arp(2, senderMac, senderIp, targetMac, targetIp));
}

export interface Ipv4Options {
  ttl?: number;
  id?: number;
  /** Flags and fragment offset word (0x4000 = don't fragment). */
  fragment?: number;
}

export function ipv4(src: string, dst: string, protocol: number, payload: Uint8Array, options: Ipv4Options = {}): Uint8Array {
  const packet = new Uint8Array(20 + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x45;
  view.setUint16(2, packet.length);
  view.setUint16(4, options.id ?? 1);
  view.setUint16(6, options.fragment ?? 0x4000);
  packet[8] = options.ttl ?? 64;
  packet[9] = protocol;
  packet.set(ipBytes(src), 12);
  packet.set(ipBytes(dst), 16);
  view.setUint16(10, internetChecksum(packet.subarray(0, 20)));
  packet.set(payload, 20);
  return packet;
}

/** ICMP echo request (type 8) or reply (type 0). */
export function icmpEcho(type: 0 | 8, id: number, sequence: number, data: Uint8Array): Uint8Array {
  const message = new Uint8Array(8 + data.length);
  const view = new DataView(message.buffer);
  message[0] = type;
  view.setUint16(4, id);
  view.setUint16(6, sequence);
  message.set(data, 8);
  view.setUint16(2, internetChecksum(message));
  return message;
}

function pseudoHeader(src: string, dst: string, protocol: number, length: number): Uint8Array {
  const header = new Uint8Array(12);
  header.set(ipBytes(src), 0);
  header.set(ipBytes(dst), 4);
  header[9] = protocol;
  header[10] = length >> 8;
  header[11] = length & 0xff;
  return header;
}

/** UDP datagram with a correct checksum (0 is sent as 0xffff, RFC 768). */
export function udp(src: string, dst: string, srcPort: number, dstPort: number, data: Uint8Array): Uint8Array {
  const datagram = new Uint8Array(8 + data.length);
  const view = new DataView(datagram.buffer);
  view.setUint16(0, srcPort);
  view.setUint16(2, dstPort);
  view.setUint16(4, datagram.length);
  datagram.set(data, 8);
  view.setUint16(6, internetChecksum(pseudoHeader(src, dst, PROTO_UDP, datagram.length), datagram) || 0xffff);
  return datagram;
}

export const PROTO_IGMP = 2;

/**
 * IGMP message (RFC 2236 2): type, max response code, group, then `extra` zero bytes (4 make
 * a query an IGMPv3 one, RFC 3376 4.1).
 */
export function igmp(type: number, maxResp: number, group: string, extra = 0): Uint8Array {
  const message = new Uint8Array(8 + extra);
  message[0] = type;
  message[1] = maxResp;
  message.set(ipBytes(group), 4);
  new DataView(message.buffer).setUint16(2, internetChecksum(message));
  return message;
}

export interface Host {
  mac: string;
  ip: string;
}

export function echoRequestFrame(from: Host, to: Host, id: number, sequence: number, data: Uint8Array): Uint8Array {
  return ethernet(to.mac, from.mac, ETHERTYPE_IPV4, ipv4(from.ip, to.ip, PROTO_ICMP, icmpEcho(8, id, sequence, data)));
}

export function udpFrame(from: Host, to: Host, srcPort: number, dstPort: number, data: Uint8Array): Uint8Array {
  return ethernet(to.mac, from.mac, ETHERTYPE_IPV4, ipv4(from.ip, to.ip, PROTO_UDP, udp(from.ip, to.ip, srcPort, dstPort, data)));
}

export interface ParsedFrame {
  dst: string;
  src: string;
  type: number;
  length: number;
  arp?: { op: number; senderMac: string; senderIp: string; targetMac: string; targetIp: string };
  ipv4?: {
    src: string;
    dst: string;
    protocol: number;
    ttl: number;
    headerChecksumOk: boolean;
    /** The IPv4 header and payload, cut at the total length (drops Ethernet padding). */
    packet: Uint8Array;
    payload: Uint8Array;
  };
  icmp?: { type: number; code: number; checksumOk: boolean; id: number; sequence: number; body: Uint8Array };
  udp?: { srcPort: number; dstPort: number; checksumOk: boolean; data: Uint8Array };
}

/** Parses what the module sent; fields it cannot find are left out. */
export function parseFrame(frame: Uint8Array): ParsedFrame {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const parsed: ParsedFrame = {
    dst: hexMac(frame.subarray(0, 6)),
    src: hexMac(frame.subarray(6, 12)),
    type: view.getUint16(12),
    length: frame.length,
  };
  const body = frame.subarray(14);
  if (parsed.type === ETHERTYPE_ARP && body.length >= 28) {
    parsed.arp = {
      op: (body[6] << 8) | body[7],
      senderMac: hexMac(body.subarray(8, 14)),
      senderIp: dotted(body.subarray(14, 18)),
      targetMac: hexMac(body.subarray(18, 24)),
      targetIp: dotted(body.subarray(24, 28)),
    };
  }
  if (parsed.type === ETHERTYPE_IPV4 && body.length >= 20) {
    const headerBytes = (body[0] & 0x0f) * 4;
    const total = (body[2] << 8) | body[3];
    const packet = body.subarray(0, total);
    const src = dotted(body.subarray(12, 16));
    const dst = dotted(body.subarray(16, 20));
    const payload = packet.subarray(headerBytes);
    parsed.ipv4 = {
      src,
      dst,
      protocol: body[9],
      ttl: body[8],
      headerChecksumOk: internetChecksum(body.subarray(0, headerBytes)) === 0,
      packet,
      payload,
    };
    const p = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    if (body[9] === PROTO_ICMP && payload.length >= 8) {
      parsed.icmp = {
        type: payload[0],
        code: payload[1],
        checksumOk: internetChecksum(payload) === 0,
        id: p.getUint16(4),
        sequence: p.getUint16(6),
        body: payload.subarray(8),
      };
    }
    if (body[9] === PROTO_UDP && payload.length >= 8) {
      const checksum = p.getUint16(6);
      parsed.udp = {
        srcPort: p.getUint16(0),
        dstPort: p.getUint16(2),
        checksumOk: checksum === 0 || internetChecksum(pseudoHeader(src, dst, PROTO_UDP, payload.length), payload) === 0,
        data: payload.subarray(8, p.getUint16(4)),
      };
    }
  }
  return parsed;
}

/**
 * The IPv4 fragments (whole packets) of a datagram carrying payload, as a sender with an MTU of
 * 20 + fragmentBytes would cut it: every fragment but the last carries fragmentBytes (a multiple of 8).
 */
export function ipv4Fragments(src: string, dst: string, protocol: number, payload: Uint8Array, id: number, fragmentBytes = 1480): Uint8Array[] {
  if (fragmentBytes % 8 !== 0) throw new RangeError('fragments carry multiples of 8 bytes');
  const fragments: Uint8Array[] = [];
  for (let start = 0; start < payload.length; start += fragmentBytes) {
    const end = Math.min(start + fragmentBytes, payload.length);
    const more = end < payload.length ? 0x2000 : 0;
    fragments.push(ipv4(src, dst, protocol, payload.subarray(start, end), { id, fragment: more | (start >> 3) }));
  }
  return fragments;
}
