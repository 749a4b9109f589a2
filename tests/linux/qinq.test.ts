// QinQ (802.1ad) against the kernel's TAP: a stack bound to C-VID 100 inside S-VID 200 answers
// double-tagged echo requests (its ARP too) with double-tagged frames, 802.1ad TPID outside,
// up to a full-size 1522-byte frame; another outer or inner VID, or a missing outer tag, goes
// unanswered and is counted. A second stack with `--qinq any` takes any outer tag and answers
// with the C-tag alone. The kernel has no 8021q support here, so the Linux side is an AF_PACKET
// socket on the TAP (tagged-ping.ts) that builds the tags itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip } from './netns-fixture.ts';
import { C_TAG, S_TAG, taggedPing, type TaggedPingResult } from './tagged-ping.ts';

const skip = linuxSkip();
const TAP = 'nsqinq0';
const STACK_IP = '192.0.2.2';

/** Echo requests tagged `outer` (or with no outer tag: null), then a C-tag with innerVid. */
function qinqPing(netns: Netns, netstack: Netstack, outer: [number, number] | null, innerVid: number, count: number, size?: number): TaggedPingResult {
  const inner: [number, number] = [C_TAG, innerVid];
  return taggedPing(netns, TAP, netstack, outer ? [outer, inner] : [inner], count, size);
}

describe('QinQ matched: --vlan 100 --qinq 200 through a TAP', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  before(async () => {
    netns = new Netns('qinq');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--vlan', '100', '--qinq', '200']);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  test('echo requests tagged S 200 / C 100: every one answered, every frame of the stack double-tagged', () => {
    const result = qinqPing(netns, netstack, [S_TAG, 200], 100, 5);
    assert.equal(result.replies, 5, JSON.stringify(result));
    assert.deepEqual(result.stacks, [[[S_TAG, 200], [C_TAG, 100]]]);
    assert.deepEqual(result.lengths, [68], 'a 41-byte datagram padded to 60, then two tags');
  });

  test('a full-size echo request (1500-byte datagram, 1522-byte frame) gets a 1522-byte reply', () => {
    // The packet socket refuses frames longer than the TAP's MTU plus the Ethernet header: the
    // Linux side is a provider bridge here, so its MTU makes room for the two tags.
    const mtu = netns.run('ip', ['link', 'set', 'dev', TAP, 'mtu', '1508']);
    assert.equal(mtu.status, 0, mtu.stderr);
    const result = qinqPing(netns, netstack, [S_TAG, 200], 100, 2, 1500);
    assert.equal(result.replies, 2, JSON.stringify(result));
    assert.deepEqual(result.lengths, [1522]);
  });

  test('another S-VID, a missing outer tag, or another C-VID: no answer', () => {
    assert.equal(qinqPing(netns, netstack, [S_TAG, 201], 100, 3).replies, 0);
    assert.equal(qinqPing(netns, netstack, null, 100, 2).replies, 0);
    assert.equal(qinqPing(netns, netstack, [S_TAG, 200], 101, 2).replies, 0);
  });

  test('the counters on exit show each kind of drop', async () => {
    assert.equal(await netstack.stop(), 0, netstack.stderr());
    const stderr = netstack.stderr();
    assert.match(stderr, /eth_rx_qinq_outer_unknown=5\b/, stderr);
    assert.match(stderr, /eth_rx_qinq_inner_unknown=2\b/, stderr);
    assert.match(stderr, /icmp_tx_echo_reply=7\b/, stderr);
    assert.doesNotMatch(stderr, /eth_rx_giant=[1-9]/, stderr);
  });
});

describe('QinQ skipped: --vlan 100 --qinq any through a TAP', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  before(async () => {
    netns = new Netns('qinqany');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--vlan', '100', '--qinq', 'any']);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  test('any outer VID is accepted and the answers carry the C-tag alone', () => {
    const a = qinqPing(netns, netstack, [S_TAG, 7], 100, 2);
    const b = qinqPing(netns, netstack, [C_TAG, 4000], 100, 2);
    assert.deepEqual([a.replies, b.replies], [2, 2], JSON.stringify([a, b]));
    assert.deepEqual(a.stacks, [[[C_TAG, 100]]]);
    assert.deepEqual(a.lengths, [64]);
  });

  test('another C-VID goes unanswered and is counted', async () => {
    assert.equal(qinqPing(netns, netstack, [S_TAG, 7], 101, 2).replies, 0);
    assert.equal(await netstack.stop(), 0, netstack.stderr());
    assert.match(netstack.stderr(), /eth_rx_qinq_inner_unknown=2\b/, netstack.stderr());
  });
});
