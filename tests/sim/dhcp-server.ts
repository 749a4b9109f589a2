// A scripted DHCP server for the sim suites, independent of any transport: it reads a
// client's messages out of parsed frames and answers with hand-built OFFER, ACK and NAK
// frames. tests/sim/dhcp.test.ts puts it on the in-memory wire; tests/sim/no-alloc.test.ts
// feeds it what a bare module sends.
import { BROADCAST_MAC, ETHERTYPE_IPV4, PROTO_UDP, ethernet, ipBytes, ipv4, macBytes, type Host, type ParsedFrame, udp } from './frames.ts';

export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;

export interface DhcpMessage {
  type: number;
  xid: number;
  ciaddr: string;
  broadcast: boolean;
  requested?: string;
  from: string;
}

/** The DHCP fields of a client's message, or null if the frame is not one. */
export function dhcpOf(frame: ParsedFrame): DhcpMessage | null {
  if (!frame.udp || frame.udp.dstPort !== 67 || frame.udp.srcPort !== 68) return null;
  const d = frame.udp.data;
  const dotted = (at: number) => Array.from(d.subarray(at, at + 4)).join('.');
  const message: DhcpMessage = {
    type: 0,
    xid: new DataView(d.buffer, d.byteOffset).getUint32(4),
    ciaddr: dotted(12),
    broadcast: (d[10] & 0x80) !== 0,
    from: frame.ipv4!.src,
  };
  for (let i = 240; i < d.length && d[i] !== 255; i += d[i] === 0 ? 1 : 2 + d[i + 1]) {
    if (d[i] === 53) message.type = d[i + 2];
    if (d[i] === 50) message.requested = dotted(i + 2);
  }
  return message;
}

/** A server's reply of `type` from server to clientMac: a /24, the server as router, 192.0.2.53 for DNS. */
export function dhcpReply(server: Host, clientMac: string, type: number, xid: number, yiaddr: string, leaseS: number, dst: string): Uint8Array {
  const d = new Uint8Array(300);
  const view = new DataView(d.buffer);
  d.set([2, 1, 6]);
  view.setUint32(4, xid);
  d.set(ipBytes(yiaddr), 16);
  d.set(ipBytes(server.ip), 20);
  d.set(macBytes(clientMac), 28);
  view.setUint32(236, 0x63825363);
  const options = [53, 1, type, 54, 4, ...ipBytes(server.ip), 51, 4, 0, 0, 0, 0, 1, 4, 255, 255, 255, 0, 3, 4, ...ipBytes(server.ip),
    6, 4, ...ipBytes('192.0.2.53'), 255];
  d.set(options, 240);
  view.setUint32(240 + 3 + 6 + 2, leaseS);
  const dstMac = dst === '255.255.255.255' ? BROADCAST_MAC : clientMac;
  return ethernet(dstMac, server.mac, ETHERTYPE_IPV4, ipv4(server.ip, dst, PROTO_UDP, udp(server.ip, dst, 67, 68, d)));
}

/**
 * Offers `offers` in turn (one per DISCOVER, the last one repeated) with a lease of leaseS
 * seconds and ACKs every REQUEST; NAKs the next `nak` REQUESTs; answers nothing while silent.
 */
export class DhcpScript {
  readonly messages: DhcpMessage[] = [];
  silent = false;
  nak = 0;
  private offered = 0;

  constructor(
    readonly server: Host,
    readonly clientMac: string,
    public offers: string[],
    readonly leaseS: number,
  ) {}

  /** Records a client's message; the reply frame, if any. */
  answer(m: DhcpMessage): Uint8Array | null {
    this.messages.push(m);
    if (this.silent) return null;
    if (m.type === DHCPDISCOVER) {
      const address = this.offers[Math.min(this.offered++, this.offers.length - 1)];
      return dhcpReply(this.server, this.clientMac, DHCPOFFER, m.xid, address, this.leaseS, '255.255.255.255');
    }
    if (m.type === DHCPREQUEST) {
      const address = m.requested ?? m.ciaddr;
      const dst = m.broadcast ? '255.255.255.255' : address;
      if (this.nak > 0) {
        this.nak--;
        return dhcpReply(this.server, this.clientMac, DHCPNAK, m.xid, '0.0.0.0', 0, '255.255.255.255');
      }
      return dhcpReply(this.server, this.clientMac, DHCPACK, m.xid, address, this.leaseS, dst);
    }
    return null;
  }

  of(type: number): DhcpMessage[] {
    return this.messages.filter((m) => m.type === type);
  }
}
