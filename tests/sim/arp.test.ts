// ARP between stacks on the in-memory wire: announcing, answering, resolving before sending,
// giving up (and dropping what waited), and still resolving on a lossy link.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSocket } from '../../host/api.ts';
import { VirtualClock, Wire } from '../../host/nic/wire.ts';
import { arpRequestFrame, ETHERTYPE_IPV4, parseFrame } from './frames.ts';
import { addNode, counter, counterDelta, RawHost, simulation } from './harness.ts';

const A = { name: 'A', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 101 };
const B = { name: 'B', mac: '02:00:00:00:00:0b', cidr: '192.0.2.2/24', seed: 102 };
const RAW = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };
const NOBODY = '192.0.2.77';
/** From assembly/config.ts: requests per resolution and the interval between them. */
const ARP_RETRY_COUNT = 3;
const ARP_RETRY_MS = 1_000;

test('bringing an interface up announces it with a gratuitous ARP', async () => {
  const { clock, wire } = simulation();
  const raw = new RawHost(wire, clock, RAW);
  await addNode(wire, clock, A);
  clock.advance(10);
  const announcements = raw.find((f) => f.arp?.senderIp === '192.0.2.1' && f.arp.targetIp === '192.0.2.1');
  assert.ok(announcements.length >= 1, 'no gratuitous ARP heard');
  assert.equal(announcements[0].frame.dst, 'ff:ff:ff:ff:ff:ff');
  assert.equal(announcements[0].frame.arp!.senderMac, A.mac);
});

test('a stack answers a request for its address, only to the asker, and ignores others', async () => {
  const { clock, wire } = simulation();
  const raw = new RawHost(wire, clock, RAW);
  const a = await addNode(wire, clock, A);
  clock.advance(10);
  raw.heard.length = 0;
  raw.send(arpRequestFrame(RAW.mac, RAW.ip, '192.0.2.1'));
  raw.send(arpRequestFrame(RAW.mac, RAW.ip, '192.0.2.55')); // not A's address
  clock.advance(10);
  const replies = raw.find((f) => f.arp?.op === 2);
  assert.equal(replies.length, 1, 'exactly one reply expected');
  const reply = replies[0].frame;
  assert.equal(reply.dst, RAW.mac);
  assert.equal(reply.src, A.mac);
  assert.deepEqual(reply.arp, { op: 2, senderMac: A.mac, senderIp: '192.0.2.1', targetMac: RAW.mac, targetIp: RAW.ip });
  assert.equal(reply.length, 60, 'padded to the Ethernet minimum');
  assert.equal(counter(a.stack, 'arp_tx_reply'), 1);
  assert.ok(counter(a.stack, 'arp_rx_not_for_us') >= 1, 'the request for another address is counted');
  // RFC 826: the target of a request merges the asker into its cache.
  const row = a.stack.arpTable().find((r) => r.ip === RAW.ip);
  assert.equal(row?.mac, RAW.mac, `A's cache: ${JSON.stringify(a.stack.arpTable())}`);
});

test('A resolves B before its first datagram and then sends it to B\'s MAC', async () => {
  const { clock, wire } = simulation();
  const raw = new RawHost(wire, clock, RAW);
  const b = await addNode(wire, clock, B); // B first: A never hears B's announcement
  b.stack.exports.service_udp_echo(7);
  const a = await addNode(wire, clock, A);
  clock.advance(10);
  const socket = createSocket(a.stack);
  const echoes: string[] = [];
  socket.on('message', (msg) => echoes.push(msg.toString()));
  socket.send('who are you', 7, '192.0.2.2');
  assert.equal(clock.runUntil(() => echoes.length > 0, 5_000), true, 'no echo');
  assert.deepEqual(echoes, ['who are you']);
  const requests = raw.find((f) => f.arp?.op === 1 && f.arp.senderIp === '192.0.2.1' && f.arp.targetIp === '192.0.2.2');
  assert.equal(requests.length, 1);
  const datagram = raw.find((f) => f.type === ETHERTYPE_IPV4 && f.ipv4?.dst === '192.0.2.2');
  assert.equal(datagram[0].frame.dst, B.mac);
  assert.ok(datagram[0].at >= requests[0].at);
  const row = a.stack.arpTable().find((r) => r.ip === '192.0.2.2');
  assert.deepEqual(row, { iface: 0, ip: '192.0.2.2', mac: B.mac, state: 'REACHABLE' });
  socket.close();
});

