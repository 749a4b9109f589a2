// Shared by the Linux suites: a network namespace of the suite's own, the `netstack` process
// inside it, and commands run in it. Everything is bounded in time, and destroy() ends what we
// started (by PID) and deletes the namespace, also after a failure.
//
// Network safety: addresses come only from 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24,
// the TAP is created inside the namespace, and nothing runs in the root namespace.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

export const CLI = 'bin/netstack.mjs';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
let sequence = 0;
const live = new Set<Netns>();
process.once('exit', () => {
  for (const netns of live) netns.destroy();
});

/** Why these suites cannot run here, or false. */
export function linuxSkipReason(): string | false {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespaces and TAP devices need CAP_NET_ADMIN)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  if (spawnSync('ip', ['-V']).error) return '`ip` (iproute2) is not installed';
  if (!existsSync('build/netstack.mjs') || !existsSync('build/netstack-default.wasm')) return 'not built (npm run build)';
  return false;
}

/**
 * The node:test `skip` option for a Linux suite. In CI (CI=true) a skip would hide a broken
 * environment, so it becomes a failing test instead.
 */
export function linuxSkip(): string | false {
  const reason = linuxSkipReason();
  if (!reason) return false;
  if (process.env.CI === 'true') {
    test(`Linux suites can run (CI=true): ${reason}`, () => {
      throw new Error(`cannot run the Linux suites: ${reason}`);
    });
    return reason;
  }
  console.log(`# skipping Linux suite: ${reason}`);
  return reason;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Netstack {
  mac: string;
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM and wait for the exit (bounded); resolves to the exit status. */
  stop(): Promise<number | null>;
}

export class Netns {
  readonly name: string;
  private readonly started: ChildProcess[] = [];

  constructor(tag: string) {
    this.name = `nstest-${tag}-${process.pid}-${++sequence}`;
    const result = spawnSync('ip', ['netns', 'add', this.name], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`ip netns add ${this.name}: ${result.stderr.trim()}`);
    // Suites call destroy() in their after hook; this is the net under a crash or timeout.
    live.add(this);
  }

  exists(): boolean {
    return existsSync(`/run/netns/${this.name}`);
  }

  /** Runs a command inside the namespace, killed after timeoutMs. */
  run(command: string, args: string[], { timeoutMs = 20_000, input }: { timeoutMs?: number; input?: string } = {}): RunResult {
    const result = spawnSync('ip', ['netns', 'exec', this.name, command, ...args], {
      encoding: 'utf8',
      timeout: timeoutMs,
      input,
      killSignal: 'SIGKILL',
    });
    if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw result.error;
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  }

  /** Starts `netstack up --netns <ours> ...args` and waits (bounded) for its "up" line. */
  async startNetstack(args: string[], { timeoutMs = START_TIMEOUT_MS }: { timeoutMs?: number } = {}): Promise<Netstack> {
    const child = spawn(process.execPath, [CLI, 'up', '--netns', this.name, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const mac = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`netstack did not come up in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      const check = () => {
        const match = /^netstack: up \S+ \S+ ([0-9a-f:]{17})$/m.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout!.on('data', check);
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`netstack exited (${code}) before coming up: ${stderr.trim()}`));
      });
    });
    return {
      mac,
      process: child,
      stdout: () => stdout,
      stderr: () => stderr,
      stop: async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout').unref());
        const code = await Promise.race([exited, timeout]);
        if (code === 'timeout') throw new Error(`netstack did not stop within ${STOP_TIMEOUT_MS} ms after SIGTERM`);
        return code;
      },
    };
  }

  /** Ends every process we started and any process left in the namespace, then deletes it. */
  destroy(): void {
    live.delete(this);
    for (const child of this.started) if (child.exitCode === null && child.pid) child.kill('SIGKILL');
    if (!this.exists()) return;
    const pids = spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split('\n').map(Number).filter((n) => n > 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    spawnSync('ip', ['netns', 'delete', this.name]);
  }
}

/** Number of replies in ping's summary ("20 packets transmitted, 20 received"). */
export function pingReceived(output: string): number {
  const match = /(\d+) (?:packets )?received/.exec(output);
  return match ? Number(match[1]) : -1;
}
