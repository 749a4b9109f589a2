// IPv4 reassembly through the whole stack: fragments in any order become one datagram on a
// socket, and a datagram whose fragments stop coming is answered, once its slot times out,
// with ICMP time exceeded code 1 quoting the first fragment (RFC 792).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { createSocket } from '../../host/api.ts';
import { makeRandom } from '../../host/runtime.ts';
import { ethernet, ETHERTYPE_IPV4, ipv4Fragments, PROTO_UDP, udp, type Host } from './frames.ts';
import { counter, counterDelta, stackAndRawHost } from './harness.ts';

const A = { name: 'A', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 41 };
const RAW: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };
const a: Host = { mac: A.mac, ip: '192.0.2.1' };
/** The module's reassembly timeout (config.ts REASM_TIMEOUT_MS). */
const REASM_TIMEOUT_MS = 30_000;

const setup = () => stackAndRawHost(A, RAW);

function shuffle<T>(items: T[], seed: number): T[] {
  const random = makeRandom(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = random() % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const toA = (packet: Uint8Array) => ethernet(a.mac, RAW.mac, ETHERTYPE_IPV4, packet);

test('an 8000-byte UDP datagram in 6 shuffled fragments reaches a socket whole', async () => {
  const { clock, raw, node } = await setup();
  const socket = createSocket(node.stack);
  const got: Buffer[] = [];
  socket.on('message', (msg) => got.push(msg));
  socket.bind(5000);
  await once(socket, 'listening');
  const before = node.stack.counters();
  for (const [round, seed] of [7, 8, 9].entries()) {
    const data = Uint8Array.from({ length: 8000 }, (_, i) => (i * 7 + (i >> 8) + round) & 0xff);
    const fragments = ipv4Fragments(RAW.ip, a.ip, PROTO_UDP, udp(RAW.ip, a.ip, 40000, 5000, data), 100 + round);
    assert.equal(fragments.length, 6);
    for (const fragment of shuffle(fragments, seed)) raw.send(toA(fragment));
    assert.ok(clock.runUntil(() => got.length === round + 1, 1_000), `round ${round}: ${got.length} datagrams`);
    assert.deepEqual(new Uint8Array(got[round]), data);
  }
  const delta = counterDelta(before, node.stack.counters());
  assert.equal(delta.ipv4_reasm_fragments, 18, JSON.stringify(delta));
  assert.equal(delta.ipv4_reasm_datagrams, 3, JSON.stringify(delta));
  assert.equal(delta.udp_rx_bad_checksum, undefined);
  socket.close();
});

test('fragments that stop coming: after the timeout, time exceeded code 1 quotes the first fragment', async () => {
  const { clock, raw, node } = await setup();
  const data = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
  const [first, , last] = ipv4Fragments(RAW.ip, a.ip, PROTO_UDP, udp(RAW.ip, a.ip, 40000, 5000, data), 77);
  const sentAt = clock.now();
  raw.send(toA(last));
  raw.send(toA(first));
  clock.advance(REASM_TIMEOUT_MS - 100);
  assert.deepEqual(raw.toMe((f) => f.icmp !== undefined), [], 'nothing before the timeout');
  assert.ok(clock.runUntil(() => raw.toMe((f) => f.icmp?.type === 11).length > 0, 1_000), 'no time exceeded');
  const heard = raw.find((f) => f.icmp?.type === 11)[0];
  assert.ok(heard.at - sentAt >= REASM_TIMEOUT_MS, `sent after ${heard.at - sentAt} ms`);
  const error = heard.frame;
  assert.equal(error.icmp!.code, 1, 'fragment reassembly time exceeded');
  assert.ok(error.icmp!.checksumOk);
  assert.equal(error.ipv4!.src, a.ip);
  assert.equal(error.ipv4!.dst, RAW.ip);
  // The first fragment's header and (at least) its first 8 bytes, as they arrived.
  const quoted = error.icmp!.body;
  assert.ok(quoted.length >= 28, `quote of ${quoted.length} bytes`);
  assert.deepEqual(quoted, first.subarray(0, quoted.length));
  assert.equal(counter(node.stack, 'ipv4_reasm_timeouts'), 1);
  assert.equal(counter(node.stack, 'ipv4_reasm_datagrams'), 0);
});

test('fragments without the first one time out silently; one arriving later starts over', async () => {
  const { clock, raw, node } = await setup();
  const data = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
  const [first, middle, last] = ipv4Fragments(RAW.ip, a.ip, PROTO_UDP, udp(RAW.ip, a.ip, 40000, 5000, data), 78);
  raw.send(toA(middle));
  raw.send(toA(last));
  clock.advance(REASM_TIMEOUT_MS + 1_000);
  assert.equal(counter(node.stack, 'ipv4_reasm_timeouts'), 1);
  // The first fragment alone now cannot complete the datagram whose other parts were freed.
  raw.send(toA(first));
  clock.advance(100);
  assert.equal(counter(node.stack, 'ipv4_reasm_datagrams'), 0);
  assert.deepEqual(raw.toMe((f) => f.icmp !== undefined).map((f) => f.icmp!.type), []);
  clock.advance(REASM_TIMEOUT_MS);
  assert.deepEqual(raw.toMe((f) => f.icmp !== undefined).map((f) => [f.icmp!.type, f.icmp!.code]), [[11, 1]]);
});
