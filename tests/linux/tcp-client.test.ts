// The stack as a TCP client of Linux: inside the suite's namespace, Linux serves an echo (a
// Node net server: Linux's TCP, never blocking) and a sink (socat into sha256sum), and
// helpers/stack-client.ts runs a Stack on a TAP and uses host/net.ts connect() against them,
// once per profile: 10 MB into the sink (Linux's SHA-256 of what arrived), 10 MB through the
// echo and back (SHA-256 both ways), a clean close (FIN both ways, 'end' and 'close' without
// error, no socket left half-closed on the Linux side), and a port where nothing listens
// refused with a RST (ECONNREFUSED).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { StepReport } from './helpers/stack-client.ts';
import { Netns, linuxSkip } from './netns-fixture.ts';
import { noisePattern, sha256Of } from './tcp-fixture.ts';

const skip = linuxSkip();
const HELPER = fileURLToPath(new URL('./helpers/stack-client.ts', import.meta.url));
const TAP = 'nscli0';
const HOST_IP = '192.0.2.1';
const STACK_IP = '192.0.2.2';
const ECHO_PORT = 5000;
const SINK_PORT = 5001;
const CLOSED_PORT = 5009;
const BYTES = 10_000_000;
const STEP_TIMEOUT_MS = 15_000;
const HELPER_TIMEOUT_MS = 45_000;
const EXPECTED = sha256Of(BYTES, noisePattern);
/**
 * The echo server: Linux's TCP through Node's net, which never blocks. `socat ... PIPE` is not
 * used: with the desktop profile's 256 KiB window it deadlocks itself (its child blocks in
 * write() on its own full pipe, so it stops reading the socket, and the transfer stalls with
 * Linux's Send-Q empty and a full Recv-Q), which is socat's doing, not the stack's.
 */
const ECHO_SERVER = "require('node:net').createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(Number(process.argv[1]))";

interface HelperOutput {
  profile: string;
  reports: StepReport[];
  counters: Record<string, number>;
  tap: Record<string, number>;
}

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A process inside netns, SIGKILLed by PID after timeoutMs; `exited` resolves with its output. */
function start(netns: Netns, command: string, args: string[], timeoutMs: number): { child: ChildProcess; exited: Promise<Exited> } {
  const child = spawn('ip', ['netns', 'exec', netns.name, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exited = new Promise<Exited>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    }),
  );
  return { child, exited };
}

