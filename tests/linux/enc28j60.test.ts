// The ENC28J60 path against the Linux kernel: `netstack up --nic enc28j60-sim` runs the module's
// driver over SPI into the chip model, whose Ethernet side is the TAP. ping, UDP echo, and 10 MB
// of TCP each way with SHA-256, all through driver + model + TAP in a namespace of our own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip, pingReceived } from './netns-fixture.ts';
import { chargenPattern, noisePattern, runStreaming, sha256Of } from './tcp-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsenc0';
const STACK_IP = '198.51.100.2';
const TEN_MB = 10_000_000;

describe('ENC28J60 driver + chip model + TAP against Linux', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  before(async () => {
    netns = new Netns('enc');
    netstack = await netns.startNetstack([
      '--nic', 'enc28j60-sim', '--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', '198.51.100.1/24',
      '--echo', '--discard', '--chargen',
    ]);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  test('the chip was set up by the driver (EREVID read, link up)', () => {
    assert.match(netstack.stdout(), /^netstack: ENC28J60 model on the TAP, SPI 20 MHz, EREVID 0x06, link up$/m);
  });

  for (const payload of [56, 1472]) {
    test(`ping -c 20 -s ${payload}: every echo answered`, () => {
      const result = netns.run('ping', ['-n', '-c', '20', '-i', '0.01', '-W', '1', '-w', '15', '-s', String(payload), STACK_IP]);
      assert.equal(pingReceived(result.stdout), 20, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`^${payload + 8} bytes from ${STACK_IP.replace(/\./g, '\\.')}: icmp_seq=1 `, 'm'));
    });
  }

  test('UDP echo (port 7) answers socat with the same bytes', () => {
    const payload = 'through the ENC28J60\n'.repeat(40);
    const result = netns.run('socat', ['-t', '2', '-T', '5', '-', `UDP:${STACK_IP}:7`], { input: payload, timeoutMs: 10_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, payload);
  });

  test('10 MB into discard (port 9), every byte acknowledged', async (t) => {
    const result = await runStreaming(netns, 'socat', ['-u', '-', `TCP:${STACK_IP}:9,linger=30`], {
      timeoutMs: 90_000, stdinBytes: TEN_MB, fill: noisePattern,
    });
    assert.equal(result.timedOut, false, `timed out: ${result.stderr}`);
    assert.equal(result.status, 0, result.stderr);
    t.diagnostic(`10 MB into discard in ${result.elapsedMs} ms`);
  });

  test('10 MB out of chargen (port 19): SHA-256 of RFC 864 lines as expected', async (t) => {
    const result = await runStreaming(netns, 'sh', ['-c', `socat -u TCP:${STACK_IP}:19 - 2>/dev/null | head -c ${TEN_MB}`], { timeoutMs: 90_000 });
    assert.equal(result.timedOut, false);
    assert.equal(result.bytes, TEN_MB, result.stderr);
    assert.equal(result.sha256, sha256Of(TEN_MB, chargenPattern));
    t.diagnostic(`10 MB out of chargen in ${result.elapsedMs} ms`);
  });

  test('4 MB through TCP echo (port 7) comes back whole', async () => {
    const bytes = 4_000_000;
    const result = await runStreaming(netns, 'socat', ['-t', '5', '-', `TCP:${STACK_IP}:7`], {
      timeoutMs: 90_000, stdinBytes: bytes, fill: noisePattern,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.bytes, bytes);
    assert.equal(result.sha256, sha256Of(bytes, noisePattern));
  });

  test('stops cleanly; the counters show traffic through the driver and no TX failure', async () => {
    assert.equal(await netstack.stop(), 0);
    const stderr = netstack.stderr();
    assert.match(stderr, /eth_rx_frames=[1-9]/, stderr);
    assert.doesNotMatch(stderr, /eth_tx_failed=|enc_tx_errors=|enc_tx_timeouts=|enc_rx_resets=|enc_init_failed=/, stderr);
  });
});
