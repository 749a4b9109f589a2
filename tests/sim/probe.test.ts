// Ping and traceroute clients (net/icmp_probe.ts, host/probes.ts) between simulated stacks, and
// against a scripted router that answers with crafted time exceeded messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ethernet, ETHERTYPE_IPV4, icmpEcho, internetChecksum, ipv4, parseFrame, PROTO_ICMP, type Host } from './frames.ts';
import { addNode, counter, drive, RawHost, simulation } from './harness.ts';

const A = { name: 'A', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 21, gateway: '192.0.2.99' };
const B = { name: 'B', mac: '02:00:00:00:00:0b', cidr: '192.0.2.2/24', seed: 22 };
const ROUTER: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };
const FAR = '203.0.113.5';

async function setup() {
  const { clock, wire } = simulation();
  const router = new RawHost(wire, clock, ROUTER);
  const a = await addNode(wire, clock, A);
  const b = await addNode(wire, clock, B);
  clock.advance(10);
  return { clock, wire, router, a, b };
}

/** ICMP error (type, code) from `from` quoting the IP header and first 8 bytes of `packet`. */
function icmpErrorFrame(router: Host, toMac: string, from: string, to: string, type: number, code: number, packet: Uint8Array): Uint8Array {
  const headerBytes = (packet[0] & 0x0f) * 4;
  const quote = packet.subarray(0, headerBytes + 8);
  const message = new Uint8Array(8 + quote.length);
  message[0] = type;
  message[1] = code;
  message.set(quote, 8);
  new DataView(message.buffer).setUint16(2, internetChecksum(message));
  return ethernet(toMac, router.mac, ETHERTYPE_IPV4, ipv4(from, to, PROTO_ICMP, message));
}

test('A pings B: every probe answered, with RTT and the reply TTL; B counted the requests', async () => {
  const { clock, a, b } = await setup();
  const seen: number[] = [];
  const report = await drive(clock, a.stack.ping(B.cidr.split('/')[0], { count: 3, size: 100, intervalMs: 500, onProbe: (r) => seen.push(r.sequence) }));
  assert.equal(report.sent, 3);
  assert.equal(report.received, 3);
  assert.deepEqual(report.results.map((r) => r.status), ['reply', 'reply', 'reply']);
  for (const r of report.results) {
    assert.equal(r.from, '192.0.2.2');
    assert.equal(r.ttl, 64);
    assert.equal(r.bytes, 100);
    assert.ok(r.rttMs !== null && r.rttMs >= 0 && r.rttMs < 1000, `rtt ${r.rttMs}`);
  }
  assert.equal(new Set(report.results.map((r) => r.sequence)).size, 3, 'distinct sequence numbers');
  assert.equal(seen.length, 3);
  assert.equal(counter(b.stack, 'icmp_tx_echo_reply'), 3);
  assert.equal(counter(a.stack, 'icmp_probe_tx'), 3);
  assert.equal(counter(a.stack, 'icmp_rx_echo_reply'), 3);
  assert.equal(counter(a.stack, 'icmp_probe_timeout'), 0);
  // Every slot was released.
  for (let i = 0; i < a.stack.exports.probe_capacity(); i++) assert.equal(a.stack.exports.probe_state(i), 0);
});

test('A pings B over a 7 ms link and B\'s second reply is lost: RTTs of two link delays, and a timeout', async () => {
  const { clock, wire, a, b } = await setup();
  wire.set({ delayMs: 7 });
  // Warm ARP both ways first, so every probe's RTT is the two link delays.
  await drive(clock, a.stack.ping('192.0.2.2', { count: 1 }));
  const send = b.nic.send.bind(b.nic);
  let replies = 0;
  b.nic.send = (frame) => {
    if (parseFrame(frame).icmp?.type === 0 && ++replies === 2) return;
    send(frame);
  };
  const report = await drive(clock, a.stack.ping('192.0.2.2', { count: 3, intervalMs: 200, timeoutMs: 150 }));
  assert.deepEqual(report.results.map((r) => [r.status, r.rttMs]), [['reply', 14], ['timeout', null], ['reply', 14]]);
  assert.equal(report.received, 2);
  assert.equal(counter(b.stack, 'icmp_tx_echo_reply'), 4, 'B answered every request');
  assert.equal(counter(a.stack, 'icmp_probe_timeout'), 1);
});

