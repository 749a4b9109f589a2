// `netstack up --dhcp` against dnsmasq on the Linux side of the TAP: the lease, a renewal at a
// short T1, ping to the leased address, and an RFC 5227 conflict (the kernel answers for the
// address dnsmasq offers first) ending in a DECLINE and another address.
//
// The TAP is created (persistent) before netstack starts, so dnsmasq can bind to it; netstack
// then opens the existing device (dnsmasq-fixture.ts).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { addServerTap, type Dnsmasq, dnsmasqMissing, startDnsmasq } from './dnsmasq-fixture.ts';
import { Netns, type Netstack, linuxSkip, pingReceived } from './netns-fixture.ts';

const skip = linuxSkip() || dnsmasqMissing;
if (dnsmasqMissing && !linuxSkip()) console.log(`# skipping: ${dnsmasqMissing}`);
const TAP = 'nsdhcp0';
const SERVER = '192.0.2.1';

/** The TAP already up at 192.0.2.1/24 in the namespace, and dnsmasq serving DHCP on it. */
async function serve(netns: Netns, extra: string[]): Promise<Dnsmasq> {
  addServerTap(netns, TAP, `${SERVER}/24`);
  return startDnsmasq(netns, [
    '--port=0', `--interface=${TAP}`, '--bind-interfaces', '--log-dhcp',
    `--dhcp-option=option:router,${SERVER}`, `--dhcp-option=option:dns-server,${SERVER}`, ...extra,
  ]);
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
  let server: Dnsmasq | undefined;

  after(async () => {
    await netstack?.stop().catch(() => {});
    server?.stop();
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
    server.stop();
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
