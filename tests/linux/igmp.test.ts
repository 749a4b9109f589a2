// IGMPv2 and multicast UDP against the kernel, through a TAP in a namespace of our own: the
// stack started with `--join 239.1.2.3` reports the membership (seen in a capture of the TAP
// from the start, and by a live tcpdump in answer to a general query sent from Linux), and a
// datagram Linux sends to the group reaches the stack's UDP echo service, which answers it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip } from './netns-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsigmp0';
const STACK_IP = '198.51.100.2';
const LINUX_IP = '198.51.100.1';
const GROUP = '239.1.2.3';
const PEER = 'tests/linux/helpers/igmp_peer.py';

describe('IGMPv2 and multicast UDP through a TAP', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;
  const pcap = join(tmpdir(), `netstack-igmp-${process.pid}.pcap`);

  before(async () => {
    netns = new Netns('igmp');
    netstack = await netns.startNetstack([
      '--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', `${LINUX_IP}/24`, '--echo', '--join', GROUP, '--pcap', pcap,
    ]);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
    rmSync(pcap, { force: true });
  });

  test('the join sent an IGMPv2 membership report for the group (capture from the start)', () => {
    const result = netns.run('tcpdump', ['-r', pcap, '-n', '-v', 'igmp'], { timeoutMs: 10_000 });
    assert.match(result.stdout, new RegExp(`${STACK_IP.replace(/\./g, '\\.')} > ${GROUP.replace(/\./g, '\\.')}: igmp v2 report ${GROUP.replace(/\./g, '\\.')}`), result.stdout + result.stderr);
    assert.match(result.stdout, /ttl 1,.*options \(RA\)/, result.stdout);
  });

  test('a general query from Linux is answered with a v2 report (live tcpdump -c 1 on the TAP)', async () => {
    // tcpdump in the namespace, bounded by timeout(1) and -c 1; it is ours, killed by PID if left.
    const capture = spawn('ip', ['netns', 'exec', netns.name, 'timeout', '10', 'tcpdump', '-i', TAP, '-n', '-v', '-l', '-c', '1', `igmp and src host ${STACK_IP}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    capture.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => capture.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 10_000);
        capture.stderr.on('data', (chunk) => {
          stderr += chunk;
          if (/listening on/.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const query = netns.run('python3', [PEER, 'query', LINUX_IP, '10'], { timeoutMs: 10_000 }); // Max Resp Time 1 s
      assert.equal(query.status, 0, query.stderr);
      assert.equal(await exited, 0, stdout + stderr);
    } finally {
      if (capture.exitCode === null && capture.pid) capture.kill('SIGKILL');
    }
    assert.match(stdout, new RegExp(`igmp v2 report ${GROUP.replace(/\./g, '\\.')}`), stdout);
  });

  test('a datagram from Linux to the group reaches the echo service, which answers', () => {
    const result = netns.run('python3', [PEER, 'send', LINUX_IP, GROUP, '7', 'hello group'], { timeoutMs: 10_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { reply: 'hello group', from: STACK_IP });
  });

  test('a datagram to a group the stack did not join is not answered', () => {
    const result = netns.run('python3', [PEER, 'send', LINUX_IP, '239.1.2.4', '7', 'anyone?'], { timeoutMs: 10_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { reply: null });
  });

  test('the counters on exit show the query, the reports and the refused group', async () => {
    assert.equal(await netstack.stop(), 0, netstack.stderr());
    const stderr = netstack.stderr();
    assert.match(stderr, /igmp_rx_query=1\b/, stderr);
    assert.match(stderr, /igmp_tx_report=[2-9]/, stderr);
    assert.match(stderr, /ipv4_rx_multicast_not_joined=[1-9]/, stderr);
  });
});
