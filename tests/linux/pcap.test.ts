// --pcap: the capture file is a valid pcap that tcpdump reads back, holding what crossed the TAP.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip, pingReceived } from './netns-fixture.ts';

const skip = linuxSkip() || (spawnSync('tcpdump', ['--version']).error ? 'tcpdump is not installed' : false);
const TAP = 'nspcap0';
const STACK_IP = '192.0.2.30';

describe('--pcap capture read back by tcpdump', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;
  let dir: string;
  let capture: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netstack-pcap-'));
    capture = join(dir, 'tap.pcap');
    netns = new Netns('pcap');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', '192.0.2.1/24', '--pcap', capture]);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the capture holds the gratuitous ARP and 3 echo requests and replies', async () => {
    assert.equal(pingReceived(netns.run('ping', ['-n', '-c', '3', '-i', '0.05', '-W', '1', '-w', '5', STACK_IP]).stdout), 3);
    assert.equal(await netstack.stop(), 0);
    const result = spawnSync('tcpdump', ['-n', '-r', capture], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.split('\n');
    const count = (pattern: RegExp) => lines.filter((line) => pattern.test(line)).length;
    // The gratuitous ARP: a request for our own address from our own address.
    assert.equal(count(new RegExp(`ARP, Request who-has ${STACK_IP} tell ${STACK_IP}`)), 1, result.stdout);
    assert.equal(count(new RegExp(`192\\.0\\.2\\.1 > ${STACK_IP}: ICMP echo request`)), 3, result.stdout);
    assert.equal(count(new RegExp(`${STACK_IP} > 192\\.0\\.2\\.1: ICMP echo reply`)), 3, result.stdout);
    assert.ok(count(new RegExp(`ARP, Reply ${STACK_IP} is-at ${netstack.mac}`)) >= 1, result.stdout);
  });
});