test('pings larger than a frame: requests and replies in fragments; the first, before ARP, is lost', async () => {
  const { clock, a, b } = await setup();
  const largest = a.stack.exports.probe_payload_max();
  assert.equal(largest, 8184, 'the default profile: a reply of 8192 ICMP bytes fills a reassembly slot');
  // Six fragments cannot all wait for A to resolve B (the ARP queue holds four): that request
  // is refused whole as a UDP send would be, and its probe times out; resolution starts, so the
  // next ones leave.
  const first = await drive(clock, a.stack.ping('192.0.2.2', { count: 3, size: largest, intervalMs: 300, timeoutMs: 250 }));
  assert.deepEqual(first.results.map((r) => [r.status, r.bytes]), [['timeout', largest], ['reply', largest], ['reply', largest]]);
  assert.equal(counter(a.stack, 'ipv4_tx_frag_unresolved'), 1);
  for (const size of [1473, 4000]) {
    const report = await drive(clock, a.stack.ping('192.0.2.2', { count: 2, size, intervalMs: 100 }));
    assert.deepEqual(report.results.map((r) => r.status), ['reply', 'reply'], `size ${size}`);
  }
  // Requests and replies: 6 fragments each for the largest, 2 for 1473, 3 for 4000.
  assert.equal(counter(a.stack, 'ipv4_tx_fragments'), 2 * 6 + 2 * 2 + 2 * 3);
  assert.equal(counter(b.stack, 'ipv4_reasm_datagrams'), 6);
  assert.equal(counter(b.stack, 'ipv4_tx_fragments'), 2 * 6 + 2 * 2 + 2 * 3);
  assert.equal(counter(a.stack, 'ipv4_reasm_datagrams'), 6);
  assert.equal(counter(a.stack, 'icmp_probe_rx_bad_payload'), 0);
  await assert.rejects(drive(clock, a.stack.ping('192.0.2.2', { count: 1, size: largest + 1 })), /EINVAL/);
});

test('a host that never answers: the probe times out at its deadline', async () => {
  const { clock, a, router } = await setup();
  const started = clock.now();
  const report = await drive(clock, a.stack.ping(ROUTER.ip, { count: 1, timeoutMs: 700 }));
  assert.equal(report.received, 0);
  assert.equal(report.results[0].status, 'timeout');
  assert.equal(report.results[0].rttMs, null);
  assert.ok(clock.now() - started >= 700);
  assert.equal(router.find((f) => f.icmp?.type === 8).length, 1, 'the request reached the wire');
  assert.equal(counter(a.stack, 'icmp_probe_timeout'), 1);
});

test('a reply that arrives after the timeout is not matched', async () => {
  const { clock, a, router } = await setup();
  const report = await drive(clock, a.stack.ping(ROUTER.ip, { count: 1, timeoutMs: 300 }));
  assert.equal(report.results[0].status, 'timeout');
  const request = router.find((f) => f.icmp?.type === 8)[0].frame;
  router.send(ethernet(A.mac, ROUTER.mac, ETHERTYPE_IPV4, ipv4(ROUTER.ip, '192.0.2.1', PROTO_ICMP, icmpEcho(0, request.icmp!.id, request.icmp!.sequence, request.icmp!.body))));
  clock.advance(10);
  assert.equal(counter(a.stack, 'icmp_probe_rx_unmatched'), 1);
});

test('traceroute to a one-hop neighbour: reached at hop 1', async () => {
  const { clock, a } = await setup();
  const report = await drive(clock, a.stack.traceroute('192.0.2.2', { probes: 2, timeoutMs: 500 }));
  assert.equal(report.reached, true);
  assert.equal(report.hops.length, 1);
  assert.deepEqual(report.hops[0].probes.map((p) => [p.status, p.from]), [['reply', '192.0.2.2'], ['reply', '192.0.2.2']]);
});

