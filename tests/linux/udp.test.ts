// UDP against the kernel: the built-in echo service on port 7 answers socat; a closed port is
// refused with ICMP port unreachable, which Linux reports to a connected socket as ECONNREFUSED.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip } from './netns-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsudp0';
const STACK_IP = '203.0.113.2';

describe('UDP through a TAP', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  before(async () => {
    netns = new Netns('udp');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', '203.0.113.1/24', '--echo']);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  const socat = (port: number, input: string) =>
    netns.run('socat', ['-t', '2', '-T', '5', '-', `UDP:${STACK_IP}:${port}`], { input, timeoutMs: 10_000 });

  test('a line sent to port 7 comes back', () => {
    const result = socat(7, 'hello netstack\n');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'hello netstack\n');
  });

  test('a 1000-byte datagram comes back unchanged', () => {
    const payload = randomBytes(500).toString('hex');
    const result = socat(7, payload);
    assert.equal(result.stdout, payload, result.stderr);
  });

  test('a closed port answers with ICMP port unreachable (ECONNREFUSED)', () => {
    const result = socat(9, 'anyone?\n');
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /Connection refused/);
    assert.equal(result.stdout, '');
  });

  test('the counters on exit show the echo and the refusal', async () => {
    assert.equal(await netstack.stop(), 0);
    assert.match(netstack.stderr(), /icmp_tx_unreachable=[1-9]/, netstack.stderr());
  });
});
