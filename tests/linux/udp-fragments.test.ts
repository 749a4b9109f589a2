// UDP datagrams of 8000 bytes from the stack to Linux: helpers/udp-sender.ts runs a Stack on a
// TAP in the namespace and sends them through udp_sendto (fragmented to the 1500-byte MTU);
// Linux reassembles each and a listener reports its length and SHA-256.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { Netns, linuxSkip } from './netns-fixture.ts';
import { listenerScript, sha256, udpPattern } from './udp-listener.ts';

const skip = linuxSkip();
const HELPER = fileURLToPath(new URL('./helpers/udp-sender.ts', import.meta.url));
const TAP = 'udpfrag0';
const LINUX_IP = '192.0.2.1';
const STACK_IP = '192.0.2.2';
const PORT = 5300;
const BYTES = 8000;
const COUNT = 3;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Node inside netns, SIGKILLed by PID after timeoutMs; `output()` reads its stdout so far. */
function run(netns: Netns, args: string[], timeoutMs: number): { done: Promise<Ran>; output: () => string } {
  const child = spawn('ip', ['netns', 'exec', netns.name, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Ran>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { done, output: () => stdout };
}

describe('UDP datagrams larger than the MTU from the stack', { skip }, () => {
  let netns: Netns;
  after(() => netns?.destroy());

  test(`${COUNT} datagrams of ${BYTES} bytes reach Linux whole`, async () => {
    netns = new Netns('udpfrag');
    const listening = run(netns, ['-e', listenerScript(PORT, COUNT, 20_000)], 25_000);
    for (let waited = 0; !listening.output().includes('ready') && waited < 5_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.ok(listening.output().includes('ready'), 'listener did not start');
    const sender = await run(netns, [
      '--import', 'tsx', HELPER, '--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', `${LINUX_IP}/24`,
      '--to', LINUX_IP, '--port', String(PORT), '--bytes', String(BYTES), '--count', String(COUNT),
    ], 20_000).done;
    assert.equal(sender.code, 0, sender.stderr);
    const report = JSON.parse(sender.stdout.trim().split('\n').at(-1)!) as { sent: number; refused: number; counters: Record<string, number> };
    assert.equal(report.sent, COUNT);
    // The first send finds Linux's MAC unknown and more fragments than the ARP queue holds:
    // refused with EAGAIN while resolution starts, then retried.
    assert.ok(report.refused >= 1, `refused ${report.refused}`);
    // 8008 bytes of UDP in 1480-byte pieces: six fragments each.
    assert.equal(report.counters.ipv4_tx_fragments, 6 * COUNT);
    const listener = await listening.done;
    assert.equal(listener.code, 0, listener.stdout + listener.stderr);
    const lines = listener.stdout.trim().split('\n').slice(1);
    assert.equal(lines.length, COUNT);
    for (const line of lines) assert.deepEqual(line.split(' '), [String(BYTES), sha256(udpPattern(BYTES)), STACK_IP]);
  });
});
