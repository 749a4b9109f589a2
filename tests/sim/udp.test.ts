// UDP through host/api.ts in both directions, the module's echo service, closed ports
// answered with ICMP port unreachable, and errors surfacing as Node-style Error codes.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { createSocket, type RemoteInfo } from '../../host/api.ts';
import { ethernet, ETHERTYPE_IPV4, ipv4, PROTO_UDP, udp, udpFrame, type Host } from './frames.ts';
import { addNode, counter, counterDelta, RawHost, simulation } from './harness.ts';

const A = { name: 'A', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 21 };
const B = { name: 'B', mac: '02:00:00:00:00:0b', cidr: '192.0.2.2/24', seed: 22 };
const RAW: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };

async function setup() {
  const { clock, wire } = simulation();
  const raw = new RawHost(wire, clock, RAW);
  const a = await addNode(wire, clock, A);
  const b = await addNode(wire, clock, B);
  // Introduced, so the ARP queue bound does not enter these tests.
  raw.introduceTo('192.0.2.1', '192.0.2.2');
  return { clock, wire, raw, a, b };
}

type Received = { msg: Buffer; rinfo: RemoteInfo };

test('B sends to A\'s echo service (port 7) and gets the same bytes back', async () => {
  const { clock, a, b } = await setup();
  assert.ok(a.stack.exports.service_udp_echo(7) >= 0);
  const socket = createSocket(b.stack);
  const got: Received[] = [];
  socket.on('message', (msg, rinfo) => got.push({ msg, rinfo }));
  const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
  socket.send(payload, 7, '192.0.2.1');
  socket.send('second', 7, '192.0.2.1');
  assert.ok(clock.runUntil(() => got.length === 2, 2_000), `echoes: ${got.length}`);
  assert.deepEqual(got[0].msg, payload);
  assert.deepEqual(got[0].rinfo, { address: '192.0.2.1', family: 'IPv4', port: 7, size: 1000 });
  assert.equal(got[1].msg.toString(), 'second');
  socket.close();
});

test('tiny echoes a reassembled datagram longer than its echo buffer truncated to that buffer', async () => {
  // Tiny reassembles up to 2048 bytes and queues up to 1528, but echoes from a 1472-byte buffer
  // (config.ts UDP_ECHO_PAYLOAD_MAX): the reply carries what the buffer took, nothing after it.
  const { clock, wire } = simulation();
  const a = await addNode(wire, clock, { ...A, profile: 'tiny' });
  const b = await addNode(wire, clock, B);
  assert.ok(a.stack.exports.service_udp_echo(7) >= 0);
  const socket = createSocket(b.stack);
  const got: Buffer[] = [];
  socket.on('message', (msg) => got.push(msg));
  const payload = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 13 + 5) & 0xff));
  socket.send(payload, 7, '192.0.2.1');
  assert.ok(clock.runUntil(() => got.length === 1, 2_000), `echoes: ${got.length}`);
  assert.deepEqual(got[0], payload.subarray(0, 1472));
  socket.close();
});

