// The CLI's contract for bad input: one line on stderr and exit status 2, before touching any
// network (so these run without root).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CLI } from './netns-fixture.ts';

const skip = existsSync('build/netstack.mjs') ? false : 'not built (npm run build)';
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 10_000 });

describe('netstack command line', { skip }, () => {
  const bad: [string, string[]][] = [
    ['unknown command', ['frobnicate']],
    ['unknown option', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--bogus']],
    ['missing --tap', ['up', '--ip', '192.0.2.2/24']],
    ['missing --ip', ['up', '--tap', 't0']],
    ['bad address', ['up', '--tap', 't0', '--ip', '192.0.2.300/24']],
    ['prefix too long', ['up', '--tap', 't0', '--ip', '192.0.2.2/33']],
    ['tap name too long', ['up', '--tap', 'a-name-much-too-long', '--ip', '192.0.2.2/24']],
    ['multicast MAC', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--mac', '01:00:5e:00:00:01']],
    ['bad profile', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--profile', 'huge']],
    ['chance above 1', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--drop-chance', '1.5']],
    ['negative delay', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--delay', '-1']],
    ['option without value', ['up', '--tap', 't0', '--ip']],
    ['demo with arguments', ['demo', '--tap', 'x']],
    ['unknown nic', ['up', '--nic', 'ne2000', '--tap', 't0', '--ip', '192.0.2.2/24']],
    ['spidev without --spi', ['up', '--nic', 'enc28j60-spidev', '--ip', '192.0.2.2/24']],
    ['spidev with a TAP', ['up', '--nic', 'enc28j60-spidev', '--spi', '/dev/spidev0.0', '--tap', 't0', '--ip', '192.0.2.2/24']],
    ['spidev with --netns', ['up', '--nic', 'enc28j60-spidev', '--spi', '/dev/spidev0.0', '--netns', 'x', '--ip', '192.0.2.2/24']],
    ['--spi not a spidev path', ['up', '--nic', 'enc28j60-spidev', '--spi', '/etc/passwd', '--ip', '192.0.2.2/24']],
    ['--spi without spidev', ['up', '--tap', 't0', '--spi', '/dev/spidev0.0', '--ip', '192.0.2.2/24']],
    ['SPI clock above 20 MHz', ['up', '--nic', 'enc28j60-sim', '--tap', 't0', '--spi-hz', '25000000', '--ip', '192.0.2.2/24']],
    ['--spi-hz on a TAP', ['up', '--tap', 't0', '--spi-hz', '8000000', '--ip', '192.0.2.2/24']],
    ['--full-duplex on a TAP', ['up', '--tap', 't0', '--full-duplex', '--ip', '192.0.2.2/24']],
    ['ping: bad address', ['ping', '--tap', 't0', '192.0.2.256']],
    ['ping: multicast address', ['ping', '--tap', 't0', '224.0.0.1']],
    ['ping: broadcast address', ['ping', '--tap', 't0', '255.255.255.255']],
    ['ping: no address', ['ping', '--tap', 't0']],
    ['ping: two addresses', ['ping', '--tap', 't0', '192.0.2.1', '192.0.2.3']],
    ['ping: count 0', ['ping', '--tap', 't0', '192.0.2.1', '-c', '0']],
    ['ping: count not a number', ['ping', '--tap', 't0', '192.0.2.1', '-c', 'three']],
    ['ping: TTL 256', ['ping', '--tap', 't0', '192.0.2.1', '-t', '256']],
    ['ping: negative size', ['ping', '--tap', 't0', '192.0.2.1', '-s', '-1']],
    ['ping: no stack named', ['ping', '192.0.2.1']],
    ['ping: --control and --tap', ['ping', '--control', '/tmp/x.sock', '--tap', 't0', '192.0.2.1']],
    ['traceroute: bad address', ['traceroute', '--tap', 't0', 'example']],
    ['traceroute: 0 hops', ['traceroute', '--tap', 't0', '192.0.2.1', '-m', '0']],
    ['show: unknown listing', ['show', '--tap', 't0', 'everything']],
    ['show: no listing', ['show', '--tap', 't0']],
    ['up: --count without --ping', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--count', '3']],
    ['up: --ping with a bad address', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--ping', '192.0.2']],
    ['up: --ping and --traceroute', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--ping', '192.0.2.1', '--traceroute', '192.0.2.1']],
    ['--dns not an address', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--dns', 'ns.example']],
    ['three --dns servers', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--dns', '192.0.2.1', '--dns', '192.0.2.3', '--dns', '192.0.2.4']],
    ['--resolve without --dns', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--resolve', 'ok.test']],
    ['--resolve with an empty label', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--dns', '192.0.2.1', '--resolve', 'ok..test']],
    ['--resolve with a 64-byte label', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--dns', '192.0.2.1', '--resolve', `${'a'.repeat(64)}.test`]],
    ['--resolve with a space', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--dns', '192.0.2.1', '--resolve', 'ok test']],
    ['VLAN ID 4095 (reserved)', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--vlan', '4095']],
    ['VLAN ID 0', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--vlan', '0']],
    ['--qinq without --vlan', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--qinq', '200']],
    ['--qinq S-VID 4095', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--vlan', '100', '--qinq', '4095']],
    ['--qinq-tpid 9100', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--vlan', '100', '--qinq', '200', '--qinq-tpid', '9100']],
    ['--join of a unicast address', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--join', '192.0.2.9']],
    ['--join of a bad address', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--join', '239.1.2']],
    ['--dhcp with --ip', ['up', '--tap', 't0', '--dhcp', '--ip', '192.0.2.2/24']],
    ['--dhcp with --gw', ['up', '--tap', 't0', '--dhcp', '--gw', '192.0.2.1']],
    ['--probe with --dhcp', ['up', '--tap', 't0', '--dhcp', '--probe']],
    ['--probe without --ip', ['up', '--tap', 't0', '--probe']],
    ['MTU below 576', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--mtu', '68']],
    ['--iface without ip=', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--iface', 't1,host-ip=198.51.100.2/24']],
    ['--iface with an unknown key', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--iface', 't1,ip=198.51.100.1/24,speed=10']],
    ['--iface reusing the TAP', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--iface', 't0,ip=198.51.100.1/24']],
    ['--iface on an ENC28J60', ['up', '--nic', 'enc28j60-sim', '--tap', 't0', '--ip', '192.0.2.2/24', '--iface', 't1,ip=198.51.100.1/24']],
    ['--route without via=', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--route', '203.0.113.0/24']],
    ['--http with the tiny profile', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--profile', 'tiny', '--http']],
    ['--forward with the tiny profile', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--profile', 'tiny', '--forward']],
    ['--route with a bad prefix', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--route', '203.0.113.0/40,via=192.0.2.1']],
  ];
  for (const [what, args] of bad) {
    test(`${what}: exit 2 with one line on stderr`, () => {
      const result = run(args);
      assert.equal(result.status, 2, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^netstack: [^\n]+\n$/);
    });
  }

  test('--help prints the usage and exits 0', () => {
    const result = run(['--help']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /netstack up --tap NAME --ip ADDR\/PREFIX/);
    assert.match(result.stdout, /--netns NAME/);
    assert.match(result.stdout, /--nic KIND/);
    assert.match(result.stdout, /--spi PATH/);
    assert.match(result.stdout, /netstack ping \[--control PATH \| --tap NAME\] ADDR/);
    assert.match(result.stdout, /netstack show \[--control PATH \| --tap NAME\] arp\|counters\|route\|sockets/);
    assert.match(result.stdout, /--dns SERVER/);
    assert.match(result.stdout, /--resolve NAME/);
    assert.match(result.stdout, /--vlan VID/);
    assert.match(result.stdout, /--qinq SVID\|any/);
    assert.match(result.stdout, /--join GROUP/);
    assert.match(result.stdout, /netstack up --tap NAME --dhcp/);
    assert.match(result.stdout, /--probe /);
  });

  test('a client with no stack behind its socket: one line, exit 1', () => {
    const result = run(['show', '--control', `/nonexistent-${process.pid}/netstack.sock`, 'arp']);
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^netstack: no control socket at [^\n]+\n$/);
  });
});
