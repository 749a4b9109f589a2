// More connections than the profile has slots: the default profile has tcp_capacity() 8, and
// the HTTP listener takes one. Seven kept-alive HTTP connections fill the table; the next SYN
// is refused with a RST (ECONNREFUSED) while the seven go on working; closing one frees its
// slot for a new connection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip } from './netns-fixture.ts';
import { HeldConnection } from './tcp-fixture.ts';

const skip = linuxSkip();
const TAP = 'nscap0';
const STACK_IP = '198.51.100.2';
const CAPACITY = 8;
const LISTENERS = 1;

describe('TCP connection table full', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;
  const held: HeldConnection[] = [];

  before(async () => {
    netns = new Netns('tcpcap');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', '198.51.100.1/24', '--http']);
  });
  after(async () => {
    await Promise.all(held.map((connection) => connection.close()));
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  /** One keep-alive request on a held connection; resolves to the response. */
  async function request(connection: HeldConnection, n: number): Promise<string> {
    connection.take();
    connection.write(`GET /bytes/${n} HTTP/1.1\r\nHost: a\r\n\r\n`);
    return connection.waitForResponse(5_000);
  }

  test(`${CAPACITY - LISTENERS} connections fill the table, each served`, async () => {
    for (let i = 0; i < CAPACITY - LISTENERS; i++) {
      const connection = new HeldConnection(netns, `TCP:${STACK_IP}:80`);
      held.push(connection);
      const response = await request(connection, 10 + i);
      assert.match(response, new RegExp(`^HTTP/1\\.1 200 OK\\r\\n(?:.*\\r\\n)*Content-Length: ${10 + i}\\r\\n`), connection.stderr);
    }
  });

  test('one more connection is refused with a RST (ECONNREFUSED), twice', () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = netns.run('socat', ['-u', '/dev/null', `TCP:${STACK_IP}:80`], { timeoutMs: 10_000 });
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /Connection refused/, result.stderr);
    }
  });

  test('the established connections keep working', async () => {
    for (const [i, connection] of held.entries()) {
      assert.ok(connection.running(), `connection ${i} still open`);
      const response = await request(connection, 100);
      assert.match(response, /^HTTP\/1\.1 200 OK\r\n/, `connection ${i}: ${response}`);
    }
  });

  test('the status page, over a held connection, shows the full table and the refusals', async () => {
    const connection = held[0];
    connection.take();
    connection.write('GET /status HTTP/1.1\r\nHost: a\r\n\r\n');
    const page = await connection.waitForResponse(5_000);
    const states = [...page.matchAll(/^ +\d+ +(\S+) /gm)].map((m) => m[1]);
    assert.equal(states.length, CAPACITY);
    assert.equal(states.filter((s) => s === 'LISTEN').length, LISTENERS);
    assert.equal(states.filter((s) => s === 'ESTABLISHED').length, CAPACITY - LISTENERS);
    assert.match(page, /^tcp_syn_no_connection +[2-9]\d*$/m);
  });

  test('closing one connection frees a slot for a new one', async () => {
    await held.pop()!.close();
    let result = { status: null as number | null, stdout: '', stderr: '' };
    // The slot is free once our FIN is acknowledged; allow a few round trips.
    for (let attempt = 0; attempt < 20; attempt++) {
      result = netns.run('curl', ['-sS', '-m', '5', `http://${STACK_IP}/bytes/8`], { timeoutMs: 7_000 });
      if (result.status === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '00000000');
  });

  test('stops cleanly', async () => {
    await Promise.all(held.splice(0).map((connection) => connection.close()));
    assert.equal(await netstack.stop(), 0);
    assert.match(netstack.stderr(), /tcp_tx_rst=[1-9]/, netstack.stderr());
  });
});
