// Features compiled out per profile (assembly/config.ts FEATURE_*): the exports stay (one ABI),
// a switched-off one answers ENOSYS, and the CLI refuses to ask tiny for them.
// Needs the build (build/netstack-*.wasm).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Errno } from '../../host/abi.ts';
import { parseCommand, UsageError } from '../../host/cli-args.ts';
import { Stack } from '../../host/runtime.ts';

test('tiny: ip_forwarding(1) and service_http answer ENOSYS; turning forwarding off is fine', async () => {
  const stack = await Stack.load({ profile: 'tiny', seed: 1 });
  const ex = stack.exports;
  assert.equal(ex.iface_count(), 1);
  assert.equal(ex.ip_forwarding(1), Errno.ENOSYS);
  assert.equal(ex.ip_forwarding(0), 0);
  assert.equal(ex.service_http(80), Errno.ENOSYS);
  assert.equal(ex.service_http(0), Errno.ENOSYS);
  assert.throws(() => stack.setForwarding(true), /ip_forwarding failed with ENOSYS/);
  // What tiny keeps answers as before.
  assert.ok(ex.service_udp_echo(7) >= 0);
  assert.ok(ex.service_tcp(1, 7) >= 0);
});

for (const profile of ['default', 'desktop'] as const) {
  test(`${profile}: ip_forwarding and service_http work`, async () => {
    const stack = await Stack.load({ profile, seed: 1 });
    const ex = stack.exports;
    assert.equal(ex.ip_forwarding(1), 0);
    assert.equal(ex.ip_forwarding(0), 0);
    assert.equal(ex.service_http(80), 0);
    assert.equal(ex.service_http(0), 0);
  });
}

test('netstack up refuses --http and --forward with --profile tiny (a usage error)', () => {
  const base = ['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--profile', 'tiny'];
  assert.throws(() => parseCommand([...base, '--http']), (e) => e instanceof UsageError && /--http: the tiny profile has no HTTP server/.test(e.message));
  assert.throws(() => parseCommand([...base, '--forward']), (e) => e instanceof UsageError && /--forward: the tiny profile/.test(e.message));
  assert.equal(parseCommand([...base, '--echo']).name, 'up');
  assert.equal(parseCommand(['up', '--tap', 't0', '--ip', '192.0.2.2/24', '--http', '--forward']).name, 'up');
});
