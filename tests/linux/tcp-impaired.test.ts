// TCP over a bad link: the shim itself drops 5 % of the frames in each direction and delays
// every frame by 20 ms (--drop-chance 0.05 --delay 20, seeded). Data must arrive intact both
// ways. The desktop profile: with the default profile's 8 KiB windows, 10 MB at this loss rate
// takes minutes (a few segments in flight rarely make three duplicate ACKs). The stack sends
// 1 MB here, not 10: under this loss the kernel advertises only ~10.7 KB, so stack -> Linux
// runs at ~100 KB/s. That is a speed, and speeds are measured, never asserted, in tests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip } from './netns-fixture.ts';
import { httpPattern, runStreaming, sha256Of } from './tcp-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsloss0';
const STACK_IP = '192.0.2.2';
const TEN_MB = 10_000_000;
const ONE_MB = 1_000_000;

describe('TCP with 5 % loss and 20 ms delay', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  before(async () => {
    netns = new Netns('tcploss');
    netstack = await netns.startNetstack([
      '--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', '192.0.2.1/24', '--discard', '--http',
      '--profile', 'desktop', '--drop-chance', '0.05', '--delay', '20', '--seed', '1',
    ]);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  test('10 MB into discard, every byte acknowledged', async (t) => {
    const result = await runStreaming(netns, 'socat', ['-u', '-', `TCP:${STACK_IP}:9,linger=30`], { timeoutMs: 45_000, stdinBytes: TEN_MB });
    assert.equal(result.timedOut, false, `timed out: ${result.stderr}`);
    assert.equal(result.status, 0, result.stderr);
    t.diagnostic(`10 MB into discard in ${result.elapsedMs} ms`);
  });

  test('1 MB from the HTTP server, SHA-256 intact', async (t) => {
    const result = await runStreaming(netns, 'curl', ['-sS', '-m', '40', `http://${STACK_IP}/bytes/${ONE_MB}`], { timeoutMs: 45_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.bytes, ONE_MB);
    assert.equal(result.sha256, sha256Of(ONE_MB, httpPattern));
    t.diagnostic(`1 MB from HTTP in ${result.elapsedMs} ms`);
  });

  test('stops cleanly; the counters show the recovery', async (t) => {
    assert.equal(await netstack.stop(), 0);
    assert.match(netstack.stderr(), /tcp_tx_retransmits=[1-9]/, netstack.stderr());
    t.diagnostic(netstack.stderr().trim());
  });
});
