// Multicast between two stacks through host/api.ts: dgram-style addMembership/dropMembership
// (memberships per socket, reference-counted per interface in the module), a datagram sent to
// a group reaching the member with TTL 1, and the IGMP reports and leave on the wire.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { createSocket } from '../../host/api.ts';
import { type Host } from './frames.ts';
import { addNode, counter, RawHost, simulation } from './harness.ts';

const A = { name: 'A', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 31 };
const B = { name: 'B', mac: '02:00:00:00:00:0b', cidr: '192.0.2.2/24', seed: 32 };
const RAW: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };
const GROUP = '239.1.2.3';

const igmp = (raw: RawHost, type: number, dst: string) =>
  raw.heard.filter((h) => h.frame.ipv4?.protocol === 2 && h.frame.ipv4.payload[0] === type && h.frame.ipv4.dst === dst);

test('a socket that joined a group receives datagrams sent to it; memberships are per socket and counted per interface', async () => {
  const { clock, wire } = simulation();
  const raw = new RawHost(wire, clock, RAW);
  const a = await addNode(wire, clock, A);
  const b = await addNode(wire, clock, B);
  clock.advance(10);

  const first = createSocket(a.stack);
  const second = createSocket(a.stack);
  const got: string[] = [];
  first.on('message', (msg) => got.push(`first ${msg}`));
  first.bind(5000);
  await once(first, 'listening');
  first.addMembership(GROUP);
  second.addMembership(GROUP, '192.0.2.1');
  assert.throws(() => first.addMembership(GROUP), { code: 'EADDRINUSE' });
  assert.throws(() => first.addMembership('192.0.2.7'), { code: 'EINVAL' });
  assert.throws(() => first.addMembership(GROUP, '198.51.100.1'), { code: 'EADDRNOTAVAIL' });
  clock.advance(10);
  assert.equal(igmp(raw, 0x16, GROUP).length, 1, 'one report for two joins on one interface');

  const sender = createSocket(b.stack);
  sender.send('hello group', 5000, GROUP);
  assert.ok(clock.runUntil(() => got.length === 1, 1_000));
  assert.deepEqual(got, ['first hello group']);
  const datagram = raw.heard.find((h) => h.frame.udp?.dstPort === 5000);
  assert.equal(datagram?.frame.ipv4?.ttl, 1, 'multicast leaves with TTL 1 (RFC 1112 6.1)');
  assert.equal(datagram?.frame.dst, '01:00:5e:01:02:03');

  second.close(); // its membership goes; the first socket's keeps the group joined
  clock.advance(10);
  assert.equal(igmp(raw, 0x17, '224.0.0.2').length, 0);
  sender.send('still joined', 5000, GROUP);
  assert.ok(clock.runUntil(() => got.length === 2, 1_000));

  first.dropMembership(GROUP);
  assert.throws(() => first.dropMembership(GROUP), { code: 'EADDRNOTAVAIL' });
  clock.advance(10);
  assert.equal(igmp(raw, 0x17, '224.0.0.2').length, 1, 'the last membership sends a leave');
  sender.send('after the leave', 5000, GROUP);
  clock.advance(100);
  assert.equal(got.length, 2);
  assert.ok(counter(a.stack, 'ipv4_rx_multicast_not_joined') >= 1);
  first.close();
  sender.close();
});
