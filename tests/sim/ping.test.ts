// ICMP echo: the module answers echo requests. It has no ping client, so a scripted raw host
// sends the requests (and, to ping between the two stacks, one in A's name).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { echoRequestFrame, ethernet, ETHERTYPE_IPV4, icmpEcho, ipv4, PROTO_ICMP, type Host } from './frames.ts';
import { addNode, counter, RawHost, simulation, type SimNode } from './harness.ts';

const A = { name: 'A', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 11 };
const B = { name: 'B', mac: '02:00:00:00:00:0b', cidr: '192.0.2.2/24', seed: 12 };
const RAW: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };

async function setup() {
  const { clock, wire } = simulation();
  const raw = new RawHost(wire, clock, RAW);
  const a = await addNode(wire, clock, A);
  const b = await addNode(wire, clock, B);
  clock.advance(10);
  raw.heard.length = 0;
  return { clock, wire, raw, a, b };
}

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

test('the raw host pings both stacks and gets exact echo replies', async () => {
  const { clock, raw, a, b } = await setup();
  const targets: [SimNode, number][] = [
    [a, 1],
    [b, 2],
  ];
  for (const [node, sequence] of targets) {
    raw.send(echoRequestFrame(RAW, node.host, 0x4242, sequence, pattern(56)));
  }
  clock.advance(100);
  for (const [node, sequence] of targets) {
    const replies = raw.toMe((f) => f.icmp?.type === 0 && f.ipv4?.src === node.host.ip);
    assert.equal(replies.length, 1, `${node.host.ip}: replies ${replies.length}`);
    const reply = replies[0];
    assert.equal(reply.src, node.host.mac);
    assert.equal(reply.ipv4!.dst, RAW.ip);
    assert.ok(reply.ipv4!.headerChecksumOk, 'IPv4 header checksum');
    assert.ok(reply.ipv4!.ttl > 0);
    assert.ok(reply.icmp!.checksumOk, 'ICMP checksum');
    assert.equal(reply.icmp!.code, 0);
    assert.equal(reply.icmp!.id, 0x4242);
    assert.equal(reply.icmp!.sequence, sequence);
    assert.deepEqual(reply.icmp!.body, pattern(56));
    assert.equal(counter(node.stack, 'icmp_rx_echo_request'), 1);
    assert.equal(counter(node.stack, 'icmp_tx_echo_reply'), 1);
  }
});

test('A pings B and B pings A (requests sent in the other stack\'s name); each reply reaches the other stack', async () => {
  const { clock, raw, a, b } = await setup();
  for (const [from, to] of [
    [a, b],
    [b, a],
  ]) {
    const icmpBefore = counter(from.stack, 'icmp_rx');
    raw.send(echoRequestFrame(from.host, to.host, 7, 1, pattern(32)));
    clock.advance(100);
    const replies = raw.find((f) => f.icmp?.type === 0 && f.ipv4?.src === to.host.ip && f.ipv4.dst === from.host.ip);
    assert.equal(replies.length, 1, `${to.host.ip} -> ${from.host.ip}`);
    assert.equal(replies[0].frame.dst, from.host.mac);
    assert.equal(counter(from.stack, 'icmp_rx'), icmpBefore + 1, 'the reply arrived at the stack it was addressed to');
  }
});

test('largest unfragmented echo (1472 data bytes) comes back whole', async () => {
  const { clock, raw, a } = await setup();
  raw.send(echoRequestFrame(RAW, a.host, 1, 1, pattern(1472)));
  clock.advance(100);
  const [reply] = raw.toMe((f) => f.icmp?.type === 0);
  assert.ok(reply, 'no reply');
  assert.equal(reply.length, 14 + 20 + 8 + 1472);
  assert.deepEqual(reply.icmp!.body, pattern(1472));
  assert.ok(reply.icmp!.checksumOk);
});

test('an echo request with odd-length data is answered with a correct checksum', async () => {
  const { clock, raw, a } = await setup();
  raw.send(echoRequestFrame(RAW, a.host, 9, 9, pattern(33)));
  clock.advance(100);
  const [reply] = raw.toMe((f) => f.icmp?.type === 0);
  assert.ok(reply?.icmp!.checksumOk);
  assert.deepEqual(reply.icmp!.body, pattern(33));
});

test('echo requests to the broadcast address are ignored and counted (no smurf amplifier)', async () => {
  const { clock, raw, a, b } = await setup();
  const broadcast = { mac: 'ff:ff:ff:ff:ff:ff', ip: '192.0.2.255' };
  raw.send(echoRequestFrame(RAW, broadcast, 1, 1, pattern(8)));
  raw.send(echoRequestFrame(RAW, { ...broadcast, ip: '255.255.255.255' }, 1, 2, pattern(8)));
  clock.advance(100);
  assert.equal(raw.toMe((f) => f.icmp?.type === 0).length, 0);
  assert.equal(counter(a.stack, 'icmp_rx_echo_broadcast_ignored'), 2);
  assert.equal(counter(b.stack, 'icmp_rx_echo_broadcast_ignored'), 2);
});

test('an echo request with a bad ICMP checksum gets no reply and is counted', async () => {
  const { clock, raw, a } = await setup();
  const message = icmpEcho(8, 1, 1, pattern(16));
  message[2] ^= 0xff;
  raw.send(ethernet(A.mac, RAW.mac, ETHERTYPE_IPV4, ipv4(RAW.ip, a.host.ip, PROTO_ICMP, message)));
  clock.advance(100);
  assert.equal(raw.toMe((f) => f.icmp?.type === 0).length, 0);
  assert.equal(counter(a.stack, 'icmp_rx_bad_checksum'), 1);
});
