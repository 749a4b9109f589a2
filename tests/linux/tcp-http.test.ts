// The module's HTTP/1.1 server (app/http.ts) against Linux clients: curl fetches the status
// page, a 10 MB body checked by length and SHA-256, two URLs over one kept-alive connection;
// raw requests over socat pin pipelining, HEAD, 404/405/400/431 and when the server closes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip } from './netns-fixture.ts';
import { HeldConnection, httpPattern, runStreaming, sha256Of } from './tcp-fixture.ts';

const skip = linuxSkip();
const TAP = 'nshttp0';
const STACK_IP = '198.51.100.2';
const BASE = `http://${STACK_IP}`;
const BIG = 10_000_000;

describe('HTTP server through a TAP', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  before(async () => {
    netns = new Netns('http');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', '198.51.100.1/24', '--http']);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  const curl = (args: string[], timeoutMs = 10_000) => netns.run('curl', ['-sS', '-m', String(timeoutMs / 1000), ...args], { timeoutMs: timeoutMs + 2_000 });
  /** Raw bytes to port 80; socat waits (-t) for the server to close after our input ends. */
  const raw = (input: string) => netns.run('socat', ['-t', '30', '-T', '30', '-', `TCP:${STACK_IP}:80`], { input, timeoutMs: 8_000 });

  test('GET /status lists every counter and the connection table', () => {
    const result = curl(['-i', `${BASE}/status`]);
    assert.equal(result.status, 0, result.stderr);
    const [head, body] = result.stdout.split('\r\n\r\n', 2);
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nContent-Type: text\/plain/);
    assert.equal(Number(/\r\nContent-Length: (\d+)/.exec(head)?.[1]), Buffer.byteLength(body));
    assert.match(body, /^tcp_rx +\d+$/m);
    assert.match(body, /^eth_rx_frames +[1-9]\d*$/m);
    assert.match(body, /^http_requests +[1-9]\d*$/m);
    assert.match(body, /^ +\d+ +LISTEN +80 +-/m);
    // This very request's connection, seen from the stack.
    assert.match(body, /^ +\d+ +ESTABLISHED +80 +198\.51\.100\.1:\d+/m);
  });

  test('GET / is the status page too', () => {
    const result = curl([`${BASE}/`]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^netstack status/);
    assert.match(result.stdout, /^tcp_tx_segments +\d+$/m);
  });

  test(`GET /bytes/${BIG}: the whole body, length and SHA-256 as expected`, async (t) => {
    const result = await runStreaming(netns, 'curl', ['-sS', '-m', '30', `${BASE}/bytes/${BIG}`], { timeoutMs: 35_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.bytes, BIG);
    assert.equal(result.sha256, sha256Of(BIG, httpPattern));
    assert.equal(result.head.slice(0, 64), `${'0'.repeat(16)} abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST\n`);
    t.diagnostic(`10 MB in ${result.elapsedMs} ms`);
  });

  test('keep-alive: curl fetches two URLs over one connection', () => {
    const result = curl(['-v', `${BASE}/bytes/100`, `${BASE}/bytes/64`]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /Re-?using existing connection/i, result.stderr);
    assert.equal(result.stdout.length, 164);
    assert.equal(result.stdout.slice(100), result.stdout.slice(0, 64));
  });

  test('an unknown path is 404, and the connection stays usable', () => {
    const urls = [`${BASE}/nothing-here`, `${BASE}/bytes/x`, `${BASE}/status`];
    const result = curl(['-v', '-w', '%{http_code}\n', ...urls.flatMap((url) => ['-o', '/dev/null', url])]);
    assert.equal(result.stdout, '404\n404\n200\n', result.stderr);
    assert.match(result.stderr, /Re-?using existing connection/i);
  });

  test('a method other than GET or HEAD is 405 with Allow, and its body is skipped', () => {
    const request = 'POST /status HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello worldGET /bytes/3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
    const result = raw(request);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^HTTP\/1\.1 405 Method Not Allowed\r\n(?:.*\r\n)*Allow: GET, HEAD\r\n/);
    assert.match(result.stdout, /HTTP\/1\.1 200 OK\r\n(?:.*\r\n)*Connection: close\r\n\r\n000$/);
  });

  test('pipelined requests are answered in order; Connection: close ends it', () => {
    const request = ['/bytes/5', '/nope', '/bytes/2']
      .map((path, i) => `GET ${path} HTTP/1.1\r\nHost: a\r\n${i === 2 ? 'Connection: close\r\n' : ''}\r\n`)
      .join('');
    const result = raw(request);
    assert.equal(result.status, 0, result.stderr);
    const statuses = [...result.stdout.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '404', '200']);
    assert.match(result.stdout, /\r\n\r\n00000HTTP/);
    assert.match(result.stdout, /\r\n\r\n00$/);
  });

  test('HEAD: the headers with the Content-Length of the body, and no body', () => {
    const result = raw('HEAD /bytes/1000 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(result.stdout, /\r\nContent-Length: 1000\r\n/);
    assert.ok(result.stdout.endsWith('\r\n\r\n'), JSON.stringify(result.stdout));
  });

  test('HTTP/1.0 closes after the response unless keep-alive is asked', async () => {
    const plain = raw('GET /bytes/4 HTTP/1.0\r\n\r\n');
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /^HTTP\/1\.1 200 OK\r\n(?:.*\r\n)*Connection: close\r\n\r\n0000$/);
    const held = new HeldConnection(netns, `TCP:${STACK_IP}:80`);
    try {
      held.write('GET /bytes/4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      assert.match(await held.waitFor(/\r\n\r\n0000$/, 5_000), /\r\nConnection: keep-alive\r\n/);
      held.take();
      held.write('GET /bytes/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      assert.match(await held.waitFor(/\r\n\r\n00$/, 5_000), /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(held.running(), 'the server kept the connection');
    } finally {
      await held.close();
    }
  });

  const malformed: [string, string, string][] = [
    ['no version', 'GET /\r\n\r\n', '400'],
    ['lower-case version', 'GET / http/1.1\r\nHost: a\r\n\r\n', '400'],
    ['HTTP/2.0 request line', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', '505'],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', '400'],
    ['space before the colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', '400'],
    ['obsolete line folding', 'GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n', '400'],
    ['bad Content-Length', 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n', '400'],
    ['conflicting Content-Lengths', 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', '400'],
    ['chunked request body', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', '501'],
    ['binary garbage', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n', '400'],
  ];
  for (const [what, request, status] of malformed) {
    test(`${what}: ${status}, then the server closes`, () => {
      // More requests follow; the server must not answer them.
      const result = raw(`${request}GET / HTTP/1.1\r\nHost: a\r\n\r\n`);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.match(result.stdout, /\r\nConnection: close\r\n/);
      assert.equal([...result.stdout.matchAll(/HTTP\/1\.1 /g)].length, 1, result.stdout);
    });
  }

  test('a request head over 1 KiB is 431, then the server closes', () => {
    const result = raw(`GET / HTTP/1.1\r\nHost: a\r\nX-Filler: ${'x'.repeat(1200)}\r\n\r\n`);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  });

  test('a request line over 1 KiB is 414, then the server closes', () => {
    const result = raw(`GET /${'a'.repeat(1100)} HTTP/1.1\r\nHost: a\r\n\r\n`);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^HTTP\/1\.1 414 URI Too Long\r\n/);
  });

  test('after all that, every connection slot but the listener is free again', async () => {
    // Closed connections leave the table once the peer acknowledges our FIN.
    let body = '';
    for (let attempt = 0; attempt < 20; attempt++) {
      body = curl([`${BASE}/status`]).stdout;
      const busy = [...body.matchAll(/^ +\d+ +(\S+) /gm)].map((m) => m[1]).filter((s) => s !== 'FREE' && s !== 'LISTEN' && s !== 'state');
      // Only this request's own connection.
      if (busy.length <= 1) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const busy = [...body.matchAll(/^ +\d+ +(\S+) /gm)].map((m) => m[1]).filter((s) => s !== 'FREE' && s !== 'LISTEN');
    assert.deepEqual(busy, ['ESTABLISHED'], body);
  });

  test('stops cleanly; the counters show the traffic', async () => {
    assert.equal(await netstack.stop(), 0);
    assert.match(netstack.stderr(), /tcp_tx_segments=[1-9]/, netstack.stderr());
  });
});
