// Routing through a third stack: L (192.0.2.10) and F (198.51.100.20) on two wires, the router
// R between them (192.0.2.1 and 198.51.100.1, forwarding on). Raw hosts on each wire send
// hand-built datagrams (TTL 1, DF) and record everything said on their segment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSocket, type RemoteInfo } from '../../host/api.ts';
import { connect } from '../../host/net.ts';
import { type VirtualClock, Wire } from '../../host/nic/wire.ts';
import { Stack } from '../../host/runtime.ts';
import {
  arpRequestFrame, echoRequestFrame, ethernet, ETHERTYPE_IPV4, icmpEcho, internetChecksum, ipv4, PROTO_ICMP, PROTO_UDP, udp,
  type Host, type ParsedFrame,
} from './frames.ts';
import { addNode, counter, RawHost, simulation } from './harness.ts';
import { run, Sink } from './tcp-sim.ts';

const R_MAC = ['02:00:00:00:01:00', '02:00:00:00:01:01'];
const L = { name: 'L', mac: '02:00:00:00:00:0a', cidr: '192.0.2.10/24', gateway: '192.0.2.1', seed: 41 };
const F = { name: 'F', mac: '02:00:00:00:00:0f', cidr: '198.51.100.20/24', gateway: '198.51.100.1', seed: 42 };
const RAW_L: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };
const RAW_F: Host = { mac: '02:00:00:00:00:98', ip: '198.51.100.98' };
const ROUTER_L: Host = { mac: R_MAC[0], ip: '192.0.2.1' };

async function setup(options: { forwarding?: boolean; farMtu?: number } = {}) {
  const { clock, wire: left } = simulation();
  const right = new Wire(clock, { seed: 2 });
  const rawL = new RawHost(left, clock, RAW_L);
  const rawF = new RawHost(right, clock, RAW_F);
  const router = await Stack.load({ profile: 'default', debug: true, seed: 40, clock });
  router.attach(0, left.endpoint('R0'));
  router.attach(1, right.endpoint('R1'));
  router.configure(0, { mac: R_MAC[0], ip: '192.0.2.1/24' });
  router.configure(1, { mac: R_MAC[1], ip: '198.51.100.1/24' });
  if (options.farMtu) router.setMtu(1, options.farMtu);
  // Left alone when not asked for, so the module's default (off) shows.
  if (options.forwarding !== false) router.setForwarding(true);
  router.up(0);
  router.up(1);
  router.start();
  const l = await addNode(left, clock, L);
  const f = await addNode(right, clock, F);
  // Introduce the raw hosts to the router so its replies need no ARP round.
  rawL.send(arpRequestFrame(RAW_L.mac, RAW_L.ip, '192.0.2.1'));
  rawF.send(arpRequestFrame(RAW_F.mac, RAW_F.ip, '198.51.100.1'));
  clock.advance(10);
  rawL.heard.length = 0;
  rawF.heard.length = 0;
  return { clock, router, l, f, rawL, rawF };
}

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + 5) & 0xff);

/** Writes `bytes` of pattern to F's TCP echo service from `stack`, ends, and waits for all of it back and the close. */
async function tcpEchoToF(clock: VirtualClock, stack: Stack, bytes: number): Promise<Sink> {
  const client = connect(stack, { host: '198.51.100.20', port: 7 });
  const sink = new Sink(client, true);
  const data = Buffer.from(pattern(bytes));
  client.write(data);
  assert.ok(await run(clock, () => sink.bytes >= data.length, 20_000), `TCP echo: ${sink.bytes} bytes`);
  client.end();
  assert.ok(await run(clock, () => sink.closed, 20_000));
  return sink;
}

/** A datagram from the left raw host to dst, through the router's MAC. */
function viaRouter(dst: string, protocol: number, payload: Uint8Array, options: { ttl?: number; fragment?: number } = {}): Uint8Array {
  return ethernet(ROUTER_L.mac, RAW_L.mac, ETHERTYPE_IPV4, ipv4(RAW_L.ip, dst, protocol, payload, { fragment: 0, ...options }));
}

function icmpTo(raw: RawHost, type: number, code: number): ParsedFrame[] {
  return raw.toMe((f) => f.icmp?.type === type && f.icmp.code === code);
}

