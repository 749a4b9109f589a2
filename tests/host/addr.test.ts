// Address parsing: good input round-trips, bad input gets a one-line error naming it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIpv4, formatMac, parseCidr, parseIpv4, parseMac, randomMac } from '../../host/addr.ts';
import { makeRandom } from '../../host/runtime.ts';

test('IPv4 parses to host-order u32 and formats back', () => {
  assert.equal(parseIpv4('192.0.2.1'), 0xc0000201);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  assert.equal(parseIpv4('0.0.0.0'), 0);
  assert.equal(formatIpv4(0xc6336401), '198.51.100.1');
});

test('bad IPv4 addresses are refused with the text in the message', () => {
  for (const text of ['192.0.2', '192.0.2.1.5', '256.0.0.1', '1.2.3.-1', '1.2.3.a', '', ' 1.2.3.4', '1..2.3', '1.2.3.1234']) {
    assert.throws(() => parseIpv4(text), { message: `invalid IPv4 address "${text}"` });
  }
});

test('CIDR parses address and prefix; bad prefixes are refused', () => {
  assert.deepEqual(parseCidr('203.0.113.7/24'), { addr: 0xcb007107, prefix: 24 });
  assert.deepEqual(parseCidr('192.0.2.1/0'), { addr: 0xc0000201, prefix: 0 });
  for (const text of ['192.0.2.1', '192.0.2.1/33', '192.0.2.1/', '192.0.2.1/2/4', '/24']) {
    assert.throws(() => parseCidr(text), /invalid address\/prefix|invalid IPv4 address/, text);
  }
  assert.throws(() => parseCidr('192.0.2.300/24'), /invalid IPv4 address "192.0.2.300"/);
});

test('MAC parses to the two halves iface_set_mac takes and formats back', () => {
  assert.deepEqual(parseMac('02:00:5e:10:00:01'), [0x0200, 0x5e100001]);
  assert.deepEqual(parseMac('02-AB-cd-ef-01-ff'), [0x02ab, 0xcdef01ff]);
  assert.equal(formatMac(0x0200, 0x5e100001), '02:00:5e:10:00:01');
  assert.equal(formatMac(0x02ab, 0xcdef01ff), '02:ab:cd:ef:01:ff');
});

test('bad and multicast MACs are refused', () => {
  for (const text of ['02:00:00:00:00', '02:00:00:00:00:00:00', '02:00:00:00:00:zz', '0200.0000.0001', '02:00:00:00:00:100']) {
    assert.throws(() => parseMac(text), { message: `invalid MAC address "${text}" (expected like 02:00:00:00:00:01)` });
  }
  assert.throws(() => parseMac('01:00:5e:00:00:01'), /is multicast/);
  assert.throws(() => parseMac('ff:ff:ff:ff:ff:ff'), /is multicast/);
});

test('randomMac is locally administered unicast and seeded', () => {
  const a = randomMac(makeRandom(11));
  assert.equal(a, randomMac(makeRandom(11)));
  const [hi] = parseMac(a); // throws if multicast
  assert.equal(hi >> 8, 0x02);
});
