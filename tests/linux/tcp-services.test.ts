// The module's TCP services (app/tcp_services.ts) against Linux's socat: 100 MB into discard,
// 100 MB out of chargen checked against RFC 864's pattern, a half-closed echo that still comes
// back whole, and a closed port refused with a RST.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip } from './netns-fixture.ts';
import { chargenPattern, noisePattern, runStreaming, sha256Of } from './tcp-fixture.ts';

const skip = linuxSkip();
const TAP = 'nssvc0';
const STACK_IP = '203.0.113.2';
const HUNDRED_MB = 100_000_000;
const ECHO_BYTES = 4_000_000;

describe('TCP echo, discard and chargen through a TAP', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  before(async () => {
    netns = new Netns('tcpsvc');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', '203.0.113.1/24', '--echo', '--discard', '--chargen']);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  test('100 MB into discard (port 9), every byte acknowledged', async (t) => {
    // linger: close() returns only once the stack has acknowledged everything (or fails).
    const result = await runStreaming(netns, 'socat', ['-u', '-', `TCP:${STACK_IP}:9,linger=20`], {
      timeoutMs: 40_000, stdinBytes: HUNDRED_MB, fill: noisePattern,
    });
    assert.equal(result.timedOut, false, `timed out: ${result.stderr}`);
    assert.equal(result.status, 0, result.stderr);
    t.diagnostic(`100 MB into discard in ${result.elapsedMs} ms`);
  });

  test('100 MB out of chargen (port 19): RFC 864 lines, SHA-256 as expected', async (t) => {
    const expected = sha256Of(HUNDRED_MB, chargenPattern);
    // head ends the transfer; socat then fails to write (EPIPE), which is expected.
    const result = await runStreaming(netns, 'sh', ['-c', `socat -u TCP:${STACK_IP}:19 - 2>/dev/null | head -c ${HUNDRED_MB}`], { timeoutMs: 40_000 });
    assert.equal(result.timedOut, false);
    assert.equal(result.bytes, HUNDRED_MB, result.stderr);
    assert.equal(result.sha256, expected);
    assert.equal(result.head.slice(0, 74), ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg\r\n');
    t.diagnostic(`100 MB out of chargen in ${result.elapsedMs} ms`);
  });

  test(`half-close: ${ECHO_BYTES} bytes to echo, shut the write side, the whole echo still comes back`, async () => {
    // socat shuts down its write side at the end of its input, then reads on (up to -t s).
    const result = await runStreaming(netns, 'socat', ['-t', '3', '-', `TCP:${STACK_IP}:7`], {
      timeoutMs: 20_000, stdinBytes: ECHO_BYTES, fill: noisePattern,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.bytes, ECHO_BYTES);
    assert.equal(result.sha256, sha256Of(ECHO_BYTES, noisePattern));
  });

  test('after the echo the stack closes its side too (its FIN reaches Linux)', () => {
    // socat has exited; a connection whose FIN never came sits in FIN-WAIT-2 on the Linux side.
    const sockets = netns.run('ss', ['-Htan', 'state', 'fin-wait-2', 'dport', '= :7']).stdout.trim();
    assert.equal(sockets, '', sockets);
  });

  test('a closed port refuses the connection with a RST', () => {
    const result = netns.run('socat', ['-u', '/dev/null', `TCP:${STACK_IP}:23`], { timeoutMs: 10_000 });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /Connection refused/);
  });

  test('stops cleanly; the counters show the refusal', async () => {
    assert.equal(await netstack.stop(), 0);
    assert.match(netstack.stderr(), /tcp_rx_no_socket=[1-9]/, netstack.stderr());
    assert.match(netstack.stderr(), /tcp_tx_rst=[1-9]/, netstack.stderr());
  });
});
