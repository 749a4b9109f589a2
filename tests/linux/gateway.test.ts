// The stack behind a Linux router: `netstack up --gw` on a TAP in the near namespace
// (203.0.113.0/24), whose Linux side forwards over a veth pair into the far namespace
// (198.51.100.0/24). The stack's own clients cross it: `netstack traceroute` lists Linux as hop 1
// (its time exceeded) and the far namespace as hop 2, and `netstack ping -s 4000` sends its
// requests in fragments that Linux forwards, the far kernel reassembles and answers in fragments.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, Netns, type Netstack, linuxSkip } from './netns-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsgw0';
const STACK_IP = '203.0.113.2';
const LINUX_NEAR = '203.0.113.1';
const LINUX_ROUTER_FAR = '198.51.100.1';
const LINUX_FAR = '198.51.100.2';

describe('the stack behind a Linux router: traceroute and large pings through a gateway', { skip }, () => {
  let near: Netns;
  let far: Netns;
  let netstack: Netstack;
  let runtimeDir: string;
  const savedXdg = process.env.XDG_RUNTIME_DIR;
  const cli = (args: string[]) => near.run(process.execPath, [CLI, ...args], { timeoutMs: 30_000 });

  before(async () => {
    // The control socket's default path follows XDG_RUNTIME_DIR, inherited by `up` and the clients.
    runtimeDir = mkdtempSync(join(tmpdir(), 'netstack-gw-'));
    process.env.XDG_RUNTIME_DIR = runtimeDir;
    near = new Netns('gwnear');
    far = new Netns('gwfar');
    const steps: [Netns, string[]][] = [
      [near, ['ip', 'link', 'add', 'gwv0', 'type', 'veth', 'peer', 'name', 'gwv1', 'netns', far.name]],
      [near, ['ip', 'addr', 'add', `${LINUX_ROUTER_FAR}/24`, 'dev', 'gwv0']],
      [near, ['ip', 'link', 'set', 'gwv0', 'up']],
      [near, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']],
      [far, ['ip', 'addr', 'add', `${LINUX_FAR}/24`, 'dev', 'gwv1']],
      [far, ['ip', 'link', 'set', 'gwv1', 'up']],
      [far, ['ip', 'route', 'add', '203.0.113.0/24', 'via', LINUX_ROUTER_FAR]],
    ];
    for (const [ns, [command, ...args]] of steps) {
      const result = ns.run(command, args);
      assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
    }
    netstack = await near.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', `${LINUX_NEAR}/24`, '--gw', LINUX_NEAR]);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    near?.destroy();
    far?.destroy();
    if (savedXdg === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = savedXdg;
    if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
  });

  test('netstack traceroute: Linux at hop 1 (time exceeded), the far namespace reached at hop 2', () => {
    const result = cli(['traceroute', '--tap', TAP, LINUX_FAR, '-q', '2', '-m', '5']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const hops = result.stdout.split('\n').filter((line) => /^\s*\d+ /.test(line));
    assert.equal(hops.length, 2, result.stdout);
    assert.match(hops[0], /^ 1  203\.0\.113\.1  \d+ ms  \d+ ms$/);
    assert.match(hops[1], /^ 2  198\.51\.100\.2  \d+ ms  \d+ ms$/);
  });

  test('netstack ping -s 4000 through the gateway: three replies of 4008 bytes, TTL 63', () => {
    const result = cli(['ping', '--tap', TAP, LINUX_FAR, '-c', '3', '-i', '100', '-s', '4000']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const replies = result.stdout.match(/^4008 bytes from 198\.51\.100\.2: icmp_seq=\d+ ttl=63 time=\d+ ms$/gm) ?? [];
    assert.equal(replies.length, 3, result.stdout);
    assert.match(result.stdout, /^3 packets transmitted, 3 received, 0% packet loss$/m);
  });
});
