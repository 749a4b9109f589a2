// The stack as a router between two namespaces: `netstack up --forward` on a TAP in the near
// namespace (192.0.2.0/24) and, through --iface, a second TAP moved into the far namespace
// (198.51.100.0/24, MTU 576 on the stack's side). Linux pings and traceroutes across it, and
// an 8000-byte UDP datagram (fragmented by Linux, re-fragmented by the stack to 576) arrives
// whole in the far namespace.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip, pingReceived } from './netns-fixture.ts';
import { listenerScript, senderScript, sha256, udpPattern } from './udp-listener.ts';

const skip = linuxSkip();
const NEAR_TAP = 'rtnear0';
const FAR_TAP = 'rtfar0';
const STACK_NEAR = '192.0.2.2';
const STACK_FAR = '198.51.100.1';
const LINUX_NEAR = '192.0.2.1';
const LINUX_FAR = '198.51.100.2';
const UDP_PORT = 5301;
const UDP_BYTES = 8000;

describe('the stack routing between two namespaces', { skip }, () => {
  let near: Netns;
  let far: Netns;
  let netstack: Netstack;
  const started: ChildProcess[] = [];

  before(async () => {
    near = new Netns('rtnear');
    far = new Netns('rtfar');
    netstack = await near.startNetstack([
      '--tap', NEAR_TAP, '--ip', `${STACK_NEAR}/24`, '--host-ip', `${LINUX_NEAR}/24`, '--forward',
      '--iface', `${FAR_TAP},ip=${STACK_FAR}/24,host-ip=${LINUX_FAR}/24,netns=${far.name},mtu=576`,
    ]);
    for (const [ns, dst, via] of [
      [near, '198.51.100.0/24', STACK_NEAR],
      [far, '192.0.2.0/24', STACK_FAR],
    ] as const) {
      const result = ns.run('ip', ['route', 'add', dst, 'via', via]);
      assert.equal(result.status, 0, result.stderr);
    }
  });
  after(async () => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
    await netstack?.stop().catch(() => {});
    near?.destroy();
    far?.destroy();
  });

  test('the far TAP lives in the far namespace', () => {
    assert.equal(far.run('ip', ['-br', 'addr', 'show', 'dev', FAR_TAP]).status, 0);
    assert.notEqual(near.run('ip', ['link', 'show', 'dev', FAR_TAP]).status, 0);
  });

  test('Linux pings across the stack', () => {
    const result = near.run('ping', ['-c', '3', '-i', '0.2', '-W', '2', LINUX_FAR], { timeoutMs: 15_000 });
    assert.equal(pingReceived(result.stdout), 3, result.stdout + result.stderr);
  });

  test('traceroute lists the stack as the first hop and the far namespace as the second', () => {
    const result = near.run('traceroute', ['-n', '-q', '1', '-w', '2', '-m', '4', LINUX_FAR], { timeoutMs: 30_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^ 1  ${STACK_NEAR.replace(/\./g, '\\.')} `, 'm'), result.stdout);
    assert.match(result.stdout, new RegExp(`^ 2  ${LINUX_FAR.replace(/\./g, '\\.')} `, 'm'), result.stdout);
  });

  test('an 8000-byte UDP datagram crosses into the MTU-576 side and arrives whole', async () => {
    const listener = spawn('ip', ['netns', 'exec', far.name, process.execPath, '-e', listenerScript(UDP_PORT, 1, 15_000)], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(listener);
    let output = '';
    listener.stdout!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => listener.on('close', (code) => resolve(code)));
    for (let waited = 0; !output.includes('ready') && waited < 5_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.ok(output.includes('ready'), 'listener did not start');
    const sent = near.run(process.execPath, ['-e', senderScript(LINUX_FAR, UDP_PORT, UDP_BYTES)]);
    assert.equal(sent.status, 0, sent.stderr);
    assert.equal(await exited, 0, `listener: ${output}`);
    const [length, digest, source] = output.split('\n')[1].split(' ');
    assert.equal(Number(length), UDP_BYTES);
    assert.equal(digest, sha256(udpPattern(UDP_BYTES)));
    assert.equal(source, LINUX_NEAR);
  });

  test('the counters on exit show forwarding, TTL expiry and fragmentation', async () => {
    assert.equal(await netstack.stop(), 0);
    const stderr = netstack.stderr();
    assert.match(stderr, /ipv4_fwd_forwarded=[1-9]/, stderr);
    assert.match(stderr, /ipv4_fwd_ttl_exceeded=[1-9]/, stderr);
    assert.match(stderr, /ipv4_fwd_fragmented=[1-9]/, stderr);
  });
});