test('ping through the router: the echo reply comes back with the far stack\'s TTL less one', async () => {
  const { clock, router, f, rawL } = await setup();
  rawL.send(viaRouter('198.51.100.20', PROTO_ICMP, icmpEcho(8, 0x77, 1, pattern(100))));
  clock.advance(100);
  const replies = rawL.toMe((x) => x.icmp?.type === 0 && x.ipv4?.src === '198.51.100.20');
  assert.equal(replies.length, 1);
  assert.equal(replies[0].src, ROUTER_L.mac);
  assert.equal(replies[0].ipv4!.ttl, 63);
  assert.ok(replies[0].ipv4!.headerChecksumOk);
  assert.deepEqual(replies[0].icmp!.body, pattern(100));
  assert.equal(counter(router, 'ipv4_fwd_forwarded'), 2);
  assert.equal(counter(f.stack, 'icmp_tx_echo_reply'), 1);
});

test('UDP and TCP between the two stacks through the router', async () => {
  const { clock, router, l, f } = await setup();
  assert.equal(f.stack.exports.service_udp_echo(7), 0);
  assert.equal(f.stack.exports.service_tcp(1, 7), 0);
  const socket = createSocket(l.stack);
  const got: { msg: Buffer; rinfo: RemoteInfo }[] = [];
  socket.on('message', (msg, rinfo) => got.push({ msg, rinfo }));
  socket.send(Buffer.from(pattern(1000)), 7, '198.51.100.20');
  assert.ok(clock.runUntil(() => got.length === 1, 2_000), 'no UDP echo');
  assert.deepEqual(new Uint8Array(got[0].msg), pattern(1000));
  assert.equal(got[0].rinfo.address, '198.51.100.20');
  socket.close();

  const sink = await tcpEchoToF(clock, l.stack, 20_000);
  assert.equal(sink.error, null);
  assert.ok(counter(router, 'ipv4_fwd_forwarded') > 20);
});

test('a stack on an MTU-576 link advertises MSS 536, so TCP through the router needs no fragments', async () => {
  const { clock, router, l, f, rawF } = await setup({ farMtu: 576 });
  f.stack.setMtu(0, 576);
  assert.equal(f.stack.exports.service_tcp(1, 7), 0);
  await tcpEchoToF(clock, l.stack, 10_000);
  const word = (p: Uint8Array, at: number) => (p[at] << 8) | p[at + 1];
  const tcp = rawF.find((x) => x.ipv4?.protocol === 6).map((h) => h.frame.ipv4!);
  assert.ok(tcp.length > 20);
  for (const packet of tcp) {
    assert.ok(packet.packet.length <= 576, `a ${packet.packet.length}-byte packet on the 576 link`);
    assert.equal(word(packet.packet, 6) & 0x3fff, 0, 'not a fragment');
  }
  // F's SYN-ACK carries MSS 536 (option kind 2 at the start of its options).
  const synAck = tcp.find((p) => p.src === '198.51.100.20' && (p.payload[13] & 0x12) === 0x12)!;
  assert.deepEqual([synAck.payload[20], synAck.payload[21], word(synAck.payload, 22)], [2, 4, 536]);
  assert.equal(counter(router, 'ipv4_fwd_fragmented'), 0);
});

test('TTL 1 is answered with time exceeded from the router\'s near address, quoting the datagram', async () => {
  const { clock, router, rawL, rawF } = await setup();
  const sent = viaRouter('198.51.100.20', PROTO_ICMP, icmpEcho(8, 5, 1, pattern(16)), { ttl: 1 });
  rawL.send(sent);
  clock.advance(100);
  const errors = icmpTo(rawL, 11, 0);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].ipv4!.src, '192.0.2.1');
  assert.ok(errors[0].icmp!.checksumOk);
  assert.deepEqual(errors[0].icmp!.body.subarray(0, 28), sent.subarray(14, 42));
  assert.equal(rawF.find((x) => x.ipv4?.dst === '198.51.100.20').length, 0, 'nothing forwarded');
  assert.equal(counter(router, 'ipv4_fwd_ttl_exceeded'), 1);
});

test('no route is net unreachable; an unresolvable next hop is host unreachable once ARP gives up', async () => {
  const { clock, router, rawL } = await setup();
  rawL.send(viaRouter('203.0.113.5', PROTO_UDP, udp(RAW_L.ip, '203.0.113.5', 1000, 9, pattern(10))));
  clock.advance(100);
  assert.equal(icmpTo(rawL, 3, 0).length, 1);
  assert.equal(counter(router, 'ipv4_fwd_no_route'), 1);
  rawL.send(viaRouter('198.51.100.77', PROTO_UDP, udp(RAW_L.ip, '198.51.100.77', 1000, 9, pattern(10))));
  clock.advance(5_000);
  const unreachable = icmpTo(rawL, 3, 1);
  assert.equal(unreachable.length, 1);
  assert.equal(unreachable[0].ipv4!.src, '192.0.2.1');
  assert.equal(counter(router, 'ipv4_fwd_host_unreachable'), 1);
});

