// `netstack up --ip ... --probe`: RFC 5227 probes before a static address is used. The kernel on
// the TAP is the other host: silent for a free address, answering for its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { CLI, Netns, type Netstack, linuxSkip, pingReceived } from './netns-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsprobe0';

describe('netstack up --probe', { skip }, () => {
  let netns: Netns | undefined;
  let netstack: Netstack | undefined;

  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  test('probes a free address, then uses and announces it', async () => {
    netns = new Netns('probe');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', '192.0.2.20/24', '--host-ip', '192.0.2.1/24', '--probe']);
    assert.match(netstack.stdout(), /^netstack: up nsprobe0 192\.0\.2\.20\/24 /m);
    assert.equal(pingReceived(netns.run('ping', ['-n', '-c', '1', '-W', '2', '192.0.2.20']).stdout), 1);
    // The second announcement follows the first (sent when the address is applied) by 2 s.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(await netstack.stop(), 0);
    const counters = netstack.stderr();
    assert.match(counters, /\barp_probe_tx=3\b/, counters);
    assert.match(counters, /\barp_announce_tx=2\b/, counters);
    assert.doesNotMatch(counters, /\barp_conflict=/, counters);
    netstack = undefined;
    netns.destroy();
    netns = undefined;
  });

  test('refuses an address the kernel already holds (exit 1)', () => {
    netns = new Netns('probec');
    const result = spawnSync(process.execPath, [CLI, 'up', '--netns', netns.name, '--tap', TAP, '--ip', '192.0.2.1/24', '--host-ip', '192.0.2.1/24', '--probe'], {
      encoding: 'utf8',
      timeout: 20_000,
      killSignal: 'SIGKILL',
    });
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /another host answers for this address/);
  });
});