test('traceroute through a scripted router: time exceeded at hop 1, the far host at hop 2', async () => {
  const { clock, a, router } = await setup();
  // The router answers TTL 1 with time exceeded quoting the probe, and relays TTL >= 2 as the
  // far host's echo reply (as if one more hop had forwarded it).
  router.onHeard = (frame) => {
    if (frame.icmp?.type !== 8 || frame.ipv4?.dst !== FAR) return;
    if (frame.ipv4.ttl === 1) {
      router.send(icmpErrorFrame(ROUTER, A.mac, ROUTER.ip, '192.0.2.1', 11, 0, frame.ipv4.packet));
    } else {
      const reply = icmpEcho(0, frame.icmp.id, frame.icmp.sequence, frame.icmp.body);
      router.send(ethernet(A.mac, ROUTER.mac, ETHERTYPE_IPV4, ipv4(FAR, '192.0.2.1', PROTO_ICMP, reply, { ttl: 63 })));
    }
  };
  const hops: number[] = [];
  const report = await drive(clock, a.stack.traceroute(FAR, { probes: 3, timeoutMs: 500, onHop: (h) => hops.push(h.ttl) }));
  assert.equal(report.reached, true);
  assert.deepEqual(hops, [1, 2]);
  assert.deepEqual(report.hops[0].probes.map((p) => [p.status, p.from, p.code]), Array(3).fill(['time-exceeded', ROUTER.ip, 0]));
  assert.deepEqual(report.hops[1].probes.map((p) => [p.status, p.from]), Array(3).fill(['reply', FAR]));
  assert.equal(counter(a.stack, 'icmp_rx_time_exceeded'), 3);
  // Probes left with TTL 1 then 2.
  assert.deepEqual(router.find((f) => f.icmp?.type === 8).map((h) => h.frame.ipv4!.ttl), [1, 1, 1, 2, 2, 2]);
});

test('traceroute: a port-unreachable-style error stops it; a hop that never answers is a timeout', async () => {
  const { clock, a, router } = await setup();
  router.onHeard = (frame) => {
    if (frame.icmp?.type !== 8 || frame.ipv4?.dst !== FAR || frame.ipv4.ttl < 2) return; // hop 1 silent
    router.send(icmpErrorFrame(ROUTER, A.mac, ROUTER.ip, '192.0.2.1', 3, 1, frame.ipv4.packet));
  };
  const report = await drive(clock, a.stack.traceroute(FAR, { probes: 1, timeoutMs: 400 }));
  assert.equal(report.reached, false);
  assert.deepEqual(report.hops.map((h) => [h.probes[0].status, h.probes[0].code]), [['timeout', null], ['unreachable', 1]]);
  assert.equal(counter(a.stack, 'icmp_rx_unreachable'), 1);
});

test('errors that do not quote our probe are counted, not matched (short quote, foreign id)', async () => {
  const { clock, a, router } = await setup();
  let request: Uint8Array | null = null;
  router.onHeard = (frame) => {
    if (frame.icmp?.type === 8 && !request) request = frame.ipv4!.packet.slice();
  };
  const pending = a.stack.ping(FAR, { count: 1, timeoutMs: 500 });
  clock.advance(5);
  assert.ok(request, 'the probe left');
  const probe = request as Uint8Array;
  // A quote cut to the IP header alone (no 8 bytes after it).
  const short = new Uint8Array(8 + 20);
  short[0] = 11;
  short.set(probe.subarray(0, 20), 8);
  new DataView(short.buffer).setUint16(2, internetChecksum(short));
  router.send(ethernet(A.mac, ROUTER.mac, ETHERTYPE_IPV4, ipv4(ROUTER.ip, '192.0.2.1', PROTO_ICMP, short)));
  // Someone else's probe: another identifier.
  const foreign = probe.slice();
  foreign[24] ^= 0xff;
  router.send(icmpErrorFrame(ROUTER, A.mac, ROUTER.ip, '192.0.2.1', 11, 0, foreign));
  clock.advance(5);
  assert.equal(counter(a.stack, 'icmp_rx_bad_quote'), 1);
  assert.equal(counter(a.stack, 'icmp_probe_rx_unmatched'), 1);
  const report = await drive(clock, pending);
  assert.equal(report.results[0].status, 'timeout');
});

test('refusals: bad size, TTL or address, and a full probe table', async () => {
  const { a } = await setup();
  const e = a.stack.exports;
  assert.equal(e.probe_send(0xc0000202, e.probe_payload_max() + 1, 64, 1000), -22);
  assert.equal(e.probe_send(0xc0000202, 56, 0, 1000), -22);
  assert.equal(e.probe_send(0xffffffff, 56, 64, 1000), -22);
  const slots = [];
  for (let i = 0; i < e.probe_capacity(); i++) slots.push(e.probe_send(0xc0000202, 8, 64, 1000));
  assert.ok(slots.every((s) => s >= 0));
  assert.equal(e.probe_send(0xc0000202, 8, 64, 1000), -105);
  for (const s of slots) assert.equal(e.probe_release(s), 0);
  await assert.rejects(a.stack.ping('192.0.2.300'), /invalid IPv4/);
});