test('a 1400-byte UDP datagram crosses into an MTU 576 link as three fragments', async () => {
  const { clock, router, l, rawF } = await setup({ farMtu: 576 });
  const socket = createSocket(l.stack);
  socket.send(Buffer.from(pattern(1400)), 9, '198.51.100.20');
  clock.advance(100);
  const fragments = rawF.find((x) => x.ipv4?.dst === '198.51.100.20' && x.ipv4.protocol === PROTO_UDP).map((h) => h.frame.ipv4!);
  assert.equal(fragments.length, 3);
  const word = (p: Uint8Array, at: number) => (p[at] << 8) | p[at + 1];
  const ident = word(fragments[0].packet, 4);
  const expect = [
    [0, true, 552],
    [69, true, 552],
    [138, false, 304],
  ] as const;
  const whole = new Uint8Array(1408);
  fragments.forEach((frag, k) => {
    const flags = word(frag.packet, 6);
    assert.equal(flags & 0x1fff, expect[k][0], `fragment ${k} offset`);
    assert.equal((flags & 0x2000) !== 0, expect[k][1], `fragment ${k} MF`);
    assert.equal(flags & 0x4000, 0, 'DF clear');
    assert.equal(frag.payload.length, expect[k][2], `fragment ${k} length`);
    assert.ok(frag.packet.length <= 576);
    assert.equal(word(frag.packet, 4), ident, 'one identification');
    assert.equal(frag.ttl, 63);
    assert.ok(frag.headerChecksumOk);
    whole.set(frag.payload, (flags & 0x1fff) * 8);
  });
  // The pieces put together carry the whole datagram: its UDP checksum holds.
  const pseudo = Uint8Array.from([192, 0, 2, 10, 198, 51, 100, 20, 0, PROTO_UDP, 1408 >> 8, 1408 & 0xff]);
  assert.equal(internetChecksum(pseudo, whole), 0, 'UDP checksum over the reassembled datagram');
  assert.deepEqual(whole.subarray(8), pattern(1400));
  assert.equal(counter(router, 'ipv4_fwd_fragmented'), 1);
  socket.close();
});

test('DF set and too big for the far link: fragmentation needed with next-hop MTU 576', async () => {
  const { clock, router, rawL, rawF } = await setup({ farMtu: 576 });
  rawL.send(viaRouter('198.51.100.20', PROTO_UDP, udp(RAW_L.ip, '198.51.100.20', 1000, 9, pattern(1000)), { fragment: 0x4000 }));
  clock.advance(100);
  const errors = icmpTo(rawL, 3, 4);
  assert.equal(errors.length, 1);
  // The next-hop MTU is the low 16 bits of the word after the checksum (RFC 1191 4).
  assert.equal(errors[0].icmp!.id, 0);
  assert.equal(errors[0].icmp!.sequence, 576);
  assert.equal(rawF.find((x) => x.ipv4?.dst === '198.51.100.20').length, 0);
  assert.equal(counter(router, 'ipv4_fwd_frag_needed'), 1);
});

test('forwarding is off by default: a datagram for someone else is counted and dropped', async () => {
  const { clock, router, rawL, rawF } = await setup({ forwarding: false });
  rawL.send(echoRequestFrame(RAW_L, { mac: ROUTER_L.mac, ip: '198.51.100.20' }, 1, 1, pattern(8)));
  clock.advance(100);
  assert.equal(rawF.find((x) => x.ipv4 !== undefined).length, 0);
  assert.equal(counter(router, 'ipv4_fwd_forwarded'), 0);
  assert.equal(counter(router, 'ipv4_rx_not_for_us'), 1);
});

