// The DHCP client through the host API on the in-memory wire, against a scripted server (a
// RawHost that answers DISCOVER and REQUEST with hand-built replies), on the virtual clock:
// the lease and Stack.dhcpLease(), renewal at T1, rebinding at T2 and expiry, and a conflict
// found by the RFC 5227 probes ending in a DECLINE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VirtualClock, Wire } from '../../host/nic/wire.ts';
import { Stack } from '../../host/runtime.ts';
import { BROADCAST_MAC, ETHERTYPE_IPV4, PROTO_UDP, ethernet, ipBytes, ipv4, type ParsedFrame, udp } from './frames.ts';
import { counter, RawHost, simulation } from './harness.ts';

const CLIENT_MAC = '02:00:00:00:00:0c';
const SERVER = { mac: '02:00:00:00:00:5e', ip: '192.0.2.1' };
const FIRST = '192.0.2.50';
const SECOND = '192.0.2.51';
const DHCPDISCOVER = 1;
const DHCPOFFER = 2;
const DHCPREQUEST = 3;
const DHCPDECLINE = 4;
const DHCPACK = 5;

interface Message {
  type: number;
  xid: number;
  ciaddr: string;
  broadcast: boolean;
  requested?: string;
  from: string;
}

/** The DHCP fields of a client's message, or null if the frame is not one. */
function dhcpOf(frame: ParsedFrame): Message | null {
  if (!frame.udp || frame.udp.dstPort !== 67 || frame.udp.srcPort !== 68) return null;
  const d = frame.udp.data;
  const dotted = (at: number) => Array.from(d.subarray(at, at + 4)).join('.');
  const message: Message = {
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

function reply(type: number, xid: number, yiaddr: string, leaseS: number, dst: string): Uint8Array {
  const d = new Uint8Array(300);
  const view = new DataView(d.buffer);
  d.set([2, 1, 6]);
  view.setUint32(4, xid);
  d.set(ipBytes(yiaddr), 16);
  d.set(ipBytes(SERVER.ip), 20);
  d.set(CLIENT_MAC.split(':').map((h) => parseInt(h, 16)), 28);
  view.setUint32(236, 0x63825363);
  const options = [53, 1, type, 54, 4, ...ipBytes(SERVER.ip), 51, 4, 0, 0, 0, 0, 1, 4, 255, 255, 255, 0, 3, 4, ...ipBytes(SERVER.ip),
    6, 4, ...ipBytes('192.0.2.53'), 255];
  d.set(options, 240);
  view.setUint32(240 + 3 + 6 + 2, leaseS);
  const dstMac = dst === '255.255.255.255' ? BROADCAST_MAC : CLIENT_MAC;
  return ethernet(dstMac, SERVER.mac, ETHERTYPE_IPV4, ipv4(SERVER.ip, dst, PROTO_UDP, udp(SERVER.ip, dst, 67, 68, d)));
}

/** A server offering `offers` in turn (one per DISCOVER) with a lease of leaseS seconds. */
class Server {
  readonly raw: RawHost;
  readonly messages: Message[] = [];
  silent = false;
  private offered = 0;

  constructor(wire: Wire, clock: VirtualClock, private readonly offers: string[], private readonly leaseS: number) {
    this.raw = new RawHost(wire, clock, SERVER);
    this.raw.onHeard = (frame) => {
      const message = dhcpOf(frame);
      if (message) this.answer(message);
    };
  }

  private answer(m: Message): void {
    this.messages.push(m);
    if (this.silent) return;
    if (m.type === DHCPDISCOVER) {
      const address = this.offers[Math.min(this.offered++, this.offers.length - 1)];
      this.raw.send(reply(DHCPOFFER, m.xid, address, this.leaseS, '255.255.255.255'));
    } else if (m.type === DHCPREQUEST) {
      const address = m.requested ?? m.ciaddr;
      this.raw.send(reply(DHCPACK, m.xid, address, this.leaseS, m.broadcast ? '255.255.255.255' : address));
    }
  }

  of(type: number): Message[] {
    return this.messages.filter((m) => m.type === type);
  }
}

async function client(wire: Wire, clock: VirtualClock): Promise<Stack> {
  const stack = await Stack.load({ profile: 'default', debug: true, seed: 7, clock, log: () => {} });
  stack.attach(0, wire.endpoint('client'));
  stack.setMac(0, CLIENT_MAC);
  stack.up(0);
  stack.start();
  stack.dhcpStart(0);
  return stack;
}

test('a lease through the host API: DISCOVER, REQUEST, probes, then bound with router and DNS', async () => {
  const { clock, wire } = simulation();
  const server = new Server(wire, clock, [FIRST], 3600);
  const stack = await client(wire, clock);
  clock.advance(100);
  assert.equal(stack.dhcpLease().state, 'probing');
  assert.equal(stack.addrState(0), 'probing');
  assert.equal(server.of(DHCPDISCOVER).length, 1);
  assert.equal(server.of(DHCPREQUEST)[0].requested, FIRST);
  assert.equal(server.of(DHCPREQUEST)[0].from, '0.0.0.0');
  clock.advance(8_000);
  assert.deepEqual(stack.dhcpLease(), {
    state: 'bound', ip: `${FIRST}/24`, router: SERVER.ip, server: SERVER.ip, dns: ['192.0.2.53'], leaseSeconds: 3600,
  });
  assert.equal(stack.addrState(0), 'ready');
  const probes = server.raw.find((f) => f.arp?.senderIp === '0.0.0.0' && f.arp.targetIp === FIRST);
  const announcements = server.raw.find((f) => f.arp?.senderIp === FIRST && f.arp.targetIp === FIRST);
  assert.equal(probes.length, 3);
  assert.ok(announcements.length >= 1);
  assert.equal(counter(stack, 'dhcp_leases'), 1);
});

test('renews at T1 by unicast, rebinds at T2 by broadcast, and loses the address at expiry', async () => {
  const { clock, wire } = simulation();
  const server = new Server(wire, clock, [FIRST], 40);
  const stack = await client(wire, clock);
  clock.advance(8_000);
  assert.equal(stack.dhcpLease().state, 'bound');
  clock.advance(20_000); // T1 = 20 s from the REQUEST
  const renewal = server.of(DHCPREQUEST).at(-1)!;
  assert.equal(renewal.from, FIRST);
  assert.equal(renewal.ciaddr, FIRST);
  assert.equal(renewal.broadcast, false);
  assert.equal(stack.dhcpLease().state, 'bound');
  // The server stops answering: from the renewal (at 20 s), RENEWING at 40 s, REBINDING at 55 s,
  // expiry at 60 s. It is now 28 s.
  server.silent = true;
  const before = server.of(DHCPREQUEST).length;
  clock.advance(29_000);
  assert.equal(stack.dhcpLease().state, 'rebinding');
  const rebind = server.raw.heard.filter((h) => dhcpOf(h.frame)?.type === DHCPREQUEST).at(-1)!.frame;
  assert.equal(rebind.dst, BROADCAST_MAC);
  assert.equal(rebind.ipv4!.dst, '255.255.255.255');
  assert.ok(server.of(DHCPREQUEST).length > before);
  clock.advance(5_000);
  assert.equal(stack.dhcpLease().state, 'selecting');
  assert.equal(stack.dhcpLease().ip, null);
  assert.equal(stack.addrState(0), 'none');
  assert.equal(counter(stack, 'dhcp_lease_expired'), 1);
});

test('a host answering for the offered address: DECLINE, then another address after 10 s', async () => {
  const { clock, wire } = simulation();
  const server = new Server(wire, clock, [FIRST, SECOND], 3600);
  // Another host already uses FIRST and answers ARP for it (the probes included).
  const holder = new RawHost(wire, clock, { mac: '02:00:00:00:00:77', ip: FIRST });
  const stack = await client(wire, clock);
  clock.advance(8_000);
  assert.equal(stack.dhcpLease().state, 'declined');
  const decline = server.of(DHCPDECLINE);
  assert.equal(decline.length, 1);
  assert.equal(decline[0].requested, FIRST);
  assert.equal(decline[0].from, '0.0.0.0');
  assert.equal(holder.find((f) => f.ipv4?.src === FIRST).length, 0, 'the declined address was never used');
  clock.advance(10_000 + 8_000);
  assert.equal(stack.dhcpLease().ip, `${SECOND}/24`);
  assert.equal(counter(stack, 'arp_conflict'), 1);
  assert.equal(counter(stack, 'dhcp_declined'), 1);
});
