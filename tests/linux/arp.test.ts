// ARP against the kernel: arping gets our MAC, and the kernel's neighbour table learns it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip, pingReceived } from './netns-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsarp0';
const STACK_IP = '198.51.100.20';
const MAC = '02:00:5e:10:00:20';

describe('ARP through a TAP', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  before(async () => {
    netns = new Netns('arp');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', '198.51.100.1/24', '--mac', MAC]);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  test('the up line reports the MAC we asked for', () => {
    assert.equal(netstack.mac, MAC);
  });

  test('arping -c 3 gets 3 replies, all from our MAC', () => {
    const result = netns.run('arping', ['-c', '3', '-w', '6', '-I', TAP, STACK_IP]);
    assert.match(result.stdout, /Received 3 response/, result.stdout + result.stderr);
    const replies = result.stdout.split('\n').filter((line) => /reply from/i.test(line));
    assert.equal(replies.length, 3, result.stdout);
    for (const line of replies) assert.ok(line.toLowerCase().includes(`[${MAC}]`), line);
  });

  test('arping for an address that is not ours gets no reply', () => {
    const result = netns.run('arping', ['-c', '2', '-w', '3', '-I', TAP, '198.51.100.99']);
    assert.match(result.stdout, /Received 0 response/, result.stdout + result.stderr);
  });

  test('after a ping, ip neigh holds our MAC for the stack address', () => {
    assert.equal(pingReceived(netns.run('ping', ['-n', '-c', '1', '-W', '2', STACK_IP]).stdout), 1);
    const neigh = netns.run('ip', ['neigh', 'show', 'dev', TAP, STACK_IP]).stdout;
    assert.match(neigh, new RegExp(`^${STACK_IP.replace(/\./g, '\\.')} lladdr ${MAC} (REACHABLE|STALE|DELAY|PROBE)`, 'm'));
  });
});