test('link-local, other subnets\' directed broadcasts and link-layer broadcasts are not forwarded', async () => {
  const { clock, router, rawL, rawF } = await setup();
  rawL.send(viaRouter('169.254.1.1', PROTO_UDP, udp(RAW_L.ip, '169.254.1.1', 1, 9, pattern(4))));
  rawL.send(viaRouter('198.51.100.255', PROTO_UDP, udp(RAW_L.ip, '198.51.100.255', 1, 9, pattern(4))));
  const datagram = ipv4(RAW_L.ip, '198.51.100.20', PROTO_UDP, udp(RAW_L.ip, '198.51.100.20', 1, 9, pattern(4)), { fragment: 0 });
  rawL.send(ethernet('ff:ff:ff:ff:ff:ff', RAW_L.mac, ETHERTYPE_IPV4, datagram));
  clock.advance(100);
  assert.equal(rawF.find((x) => x.ipv4 !== undefined).length, 0);
  assert.equal(counter(router, 'ipv4_fwd_not_forwardable'), 3);
});

test('the routing table lists connected rows and static routes', async () => {
  const { router } = await setup();
  router.addRoute('203.0.113.0/24', { via: '198.51.100.20', metric: 5 });
  assert.throws(() => router.addRoute('203.0.113.0/24', { via: '198.51.100.20', metric: 5 }), /EEXIST/);
  assert.throws(() => router.addRoute('203.0.114.0/24', { via: '203.0.113.1' }), /ENETUNREACH/);
  assert.deepEqual(router.routes(), [
    { dst: '192.0.2.0', prefix: 24, gateway: null, iface: 0, metric: 0, kind: 'connected' },
    { dst: '198.51.100.0', prefix: 24, gateway: null, iface: 1, metric: 0, kind: 'connected' },
    { dst: '203.0.113.0', prefix: 24, gateway: '198.51.100.20', iface: 1, metric: 5, kind: 'static' },
  ]);
  router.deleteRoute('203.0.113.0/24');
  assert.equal(router.routes().length, 2);
});

/** Lets the virtual clock run until the promise settles (bounded). */
async function settle<T>(clock: Parameters<typeof run>[0], promise: Promise<T>, limitMs = 60_000): Promise<T> {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  assert.ok(await run(clock, () => done, limitMs), `not settled after ${limitMs} virtual ms`);
  return promise;
}

test('traceroute from L to F through the router: time exceeded from the router at hop 1, F reached at hop 2', async () => {
  const { clock, router, l } = await setup();
  const report = await settle(clock, l.stack.traceroute('198.51.100.20', { probes: 2, timeoutMs: 500 }));
  assert.equal(report.reached, true);
  assert.deepEqual(report.hops.map((h) => h.ttl), [1, 2]);
  assert.deepEqual(report.hops[0].probes.map((p) => [p.status, p.from, p.code]), [['time-exceeded', '192.0.2.1', 0], ['time-exceeded', '192.0.2.1', 0]]);
  assert.deepEqual(report.hops[1].probes.map((p) => [p.status, p.from]), [['reply', '198.51.100.20'], ['reply', '198.51.100.20']]);
  // F's reply crossed the router once: 64 on leaving F, 63 on arrival.
  assert.deepEqual(report.hops[1].probes.map((p) => p.ttl), [63, 63]);
  assert.equal(counter(router, 'ipv4_fwd_ttl_exceeded'), 2);
  assert.equal(counter(l.stack, 'icmp_probe_timeout'), 0);
});

test('ping -s 4000 and -s 8184 from L to F behind an MTU-576 link: fragmented twice, reassembled at both ends', async () => {
  const { clock, router, l, f } = await setup({ farMtu: 576 });
  f.stack.setMtu(0, 576);
  // A small ping first, so every neighbour is known and no fragment waits on ARP.
  assert.equal((await settle(clock, l.stack.ping('198.51.100.20', { count: 1 }))).received, 1);
  for (const size of [4000, 8184]) {
    const report = await settle(clock, l.stack.ping('198.51.100.20', { count: 3, size, intervalMs: 200 }));
    assert.deepEqual(report.results.map((r) => [r.status, r.bytes]), [['reply', size], ['reply', size], ['reply', size]], `size ${size}`);
  }
  // L sends 3 + 6 fragments per request; the router cuts each into 576-byte pieces for F, and F
  // answers in 576-byte pieces that the router passes on as they are.
  assert.equal(counter(l.stack, 'ipv4_tx_fragmented'), 6);
  assert.equal(counter(l.stack, 'ipv4_reasm_datagrams'), 6);
  assert.equal(counter(f.stack, 'ipv4_reasm_datagrams'), 6);
  assert.equal(counter(f.stack, 'ipv4_tx_fragmented'), 6);
  assert.equal(counter(router, 'ipv4_fwd_fragmented'), 3 * (3 + 6));
  assert.equal(counter(l.stack, 'icmp_probe_rx_bad_payload'), 0);
});
