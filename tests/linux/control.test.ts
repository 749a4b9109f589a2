// `netstack ping/traceroute/show` against a running `netstack up` through its control socket,
// with the Linux side of the TAP as the peer. The clients run inside the namespace too (they
// only use the Unix socket, but nothing of ours runs in the root namespace).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, Netns, type Netstack, linuxSkip } from './netns-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsctl0';
const STACK_IP = '192.0.2.2';
const LINUX_IP = '192.0.2.1';

describe('control channel: ping, traceroute and show against a running stack', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;
  let runtimeDir: string;
  const savedXdg = process.env.XDG_RUNTIME_DIR;
  const socketPath = () => join(runtimeDir, 'netstack', `${TAP}.sock`);
  const cli = (args: string[]) => netns.run(process.execPath, [CLI, ...args], { timeoutMs: 30_000 });

  before(async () => {
    // The default socket path follows XDG_RUNTIME_DIR, inherited by `up` and the clients.
    runtimeDir = mkdtempSync(join(tmpdir(), 'netstack-ctl-'));
    process.env.XDG_RUNTIME_DIR = runtimeDir;
    netns = new Netns('ctl');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', `${LINUX_IP}/24`, '--echo', '--http']);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
    if (savedXdg === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = savedXdg;
    rmSync(runtimeDir, { recursive: true, force: true });
  });

  test('the control socket exists with mode 0600', () => {
    assert.ok(existsSync(socketPath()), socketPath());
    assert.ok(statSync(socketPath()).isSocket());
    assert.equal(statSync(socketPath()).mode & 0o777, 0o600);
  });

  test('netstack ping -c 3 to the Linux side: three replies, exit 0', () => {
    const result = cli(['ping', '--tap', TAP, LINUX_IP, '-c', '3', '-i', '100']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const replies = result.stdout.match(/^64 bytes from 192\.0\.2\.1: icmp_seq=\d+ ttl=64 time=\d+ ms$/gm) ?? [];
    assert.equal(replies.length, 3, result.stdout);
    assert.match(result.stdout, /^3 packets transmitted, 3 received, 0% packet loss$/m);
  });

  test('netstack ping -s 1000 -t 5 through an explicit --control path', () => {
    const result = cli(['ping', '--control', socketPath(), LINUX_IP, '-c', '1', '-s', '1000', '-t', '5']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^1008 bytes from 192\.0\.2\.1: /m);
  });

  test('netstack ping -s 4000 and -s 8184: requests in fragments, reassembled replies checked whole', () => {
    const result = cli(['ping', '--tap', TAP, LINUX_IP, '-c', '3', '-i', '100', '-s', '4000']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const replies = result.stdout.match(/^4008 bytes from 192\.0\.2\.1: icmp_seq=\d+ ttl=64 time=\d+ ms$/gm) ?? [];
    assert.equal(replies.length, 3, result.stdout);
    assert.match(result.stdout, /^3 packets transmitted, 3 received, 0% packet loss$/m);
    // The default module's largest: 8192 bytes of ICMP fill a reassembly slot exactly.
    const largest = cli(['ping', '--tap', TAP, LINUX_IP, '-c', '1', '-s', '8184']);
    assert.equal(largest.status, 0, largest.stdout + largest.stderr);
    assert.match(largest.stdout, /^8192 bytes from 192\.0\.2\.1: icmp_seq=\d+ ttl=64 time=\d+ ms$/m);
    const counters = cli(['show', '--tap', TAP, 'counters']);
    const value = (name: string) => Number(counters.stdout.match(new RegExp(`^${name} +(\\d+)$`, 'm'))?.[1] ?? 0);
    // 3 + 6 fragments per request and per reply.
    assert.equal(value('ipv4_tx_fragmented'), 4, counters.stdout);
    assert.equal(value('ipv4_tx_fragments'), 3 * 3 + 6, counters.stdout);
    assert.equal(value('ipv4_reasm_datagrams'), 4, counters.stdout);
  });

  test('a size above the reassembly slot is refused by the stack: one line, exit 1', () => {
    const result = cli(['ping', '--tap', TAP, LINUX_IP, '-c', '1', '-s', '8185']);
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /^netstack: ping: size 8185 above this stack's maximum 8184\n$/);
  });

  test('netstack traceroute to the Linux side: one hop, reached', () => {
    const result = cli(['traceroute', '--tap', TAP, LINUX_IP, '-q', '2']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const hops = result.stdout.split('\n').filter((line) => /^\s*\d+ /.test(line));
    assert.equal(hops.length, 1, result.stdout);
    assert.match(hops[0], /^ 1  192\.0\.2\.1  \d+ ms  \d+ ms$/);
  });

  test("netstack show arp lists Linux's MAC for its address", () => {
    const mac = netns.run('cat', [`/sys/class/net/${TAP}/address`]).stdout.trim();
    assert.match(mac, /^[0-9a-f:]{17}$/);
    const result = cli(['show', '--tap', TAP, 'arp']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^192\\.0\\.2\\.1 dev ${TAP} lladdr ${mac} (REACHABLE|STALE|PROBE)$`, 'm'));
  });

  test('netstack show counters prints the ICMP counters as "name value"', () => {
    const result = cli(['show', '--tap', TAP, 'counters']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^icmp_probe_tx +\d+$/m);
    const replies = Number(/^icmp_rx_echo_reply +(\d+)$/m.exec(result.stdout)?.[1]);
    assert.ok(replies >= 3, result.stdout);
    assert.ok(result.stdout.split('\n').filter(Boolean).every((line) => /^\w+ +\d+$/.test(line)));
  });

  test('netstack show sockets lists the services started by up (echo, http)', () => {
    const result = cli(['show', '--tap', TAP, 'sockets']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Netid +State +Local Address:Port +Peer Address:Port$/m);
    assert.match(result.stdout, /^udp +UNCONN +\*:7 +\*:\*$/m);
    assert.match(result.stdout, /^tcp +LISTEN +\*:7 +\*:\*$/m);
    assert.match(result.stdout, /^tcp +LISTEN +\*:80 +\*:\*$/m);
  });

  test('netstack show route lists the connected subnet', () => {
    const result = cli(['show', '--tap', TAP, 'route']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `192.0.2.0/24 dev ${TAP} proto kernel scope link src ${STACK_IP}\n`);
  });

  test('after up exits, the socket is gone and a client says so in one line (exit 1)', async () => {
    assert.equal(await netstack.stop(), 0, netstack.stderr());
    assert.ok(!existsSync(socketPath()));
    const result = cli(['show', '--tap', TAP, 'arp']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^netstack: no control socket at \S+ \(is "netstack up" running\?\)\n$/);
  });

  test('a stale socket file: one line, exit 1', () => {
    const stale = join(runtimeDir, 'stale.sock');
    const made = spawnSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(stale)})`]);
    assert.equal(made.status, 0, String(made.stderr));
    const result = cli(['ping', '--control', stale, LINUX_IP]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^netstack: stale control socket at \S+: no netstack is listening\n$/);
  });
});

describe('up --ping and --traceroute', { skip }, () => {
  let netns: Netns;
  let runtimeDir: string;

  before(() => {
    netns = new Netns('upping');
    runtimeDir = mkdtempSync(join(tmpdir(), 'netstack-upping-'));
  });
  after(() => {
    netns?.destroy();
    rmSync(runtimeDir, { recursive: true, force: true });
  });

  for (const [what, args, expect] of [
    ['--ping', ['--ping', LINUX_IP, '--count', '2'], /^2 packets transmitted, 2 received, 0% packet loss$/m],
    ['--traceroute', ['--traceroute', LINUX_IP], /^ 1  192\.0\.2\.1  \d+ ms  \d+ ms  \d+ ms$/m],
  ] as const) {
    test(`up ${what}: prints the result once up, then exits 0 and removes its socket`, { timeout: 60_000 }, async () => {
      const control = join(runtimeDir, `${what.slice(2)}.sock`);
      const netstack = await netns.startNetstack([
        '--tap', 'nsupp0', '--ip', `${STACK_IP}/24`, '--host-ip', `${LINUX_IP}/24`, '--control', control, ...args,
      ]);
      const code = await new Promise<number | null>((resolve) => {
        if (netstack.process.exitCode !== null) resolve(netstack.process.exitCode);
        else netstack.process.once('exit', resolve);
      });
      assert.equal(code, 0, netstack.stdout() + netstack.stderr());
      assert.match(netstack.stdout(), expect);
      assert.ok(!existsSync(control));
    });
  }
});
