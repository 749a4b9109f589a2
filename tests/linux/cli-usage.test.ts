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
    ['MTU below 576', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--mtu', '68']],
    ['--iface without ip=', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--iface', 't1,host-ip=198.51.100.2/24']],
    ['--iface with an unknown key', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--iface', 't1,ip=198.51.100.1/24,speed=10']],
    ['--iface reusing the TAP', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--iface', 't0,ip=198.51.100.1/24']],
    ['--iface on an ENC28J60', ['up', '--nic', 'enc28j60-sim', '--tap', 't0', '--ip', '192.0.2.2/24', '--iface', 't1,ip=198.51.100.1/24']],
    ['--route without via=', ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--route', '203.0.113.0/24']],
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
  });
});
