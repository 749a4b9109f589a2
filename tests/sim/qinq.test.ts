// QinQ (802.1ad) between simulated stacks: two stacks in S-VLAN 200 / C-VLAN 100 ping each other
// with every frame double-tagged; a third in S-VLAN 201 hears them and drops them as another
// service's; Stack.setQinq refuses what the module would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addNode, counter, drive, RawHost, simulation } from './harness.ts';

const A = { name: 'A', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 31 };
const B = { name: 'B', mac: '02:00:00:00:00:0b', cidr: '192.0.2.2/24', seed: 32 };
const C = { name: 'C', mac: '02:00:00:00:00:0c', cidr: '192.0.2.3/24', seed: 33 };

test('two stacks in S-VLAN 200 / C-VLAN 100 ping each other double-tagged; S-VLAN 201 stays apart', async () => {
  const { clock, wire } = simulation();
  const listener = new RawHost(wire, clock, { mac: '02:00:00:00:00:99', ip: '192.0.2.99' });
  listener.answerArp = false;
  const [a, b, c] = [await addNode(wire, clock, A), await addNode(wire, clock, B), await addNode(wire, clock, C)];
  for (const [node, svid] of [[a, 200], [b, 200], [c, 201]] as const) {
    node.stack.setVlan(0, 100);
    node.stack.setQinq(0, { outerVid: svid });
  }
  clock.advance(10);
  listener.heard.length = 0;
  const report = await drive(clock, a.stack.ping(B.cidr.split('/')[0], { count: 3, size: 1472, intervalMs: 200 }), 30_000);
  assert.equal(report.received, 3, JSON.stringify(report));
  const fromStacks = listener.heard.filter((h) => h.bytes[6] === 0x02 && h.bytes[11] !== 0x99);
  assert.ok(fromStacks.length >= 8, `${fromStacks.length} frames`); // 2 ARP + 3 requests + 3 replies
  for (const { bytes } of fromStacks) {
    assert.deepEqual([...bytes.subarray(12, 20)], [0x88, 0xa8, 0x00, 200, 0x81, 0x00, 0x00, 100]);
  }
  assert.ok(fromStacks.some((h) => h.bytes.length === 1522), 'full-size frames, 1500-byte datagrams');
  assert.ok(counter(c.stack, 'eth_rx_qinq_outer_unknown') >= 1, 'C hears the broadcast ARP request and drops it');
  assert.equal(counter(c.stack, 'arp_rx'), 0);
  assert.equal(counter(b.stack, 'eth_rx_giant'), 0);
});

test('Stack.setQinq: needs a C-VID, takes 1..4094 or any, TPID 0x88a8 or 0x8100 with an S-VID only', async () => {
  const { clock, wire } = simulation();
  const { stack } = await addNode(wire, clock, A);
  assert.throws(() => stack.setQinq(0, { outerVid: 200 }), /C-VID/);
  stack.setVlan(0, 100);
  for (const bad of [{ outerVid: 0 }, { outerVid: 4095 }, { outerVid: 1.5 }, { outerVid: 200, tpid: 0x9100 }, { outerVid: 'any' as const, tpid: 0x8100 }]) {
    assert.throws(() => stack.setQinq(0, bad), RangeError, JSON.stringify(bad));
  }
  stack.setQinq(0, { outerVid: 200, tpid: 0x8100 });
  assert.equal(stack.exports.iface_get_qinq(0), 200);
  stack.setQinq(0, { outerVid: 'any' });
  assert.equal(stack.exports.iface_get_qinq(0), -1);
  assert.throws(() => stack.setVlan(0, 0), /iface_set_vlan/, 'the C-tag stays while QinQ is on');
  assert.ok(stack.exports.iface_set_qinq(0, 200, 0x9100) < 0, 'the module refuses another TPID itself');
  stack.setQinq(0, null);
  assert.equal(stack.exports.iface_get_qinq(0), 0);
  stack.setVlan(0, 0);
  assert.ok(stack.exports.iface_set_qinq(0, -1, 0) < 0, 'the module refuses QinQ without a C-VID itself');
});
