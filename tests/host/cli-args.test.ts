// The routing options of `netstack up` (--iface, --route, --forward, --mtu): parsed, validated
// and rebuilt for the re-run inside a namespace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand, upArguments, UsageError } from '../../host/cli-args.ts';

const base = ['up', '--tap', 'r0', '--ip', '192.0.2.1/24'];

test('--iface, --route, --forward and --mtu parse into the up options', () => {
  const command = parseCommand([
    ...base, '--mtu', '1400', '--forward',
    '--iface', 'r1,ip=198.51.100.1/24,host-ip=198.51.100.2/24,netns=far,mtu=576',
    '--route', '203.0.113.0/24,via=198.51.100.2,metric=5',
  ]);
  assert.equal(command.name, 'up');
  if (command.name !== 'up') return;
  const o = command.options;
  assert.equal(o.mtu, 1400);
  assert.equal(o.forward, true);
  assert.deepEqual(o.ifaces, [{ tap: 'r1', ip: '198.51.100.1/24', hostIp: '198.51.100.2/24', netns: 'far', mac: undefined, mtu: 576 }]);
  assert.deepEqual(o.routes, [{ dst: '203.0.113.0/24', via: '198.51.100.2', metric: 5 }]);
  // Rebuilt arguments parse back to the same options.
  const again = parseCommand(upArguments(o, { withNetns: false }));
  assert.deepEqual(again, command);
});

test('without them: one interface, no routes, no forwarding', () => {
  const command = parseCommand(base);
  if (command.name !== 'up') throw new Error(command.name);
  assert.deepEqual([command.options.ifaces, command.options.routes, command.options.forward, command.options.mtu], [[], [], false, undefined]);
});

test('bad values are usage errors naming the option', () => {
  for (const [args, pattern] of [
    [['--mtu', '1501'], /--mtu/],
    [['--iface', 'r1,ip=198.51.100.1/24,mtu=100'], /mtu=/],
    [['--iface', 'r1,ip=198.51.100.1/24,ip=198.51.100.3/24'], /twice/],
    [['--iface', 'bad name,ip=198.51.100.1/24'], /TAP name/],
    [['--route', '203.0.113.0/24,via=198.51.100.300'], /via=/],
    [['--route', '203.0.113.0/24,gw=198.51.100.2'], /not one of/],
  ] as [string[], RegExp][]) {
    assert.throws(() => parseCommand([...base, ...args]), (error: Error) => error instanceof UsageError && pattern.test(error.message), args.join(' '));
  }
});

test('--vlan with --qinq SVID|any and --qinq-tpid parse and rebuild', () => {
  for (const [args, qinq, qinqTpid] of [
    [['--vlan', '100', '--qinq', '200'], 200, undefined],
    [['--vlan', '100', '--qinq', '200', '--qinq-tpid', '0x8100'], 200, 0x8100],
    [['--vlan', '100', '--qinq', '4094', '--qinq-tpid', '88A8'], 4094, 0x88a8],
    [['--vlan', '100', '--qinq', 'any'], 'any', undefined],
  ] as [string[], number | 'any', number | undefined][]) {
    const command = parseCommand([...base, ...args]);
    if (command.name !== 'up') throw new Error(command.name);
    assert.deepEqual([command.options.vlan, command.options.qinq, command.options.qinqTpid], [100, qinq, qinqTpid], args.join(' '));
    assert.deepEqual(parseCommand(upArguments(command.options, { withNetns: false })), command, args.join(' '));
  }
});

test('--qinq mistakes are usage errors naming the option', () => {
  for (const [args, pattern] of [
    [['--qinq', '200'], /--qinq needs --vlan/],
    [['--vlan', '100', '--qinq', '0'], /--qinq "0"/],
    [['--vlan', '100', '--qinq', '4095'], /--qinq "4095"/],
    [['--vlan', '100', '--qinq', 'some'], /--qinq "some"/],
    [['--vlan', '100', '--qinq', '200', '--qinq-tpid', '9100'], /--qinq-tpid "9100"/],
    [['--vlan', '100', '--qinq', 'any', '--qinq-tpid', '8100'], /--qinq-tpid needs --qinq SVID/],
    [['--vlan', '100', '--qinq-tpid', '88a8'], /--qinq-tpid needs --qinq SVID/],
  ] as [string[], RegExp][]) {
    assert.throws(() => parseCommand([...base, ...args]), (error: Error) => error instanceof UsageError && pattern.test(error.message), args.join(' '));
  }
});
