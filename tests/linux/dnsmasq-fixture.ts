// dnsmasq as the Linux-side server for the DHCP and DNS suites: a persistent TAP addressed and up
// before netstack opens it (so dnsmasq can bind to it first), and dnsmasq running in the suite's
// namespace only, with its PID file, log and lease file in a temporary directory of its own.
// stop() ends it by PID and removes the directory.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Netns } from './netns-fixture.ts';

const START_TIMEOUT_MS = 5_000;

/** Why dnsmasq cannot run here, or false. */
export const dnsmasqMissing: string | false = spawnSync('dnsmasq', ['--version']).error ? 'dnsmasq not installed (apt-get install dnsmasq-base)' : false;

export interface Dnsmasq {
  /** The temporary directory: dnsmasq's `log`, `pid` and `leases`, and room for the suite's own files. */
  dir: string;
  process: ChildProcess;
  log(): string;
  leases(): string;
  stop(): void;
}

/** Creates the persistent TAP `tap` in the namespace with address `cidr`, and brings it up. */
export function addServerTap(netns: Netns, tap: string, cidr: string): void {
  for (const args of [
    ['tuntap', 'add', 'dev', tap, 'mode', 'tap'],
    ['addr', 'add', cidr, 'dev', tap],
    ['link', 'set', 'dev', tap, 'up'],
  ]) {
    const result = netns.run('ip', args);
    assert.equal(result.status, 0, `ip ${args.join(' ')}: ${result.stderr}`);
  }
}

/** Starts dnsmasq (in the foreground, no config file, resolv.conf or hosts file) with `args`; resolves once it wrote its PID file. */
export async function startDnsmasq(netns: Netns, args: string[]): Promise<Dnsmasq> {
  const dir = mkdtempSync(join(tmpdir(), 'netstack-dnsmasq-'));
  const child = spawn('ip', ['netns', 'exec', netns.name, 'dnsmasq',
    '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts',
    `--log-facility=${join(dir, 'log')}`, `--pid-file=${join(dir, 'pid')}`, `--dhcp-leasefile=${join(dir, 'leases')}`, ...args,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');
  const stop = () => {
    // `ip netns exec` runs dnsmasq in its own process: the PID we hold is dnsmasq's.
    if (child.exitCode === null && child.pid) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  for (let waited = 0; !existsSync(join(dir, 'pid')); waited += 50) {
    if (waited > START_TIMEOUT_MS || child.exitCode !== null) {
      stop();
      throw new Error(`dnsmasq did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { dir, process: child, log: () => read('log'), leases: () => read('leases'), stop };
}
