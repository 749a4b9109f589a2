// 802.1Q against the kernel's TAP: the stack bound to VLAN 100 answers echo requests tagged 100
// (its ARP requests and replies are tagged 100 too), and untagged or other-VLAN requests go
// unanswered and are counted. This kernel has no 8021q support (no `ip link add ... type vlan`),
// so the Linux side is an AF_PACKET socket on the TAP (tagged-ping.ts) that tags frames
// itself and reads the tags of the stack's frames from PACKET_AUXDATA.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip } from './netns-fixture.ts';
import { C_TAG, taggedPing } from './tagged-ping.ts';

const skip = linuxSkip();
const TAP = 'nsvlan0';
const STACK_IP = '192.0.2.2';

describe('802.1Q VLAN through a TAP', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  /** Echo requests tagged with vid (0 = untagged). */
  const vlanPing = (vid: number, count: number) => taggedPing(netns, TAP, netstack, vid ? [[C_TAG, vid]] : [], count);

  before(async () => {
    netns = new Netns('vlan');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--vlan', '100']);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  test('echo requests tagged 100: every one answered, and every frame of the stack is tagged 100', () => {
    const result = vlanPing(100, 10);
    assert.equal(result.replies, 10, JSON.stringify(result));
    assert.deepEqual(result.stacks, [[[C_TAG, 100]]]);
  });

  test('untagged and VLAN 200 echo requests go unanswered', () => {
    assert.equal(vlanPing(0, 3).replies, 0);
    assert.equal(vlanPing(200, 3).replies, 0);
  });

  test('the counters on exit show the untagged and other-VLAN frames dropped', async () => {
    assert.equal(await netstack.stop(), 0, netstack.stderr());
    const stderr = netstack.stderr();
    // At least our 3 requests; the kernel's own untagged frames on the TAP (IPv6) count too.
    const untagged = /eth_rx_vlan_untagged=(\d+)/.exec(stderr);
    assert.ok(untagged && Number(untagged[1]) >= 3, stderr);
    assert.match(stderr, /eth_rx_vlan_unknown=3\b/, stderr);
    assert.match(stderr, /icmp_tx_echo_reply=10\b/, stderr);
  });
});
