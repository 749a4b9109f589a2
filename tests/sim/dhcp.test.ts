// The DHCP client through the host API on the in-memory wire, against a scripted server (a
// RawHost that answers DISCOVER and REQUEST with hand-built replies), on the virtual clock:
// the lease and Stack.dhcpLease(), renewal at T1, rebinding at T2 and expiry, and a conflict
// found by the RFC 5227 probes ending in a DECLINE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VirtualClock, Wire } from '../../host/nic/wire.ts';
import { Stack } from '../../host/runtime.ts';
import { DHCPDECLINE, DHCPDISCOVER, DHCPREQUEST, DhcpScript, dhcpOf } from './dhcp-server.ts';
import { BROADCAST_MAC } from './frames.ts';
import { counter, RawHost, simulation } from './harness.ts';

const CLIENT_MAC = '02:00:00:00:00:0c';
const SERVER = { mac: '02:00:00:00:00:5e', ip: '192.0.2.1' };
const FIRST = '192.0.2.50';
const SECOND = '192.0.2.51';

/** The scripted server on the wire, answering from SERVER. */
class Server extends DhcpScript {
  readonly raw: RawHost;

  constructor(wire: Wire, clock: VirtualClock, offers: string[], leaseS: number) {
    super(SERVER, CLIENT_MAC, offers, leaseS);
    this.raw = new RawHost(wire, clock, SERVER);
    this.raw.onHeard = (frame) => {
      const message = dhcpOf(frame);
      const reply = message && this.answer(message);
      if (reply) this.raw.send(reply);
    };
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
  // The host reads the leased address from the module (show route's src, multicast interfaces).
  assert.deepEqual(stack.addresses(), [{ iface: 0, addr: FIRST, prefix: 24 }]);
  assert.equal(stack.ifaceByAddress(FIRST), 0);
  // And the lease's DNS server is the resolver's.
  assert.deepEqual(stack.dnsServers(), ['192.0.2.53']);
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