test('sockets on both stacks talk both ways; ports and addresses are reported', async () => {
  const { clock, a, b } = await setup();
  const server = createSocket(a.stack);
  const client = createSocket(b.stack);
  server.on('message', (msg, rinfo) => server.send(Buffer.concat([Buffer.from('re: '), msg]), rinfo.port, rinfo.address));
  server.bind(5000, '192.0.2.1');
  await once(server, 'listening');
  assert.deepEqual(server.address(), { address: '192.0.2.1', family: 'IPv4', port: 5000 });
  client.bind(0);
  await once(client, 'listening');
  const clientPort = client.address().port;
  assert.ok(clientPort >= 1024, `ephemeral port ${clientPort}`);
  const got: Received[] = [];
  client.on('message', (msg, rinfo) => got.push({ msg, rinfo }));
  let sentBytes = -1;
  client.send('hello A', 5000, '192.0.2.1', (err, bytes) => {
    assert.ifError(err);
    sentBytes = bytes!;
  });
  assert.ok(clock.runUntil(() => got.length > 0, 2_000));
  assert.equal(got[0].msg.toString(), 're: hello A');
  assert.deepEqual(got[0].rinfo, { address: '192.0.2.1', family: 'IPv4', port: 5000, size: 11 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sentBytes, 7);
  assert.ok(counter(a.stack, 'udp_rx') >= 1 && counter(b.stack, 'udp_tx') >= 1);
  server.close();
  client.close();
  await once(client, 'close');
});

test('a closed port is answered with ICMP port unreachable quoting the datagram', async () => {
  const { clock, raw, a } = await setup();
  const before = a.stack.counters();
  const sent = udpFrame(RAW, a.host, 40000, 9999, Buffer.from('anyone?'));
  raw.send(sent);
  clock.advance(100);
  const errors = raw.toMe((f) => f.icmp?.type === 3);
  assert.equal(errors.length, 1);
  const error = errors[0];
  assert.equal(error.icmp!.code, 3, 'port unreachable');
  assert.ok(error.icmp!.checksumOk);
  assert.equal(error.ipv4!.src, '192.0.2.1');
  assert.equal(error.ipv4!.dst, RAW.ip);
  // RFC 792 / 1812: unused word, then the offending IP header and at least 8 bytes after it.
  const quoted = error.icmp!.body;
  const original = sent.subarray(14, 14 + 20 + 8);
  assert.deepEqual(quoted.subarray(0, 28), original);
  const delta = counterDelta(before, a.stack.counters());
  assert.equal(delta.udp_rx_no_socket, 1, JSON.stringify(delta));
  assert.equal(delta.icmp_tx_unreachable, 1, JSON.stringify(delta));
});

test('a datagram to a closed port sent to broadcast gets no ICMP error (RFC 1122 3.2.2)', async () => {
  const { clock, raw, a } = await setup();
  const broadcast = { mac: 'ff:ff:ff:ff:ff:ff', ip: '192.0.2.255' };
  raw.send(udpFrame(RAW, broadcast, 40000, 9999, Buffer.from('all?')));
  raw.send(udpFrame(RAW, { ...broadcast, ip: '255.255.255.255' }, 40000, 9999, Buffer.from('all?')));
  clock.advance(100);
  assert.equal(raw.toMe((f) => f.icmp?.type === 3).length, 0);
  assert.equal(counter(a.stack, 'icmp_tx_unreachable'), 0);
});

test('ICMP errors are rate limited: a burst of closed-port datagrams gets at most the burst of replies', async () => {
  const { clock, raw, a } = await setup();
  for (let i = 0; i < 40; i++) raw.send(udpFrame(RAW, a.host, 40000 + i, 9999, Buffer.from('x')));
  clock.advance(5);
  const unreachables = raw.toMe((f) => f.icmp?.type === 3).length;
  const limited = counter(a.stack, 'icmp_tx_rate_limited');
  assert.ok(unreachables >= 1 && unreachables <= 11, `${unreachables} replies`);
  assert.equal(unreachables + limited, 40);
  // Tokens come back with time: a later datagram is answered again.
  clock.advance(2_000);
  raw.send(udpFrame(RAW, a.host, 40000, 9999, Buffer.from('later')));
  clock.advance(5);
  assert.equal(raw.toMe((f) => f.icmp?.type === 3).length, unreachables + 1);
});

test('bad UDP checksum is dropped and counted; a zero checksum (none) is accepted', async () => {
  const { clock, raw, a } = await setup();
  const socket = createSocket(a.stack);
  const got: string[] = [];
  socket.on('message', (msg) => got.push(msg.toString()));
  socket.bind(6000);
  await once(socket, 'listening');
  const bad = udp(RAW.ip, a.host.ip, 1234, 6000, Buffer.from('bad'));
  bad[6] ^= 0x01;
  raw.send(ethernet(A.mac, RAW.mac, ETHERTYPE_IPV4, ipv4(RAW.ip, a.host.ip, PROTO_UDP, bad)));
  const none = udp(RAW.ip, a.host.ip, 1234, 6000, Buffer.from('none'));
  none[6] = none[7] = 0;
  raw.send(ethernet(A.mac, RAW.mac, ETHERTYPE_IPV4, ipv4(RAW.ip, a.host.ip, PROTO_UDP, none)));
  clock.advance(100);
  assert.deepEqual(got, ['none']);
  assert.equal(counter(a.stack, 'udp_rx_bad_checksum'), 1);
  socket.close();
});

test('module errors become Error objects with errno codes', async () => {
  const { clock, a } = await setup();
  const first = createSocket(a.stack).bind(7000);
  await once(first, 'listening');
  const second = createSocket(a.stack).bind(7000);
  const [inUse] = (await once(second, 'error')) as [NodeJS.ErrnoException];
  assert.equal(inUse.code, 'EADDRINUSE');
  assert.match(inUse.message, /bind EADDRINUSE 0\.0\.0\.0:7000/);

  // No gateway configured: an off-link destination has no route.
  const offLink = await new Promise<NodeJS.ErrnoException | null>((resolve) => first.send('x', 9, '203.0.113.5', resolve));
  assert.equal(offLink?.code, 'ENETUNREACH');
  assert.match(offLink!.message, /send ENETUNREACH 203\.0\.113\.5:9/);

  const tooBig = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
    first.send(Buffer.alloc(a.stack.exports.io_buffer_size() + 1), 9, '192.0.2.2', resolve),
  );
  assert.equal(tooBig?.code, 'EMSGSIZE');

  const badAddress = await new Promise<NodeJS.ErrnoException | null>((resolve) => first.send('x', 9, 'not-an-ip', resolve));
  assert.equal(badAddress?.code, 'EINVAL');
  assert.throws(() => first.send('x', 0, '192.0.2.2'), { code: 'ERR_SOCKET_BAD_PORT' });

  // Every socket the build has, then one more.
  const sockets = [];
  let exhausted: NodeJS.ErrnoException | null = null;
  for (let i = 0; i < 200 && !exhausted; i++) {
    const socket = createSocket(a.stack);
    socket.on('error', (e) => (exhausted = e));
    socket.bind(0);
    await new Promise((resolve) => setImmediate(resolve));
    sockets.push(socket);
  }
  assert.equal((exhausted as NodeJS.ErrnoException | null)?.code, 'EMFILE');
  first.close();
  assert.throws(() => first.send('x', 9, '192.0.2.2'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  clock.advance(10);
});

test('closing a socket frees its port and stops delivery', async () => {
  const { clock, raw, a } = await setup();
  const socket = createSocket(a.stack);
  let messages = 0;
  socket.on('message', () => messages++);
  socket.bind(6100);
  await once(socket, 'listening');
  socket.close();
  raw.send(udpFrame(RAW, a.host, 1, 6100, Buffer.from('late')));
  clock.advance(100);
  assert.equal(messages, 0);
  assert.equal(raw.toMe((f) => f.icmp?.type === 3).length, 1, 'the port is closed again');
  const again = createSocket(a.stack).bind(6100);
  await once(again, 'listening');
  again.close();
});