async function waitListening(netns: Netns, ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listening = netns.run('ss', ['-Hltn']).stdout;
    if (ports.every((port) => new RegExp(`:${port}\\s`).test(listening))) return;
    if (Date.now() > deadline) throw new Error(`servers not listening on ${ports.join(', ')} after ${timeoutMs} ms: ${listening}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const profile of ['default', 'desktop'] as const) {
  describe(`the stack as a TCP client of Linux servers (${profile} profile)`, { skip }, () => {
    let netns: Netns;
    let dir: string;
    const servers: ChildProcess[] = [];
    let sink: Promise<Exited>;
    let output: HelperOutput;
    let helperRun: Exited;
    const report = (step: string) => {
      const found = output?.reports.find((r) => r.step === step);
      assert.ok(found, `no report for ${step}: ${helperRun?.stderr}`);
      return found;
    };

    before(async () => {
      netns = new Netns('tcpcli');
      dir = mkdtempSync(join(tmpdir(), 'netstack-tcpcli-'));
      const echo = start(netns, process.execPath, ['-e', ECHO_SERVER, String(ECHO_PORT)], HELPER_TIMEOUT_MS + 10_000);
      const sinkServer = start(netns, 'socat', ['-u', `TCP-LISTEN:${SINK_PORT},reuseaddr`, `SYSTEM:sha256sum > ${join(dir, 'sink.sha256')}`], HELPER_TIMEOUT_MS + 10_000);
      servers.push(echo.child, sinkServer.child);
      sink = sinkServer.exited;
      await waitListening(netns, [ECHO_PORT, SINK_PORT], 5_000);
      const helper = start(netns, process.execPath, [
        '--import', 'tsx', HELPER, '--profile', profile, '--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', `${HOST_IP}/24`,
        '--server', HOST_IP, '--bytes', String(BYTES), '--step-timeout', String(STEP_TIMEOUT_MS),
        `sink:${SINK_PORT}`, `echo:${ECHO_PORT}`, `refused:${CLOSED_PORT}`,
      ], HELPER_TIMEOUT_MS);
      helperRun = await helper.exited;
      const line = helperRun.stdout.trim().split('\n').pop() ?? '';
      try {
        output = JSON.parse(line) as HelperOutput;
      } catch {
        // Each test then fails with the helper's stderr.
      }
    });
    after(async () => {
      for (const child of servers) if (child.exitCode === null && child.signalCode === null && child.pid) child.kill('SIGKILL');
      netns?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('the client ran to the end in bounded time', (t) => {
      assert.equal(helperRun.timedOut, false, `stack client killed after ${HELPER_TIMEOUT_MS} ms: ${helperRun.stderr}`);
      assert.equal(helperRun.code, 0, helperRun.stderr);
      assert.ok(output, `no JSON from the stack client: ${helperRun.stdout} ${helperRun.stderr}`);
      for (const r of output.reports) {
        assert.equal(r.timedOut, false, `${r.step} timed out in ${r.tcpState}: ${JSON.stringify(r)}`);
        t.diagnostic(`${r.step}: connect ${r.connectMs ?? '-'} ms, data ${r.transferMs ?? '-'} ms, close ${r.closeMs} ms, events ${r.events.join(' ')}`);
      }
      t.diagnostic(`counters: ${Object.entries(output.counters).map(([n, v]) => `${n}=${v}`).join(' ')}`);
    });

    test(`${BYTES} bytes into a Linux sink: its SHA-256 is what the stack sent`, async () => {
      const r = report('sink');
      assert.equal(r.sent, BYTES);
      assert.equal(r.sentSha256, EXPECTED);
      assert.deepEqual(r.events, ['connect', 'finish', 'end', 'close'], JSON.stringify(r));
      const exited = await sink;
      assert.equal(exited.code, 0, exited.stderr);
      assert.equal(readFileSync(join(dir, 'sink.sha256'), 'utf8').split(/\s/)[0], EXPECTED);
    });

    test(`${BYTES} bytes through a Linux echo and back: SHA-256 both ways`, () => {
      const r = report('echo');
      assert.equal(r.sent, BYTES);
      assert.equal(r.sentSha256, EXPECTED);
      assert.equal(r.received, BYTES, JSON.stringify(r));
      assert.equal(r.receivedSha256, EXPECTED);
    });

    test('clean close: FIN both ways, the client sees end and close without error', () => {
      const r = report('echo');
      assert.equal(r.error, undefined, JSON.stringify(r.error));
      assert.deepEqual(r.events, ['connect', 'finish', 'end', 'close'], JSON.stringify(r));
      assert.equal(r.ok, true);
      assert.equal(r.tcpState, 'FREE');
      // Linux got our FIN (no CLOSE-WAIT) and our ACK of its FIN (no LAST-ACK); nothing waits for a FIN (FIN-WAIT-*).
      const leftover = netns.run('ss', ['-Htan', 'state', 'close-wait', 'state', 'last-ack', 'state', 'fin-wait-1', 'state', 'fin-wait-2']).stdout.trim();
      assert.equal(leftover, '', leftover);
    });

    test('a port where nothing listens: Linux answers RST, connect fails with ECONNREFUSED', () => {
      const r = report('refused');
      assert.equal(r.error?.code, 'ECONNREFUSED', JSON.stringify(r));
      assert.match(r.error!.message, /ECONNREFUSED 192\.0\.2\.1:5009/);
      assert.deepEqual(r.events, ['error:ECONNREFUSED', 'close']);
      assert.equal(r.tcpState, 'FREE');
      assert.ok((output.counters.tcp_rx_rst ?? 0) >= 1, JSON.stringify(output.counters));
    });
  });
}
