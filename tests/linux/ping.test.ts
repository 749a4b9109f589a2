// ICMP echo against the Linux kernel's ping, through a TAP in a namespace of our own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip, pingReceived } from './netns-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsping0';
const STACK_IP = '192.0.2.2';

describe('ping through a TAP', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  before(async () => {
    netns = new Netns('ping');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', '192.0.2.1/24']);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  for (const payload of [0, 56, 1472]) {
    test(`ping -c 20 -s ${payload}: every echo answered with the payload size`, () => {
      const result = netns.run('ping', ['-n', '-c', '20', '-i', '0.01', '-W', '1', '-w', '15', '-s', String(payload), STACK_IP]);
      assert.equal(pingReceived(result.stdout), 20, result.stdout + result.stderr);
      // ping prints ICMP bytes: the 8-byte header plus the payload.
      assert.match(result.stdout, new RegExp(`^${payload + 8} bytes from ${STACK_IP.replace(/\./g, '\\.')}: icmp_seq=1 `, 'm'));
    });
  }

  test('fragmented echo requests (1473 bytes) leave the stack answering the next ping', () => {
    // 1473 bytes needs two IPv4 fragments; whether the stack reassembles or drops them, it
    // must not crash: the next normal ping is still answered.
    netns.run('ping', ['-n', '-c', '2', '-i', '0.05', '-W', '1', '-w', '5', '-s', '1473', STACK_IP]);
    const result = netns.run('ping', ['-n', '-c', '3', '-i', '0.05', '-W', '1', '-w', '5', STACK_IP]);
    assert.equal(pingReceived(result.stdout), 3, result.stdout + result.stderr);
  });

  test('netstack exits 0 on SIGTERM and leaves a namespace it did not create', async () => {
    assert.equal(await netstack.stop(), 0, netstack.stderr());
    assert.match(netstack.stderr(), /netstack: down nsping0;/);
    assert.ok(netns.exists());
  });
});