test('an address nobody answers: bounded retries, then the queued datagrams are dropped and counted', async () => {
  const { clock, wire } = simulation();
  const raw = new RawHost(wire, clock, RAW);
  const a = await addNode(wire, clock, A);
  clock.advance(10);
  const before = a.stack.counters();
  const socket = createSocket(a.stack);
  const errors: string[] = [];
  socket.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
  socket.send('one', 9, NOBODY);
  socket.send('two', 9, NOBODY);
  clock.advance(ARP_RETRY_MS * (ARP_RETRY_COUNT + 3));
  await new Promise((resolve) => setImmediate(resolve)); // let send callbacks run
  const after = a.stack.counters();
  const delta = counterDelta(before, after);
  const requests = raw.find((f) => f.arp?.op === 1 && f.arp.targetIp === NOBODY);
  assert.equal(requests.length, ARP_RETRY_COUNT, `requests at ${requests.map((r) => r.at)}`);
  for (let i = 1; i < requests.length; i++) assert.ok(requests[i].at - requests[i - 1].at >= ARP_RETRY_MS, 'retries are spaced');
  assert.equal(delta.arp_resolve_failed, 1, JSON.stringify(delta));
  assert.equal(delta.arp_queue_dropped, 2, JSON.stringify(delta));
  assert.equal(raw.find((f) => f.ipv4?.dst === NOBODY).length, 0, 'nothing was sent to the unresolved address');
  assert.equal(a.stack.arpTable().filter((r) => r.ip === NOBODY).length, 0, 'the failed entry is freed');
  assert.deepEqual(errors, []);
  socket.close();
});

test('more datagrams than the ARP queue holds: every one is either refused or dropped, each counted once', async () => {
  const { clock, wire } = simulation();
  const a = await addNode(wire, clock, A);
  clock.advance(10);
  const before = a.stack.counters();
  const socket = createSocket(a.stack);
  const results: (string | number)[] = [];
  const SENT = 40;
  for (let i = 0; i < SENT; i++) socket.send(`datagram ${i}`, 9, NOBODY, (err, bytes) => results.push(err ? (err as NodeJS.ErrnoException).code! : bytes!));
  clock.advance(ARP_RETRY_MS * (ARP_RETRY_COUNT + 3));
  await new Promise((resolve) => setImmediate(resolve));
  const delta = counterDelta(before, a.stack.counters());
  const refused = results.filter((r) => typeof r === 'string');
  assert.ok(refused.every((code) => code === 'ENOBUFS'), `send errors: ${refused}`);
  const lost = (delta.arp_queue_full ?? 0) + (delta.arp_queue_dropped ?? 0) + (delta.tx_no_buffer ?? 0);
  assert.equal(lost, SENT, `every datagram counted once: ${JSON.stringify(delta)}`);
  assert.ok((delta.arp_queue_full ?? 0) > 0, 'the queue bound was reached');
  socket.close();
});

test('20% loss each way: resolution still succeeds by retrying', async () => {
  let requestsTotal = 0;
  let droppedTotal = 0;
  const RUNS = 20;
  for (let run = 1; run <= RUNS; run++) {
    const { clock, wire } = simulation({ seed: 1000 + run, lossChance: 0.2 });
    const b = await addNode(wire, clock, { ...B, seed: 200 + run });
    b.stack.exports.service_udp_echo(7);
    const a = await addNode(wire, clock, { ...A, seed: 300 + run });
    wire.monitors.add((_from, bytes) => {
      const f = parseFrame(bytes);
      if (f.arp?.op === 1 && f.arp.senderIp === '192.0.2.1' && f.arp.targetIp === '192.0.2.2') requestsTotal++;
    });
    const socket = createSocket(a.stack);
    let echoes = 0;
    socket.on('message', () => echoes++);
    // A datagram per second: a later one restarts resolution if an earlier attempt gave up.
    for (let i = 0; i < 10 && echoes === 0; i++) {
      socket.send(`try ${i}`, 7, '192.0.2.2');
      clock.runUntil(() => echoes > 0, 1_000);
    }
    const row = a.stack.arpTable().find((r) => r.ip === '192.0.2.2');
    assert.equal(row?.mac, B.mac, `run ${run}: not resolved; wire ${JSON.stringify(wire.counts)}`);
    assert.ok(echoes > 0, `run ${run}: no echo came back`);
    droppedTotal += wire.counts.dropped;
    socket.close();
  }
  assert.ok(droppedTotal > RUNS / 2, `the wire dropped only ${droppedTotal} frames`);
  assert.ok(requestsTotal > RUNS, `no run needed a retry (${requestsTotal} requests in ${RUNS} runs); pick other seeds`);
});

test('retries and give-up work across the wrap of the u32 millisecond clock', async () => {
  const clock = new VirtualClock(0x1_0000_0000 - 1_500); // wraps between the first and second request
  const wire = new Wire(clock, { seed: 1 });
  const raw = new RawHost(wire, clock, RAW);
  const a = await addNode(wire, clock, A);
  const socket = createSocket(a.stack);
  socket.send('across the wrap', 9, NOBODY);
  clock.advance(ARP_RETRY_MS * (ARP_RETRY_COUNT + 3));
  const requests = raw.find((f) => f.arp?.op === 1 && f.arp.targetIp === NOBODY);
  assert.equal(requests.length, ARP_RETRY_COUNT, `requests at ${requests.map((r) => r.at)}`);
  assert.equal(counter(a.stack, 'arp_resolve_failed'), 1);
  assert.equal(counter(a.stack, 'arp_queue_dropped'), 1);
  // And a peer that answers is still resolved after the wrap.
  socket.send('to raw', 9, RAW.ip);
  clock.advance(100);
  assert.equal(raw.find((f) => f.ipv4?.dst === RAW.ip).length, 1);
  socket.close();
});
