// Stacks on an impaired wire: corruption is caught by checksums (never delivered as data),
// duplicates and reordering pass through UDP as UDP allows, and a capture of the whole
// exchange is readable by tcpdump.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createSocket } from '../../host/api.ts';
import { PcapWriter, withPcap } from '../../host/pcap.ts';
import { Stack } from '../../host/runtime.ts';
import { echoRequestFrame, type Host } from './frames.ts';
import { addNode, counter, RawHost, simulation } from './harness.ts';

const A = { name: 'A', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 41 };
const B = { name: 'B', mac: '02:00:00:00:00:0b', cidr: '192.0.2.2/24', seed: 42 };
const dir = mkdtempSync(join(tmpdir(), 'netstack-sim-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const datagram = (i: number) => Buffer.from(`datagram ${String(i).padStart(4, '0')} `.repeat(1 + (i % 20)));

test('30% corruption: every echo that arrives is intact, and the damage is counted by checksums', async () => {
  const { clock, wire } = simulation({ seed: 7 });
  const b = await addNode(wire, clock, B);
  b.stack.exports.service_udp_echo(7);
  const a = await addNode(wire, clock, A);
  clock.advance(10);
  wire.set({ corruptChance: 0.3 });
  const socket = createSocket(a.stack);
  const sent = new Set<string>();
  const echoed: string[] = [];
  socket.on('message', (msg) => echoed.push(msg.toString()));
  for (let i = 0; i < 300; i++) {
    sent.add(datagram(i).toString());
    socket.send(datagram(i), 7, '192.0.2.2');
    clock.advance(20);
  }
  clock.advance(5_000);
  for (const text of echoed) assert.ok(sent.has(text), `corrupted payload delivered: ${JSON.stringify(text)}`);
  assert.ok(echoed.length > 100, `only ${echoed.length} echoes`);
  assert.ok(echoed.length < 300, 'the corruption must have cost something');
  const caught = (stack: Stack) =>
    ['eth_rx_not_for_us', 'eth_rx_unknown_type', 'eth_rx_runt', 'ipv4_rx_bad_checksum', 'ipv4_rx_bad_version', 'ipv4_rx_bad_header_length', 'ipv4_rx_bad_total_length', 'ipv4_rx_not_for_us', 'ipv4_rx_martian_source', 'ipv4_rx_martian_destination', 'ipv4_reasm_fragments', 'ipv4_rx_unknown_protocol', 'udp_rx_bad_checksum', 'udp_rx_bad_length', 'udp_rx_no_socket', 'arp_rx_bad', 'arp_rx_bad_sender', 'arp_rx_not_for_us']
      .map((name) => counter(stack, name))
      .reduce((x, y) => x + y, 0);
  assert.ok(counter(a.stack, 'udp_rx_bad_checksum') + counter(b.stack, 'udp_rx_bad_checksum') > 0);
  assert.ok(caught(a.stack) + caught(b.stack) >= wire.counts.corrupted * 0.5, `corrupted ${wire.counts.corrupted}, caught ${caught(a.stack) + caught(b.stack)}`);
  socket.close();
});

test('duplication and reordering: UDP delivers every datagram, duplicates included, out of order', async () => {
  const { clock, wire } = simulation({ seed: 9 });
  const a = await addNode(wire, clock, A);
  const b = await addNode(wire, clock, B);
  const server = createSocket(b.stack).bind(6000);
  const got: number[] = [];
  server.on('message', (msg) => got.push(Number(msg.toString().slice(9, 13))));
  const client = createSocket(a.stack);
  client.send('warm-up-', 6000, '192.0.2.2'); // resolve ARP before the impairments start
  clock.advance(100);
  got.length = 0;
  wire.set({ duplicateChance: 0.2, reorderChance: 0.3, reorderMs: 3, jitterMs: 1 });
  const COUNT = 200;
  for (let i = 0; i < COUNT; i++) {
    client.send(datagram(i).subarray(0, 20), 6000, '192.0.2.2');
    clock.advance(1);
  }
  clock.advance(100);
  assert.deepEqual([...new Set(got)].sort((x, y) => x - y), Array.from({ length: COUNT }, (_, i) => i), 'every datagram arrived');
  assert.ok(got.length > COUNT, 'some arrived twice');
  assert.ok(got.some((v, i) => i > 0 && v < got[i - 1]), 'some arrived out of order');
  client.close();
  server.close();
});

test('a capture of a simulated exchange reads back with tcpdump', { skip: !hasTcpdump() && 'tcpdump not installed' }, async () => {
  const { clock, wire } = simulation();
  const path = join(dir, 'sim.pcap');
  const capture = new PcapWriter(path, () => clock.now());
  wire.monitors.add((_from, frame) => capture.write(frame));
  const RAW: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };
  const raw = new RawHost(wire, clock, RAW);
  const a = await addNode(wire, clock, A);
  clock.advance(10);
  raw.send(echoRequestFrame(RAW, a.host, 0x1234, 1, Buffer.from('hello')));
  clock.advance(100);
  // Also capture one node's own view through withPcap (frames in and out of its nic).
  const nodePath = join(dir, 'node.pcap');
  const node = withPcap(raw.endpoint, nodePath, clock);
  node.onFrame = () => {};
  raw.send(echoRequestFrame(RAW, a.host, 0x1234, 2, Buffer.from('again')));
  node.send(echoRequestFrame(RAW, a.host, 0x1234, 3, Buffer.from('third')));
  clock.advance(100);
  const text = execFileSync('tcpdump', ['-nn', '-r', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(text, /ARP, Request who-has 192\.0\.2\.1 tell 192\.0\.2\.1/, 'the gratuitous ARP');
  assert.match(text, /192\.0\.2\.99 > 192\.0\.2\.1: ICMP echo request, id 4660, seq 1/);
  assert.match(text, /192\.0\.2\.1 > 192\.0\.2\.99: ICMP echo reply, id 4660, seq 1/);
  const nodeText = execFileSync('tcpdump', ['-nn', '-r', nodePath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(nodeText, /ICMP echo request, id 4660, seq 3/);
  assert.match(nodeText, /ICMP echo reply, id 4660, seq 3/);
  capture.close();
  node.close();
});

function hasTcpdump(): boolean {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
