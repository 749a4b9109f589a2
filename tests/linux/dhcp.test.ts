// `netstack up --dhcp` against dnsmasq on the Linux side of the TAP: the lease, a renewal at a
// short T1, ping to the leased address, and an RFC 5227 conflict (the kernel answers for the
// address dnsmasq offers first) ending in a DECLINE and another address.
//
// The TAP is created (persistent) before netstack starts, so dnsmasq can bind to it; netstack
// then opens the existing device. dnsmasq runs in the suite's namespace only, with its lease
// file, PID file and log in a temporary directory, and is stopped by PID.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip, pingReceived } from './netns-fixture.ts';

const dnsmasqMissing = spawnSync('dnsmasq', ['--version']).error ? 'dnsmasq not installed (apt-get install dnsmasq-base)' : false;
const skip = linuxSkip() || dnsmasqMissing;
if (dnsmasqMissing && !linuxSkip()) console.log(`# skipping: ${dnsmasqMissing}`);
const TAP = 'nsdhcp0';
const SERVER = '192.0.2.1';

interface Server {
  dir: string;
  process: ChildProcess;
  log(): string;
  leases(): string;
}

/** A namespace with the TAP already up at 192.0.2.1/24, and dnsmasq serving DHCP on it. */
async function serve(netns: Netns, extra: string[]): Promise<Server> {
  for (const args of [
    ['tuntap', 'add', 'dev', TAP, 'mode', 'tap'],
    ['addr', 'add', `${SERVER}/24`, 'dev', TAP],
    ['link', 'set', 'dev', TAP, 'up'],
  ]) {
    const result = netns.run('ip', args);
    assert.equal(result.status, 0, `ip ${args.join(' ')}: ${result.stderr}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'netstack-dhcp-'));
  const child = spawn('ip', ['netns', 'exec', netns.name, 'dnsmasq',
    '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--port=0',
    `--interface=${TAP}`, '--bind-interfaces', '--log-dhcp', `--log-facility=${join(dir, 'log')}`,
    `--pid-file=${join(dir, 'pid')}`, `--dhcp-leasefile=${join(dir, 'leases')}`,
    `--dhcp-option=option:router,${SERVER}`, `--dhcp-option=option:dns-server,${SERVER}`, ...extra,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  // Ready once it wrote its PID file (bounded).
  for (let waited = 0; !existsSync(join(dir, 'pid')); waited += 50) {
    if (waited > 5_000 || child.exitCode !== null) throw new Error(`dnsmasq did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');
  return { dir, process: child, log: () => read('log'), leases: () => read('leases') };
}

function stopServer(server: Server | undefined): void {
  if (!server) return;
  // `ip netns exec` runs dnsmasq in its own process: the PID we hold is dnsmasq's.
  if (server.process.exitCode === null && server.process.pid) server.process.kill('SIGTERM');
  rmSync(server.dir, { recursive: true, force: true });
}

async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms && !done(); waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  return done();
}

const UP = /^netstack: up \S+ (192\.0\.2\.(\d+))\/24 ([0-9a-f:]{17})$/m;
const LEASE = /^netstack: dhcp lease (192\.0\.2\.\d+)\/24 router (\S+) dns (\S+) lease (\d+)s server (\S+)$/m;

describe('netstack up --dhcp against dnsmasq', { skip }, () => {
  let netns: Netns | undefined;
  let netstack: Netstack | undefined;
  let server: Server | undefined;

  after(async () => {
    await netstack?.stop().catch(() => {});
    stopServer(server);
    netns?.destroy();
  });

  test('gets a lease in the range, answers ping, and renews at T1', async () => {
    netns = new Netns('dhcp');
    // dnsmasq's shortest lease is 2 minutes; a 3 s T1 makes the renewal observable.
    server = await serve(netns, ['--dhcp-range=192.0.2.50,192.0.2.60,255.255.255.0,2m', '--dhcp-option=option:T1,3']);
    netstack = await netns.startNetstack(['--tap', TAP, '--dhcp']);
    const up = UP.exec(netstack.stdout());
    assert.ok(up, netstack.stdout());
    const [, addr, host] = up;
    assert.ok(Number(host) >= 50 && Number(host) <= 60, `${addr} is in the range`);
    const lease = LEASE.exec(netstack.stdout());
    assert.ok(lease, netstack.stdout());
    assert.deepEqual(lease.slice(1), [addr, SERVER, SERVER, '120', SERVER]);
    assert.equal(pingReceived(netns.run('ping', ['-n', '-c', '2', '-W', '2', addr]).stdout), 2);
    assert.match(server.leases(), new RegExp(`^\\d+ ${netstack.mac} ${addr.replace(/\./g, '\\.')} `, 'm'));
    // The renewal: a second REQUEST/ACK for the same address (unicast from it, so dnsmasq's
    // log names the address as the client's).
    const acks = () => server!.log().split('\n').filter((line) => line.includes(`DHCPACK(${TAP}) ${addr} ${netstack!.mac}`)).length;
    assert.ok(await waitFor(() => acks() >= 2, 8_000), server.log());
    assert.equal(pingReceived(netns.run('ping', ['-n', '-c', '1', '-W', '2', addr]).stdout), 1);
    await netstack.stop();
    netstack = undefined;
    stopServer(server);
    server = undefined;
    netns.destroy();
    netns = undefined;
  });

  test('declines an address the kernel already holds and gets another one', async () => {
    netns = new Netns('dhcpc');
    const mac = '02:00:5e:10:00:50';
    // 192.0.2.50 is reserved for our MAC, and also the kernel's own (on the namespace's loopback),
    // so the kernel answers our ARP probes for it on the TAP. --no-ping: dnsmasq would otherwise
    // see it in use and not offer it.
    const holder = netns.run('ip', ['addr', 'add', '192.0.2.50/32', 'dev', 'lo']);
    assert.equal(holder.status, 0, holder.stderr);
    server = await serve(netns, ['--dhcp-range=192.0.2.51,192.0.2.60,255.255.255.0,2m', `--dhcp-host=${mac},192.0.2.50`, '--no-ping']);
    // Probing (up to 7 s), the DECLINE's 10 s wait, and probing again.
    netstack = await netns.startNetstack(['--tap', TAP, '--dhcp', '--mac', mac], { timeoutMs: 40_000 });
    const up = UP.exec(netstack.stdout());
    assert.ok(up, netstack.stdout());
    assert.notEqual(up[1], '192.0.2.50');
    assert.match(server.log(), new RegExp(`DHCPDECLINE\\(${TAP}\\) 192\\.0\\.2\\.50 ${mac}`));
    assert.equal(pingReceived(netns.run('ping', ['-n', '-c', '1', '-W', '2', up[1]]).stdout), 1);
  });
});
