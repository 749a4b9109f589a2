// TCP through host/net.ts between two stacks: handshake, data both ways, the module's echo
// service, a closed port answered with RST (ECONNREFUSED), and errors as Node-style codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TcpStateName } from '../../host/abi.ts';
import { connect, createServer, type Socket } from '../../host/net.ts';
import { counter } from './harness.ts';
import { A_IP, B_IP, pair, payload, run, sha256, Sink, settle } from './tcp-sim.ts';

test('handshake: connect emits connect, the server a connection with the right addresses', async () => {
  const { clock, a, b } = await pair();
  let accepted: Socket | null = null;
  const server = createServer(a.stack, (socket) => (accepted = socket));
  let listening = false;
  server.listen(8080, () => (listening = true));
  await settle();
  assert.ok(listening);
  assert.deepEqual(server.address(), { address: '0.0.0.0', family: 'IPv4', port: 8080 });
  let connected = false;
  const client = connect(b.stack, { host: A_IP, port: 8080 }, () => (connected = true));
  assert.ok(await run(clock, () => connected && accepted !== null, 5_000), 'handshake did not complete');
  assert.equal(client.remoteAddress, A_IP);
  assert.equal(client.remotePort, 8080);
  assert.ok(client.localPort! >= 49152);
  const s = accepted! as Socket;
  assert.equal(s.remoteAddress, B_IP);
  assert.equal(s.remotePort, client.localPort);
  assert.equal(s.localPort, 8080);
  assert.equal(client.tcpState, 'ESTABLISHED');
  assert.equal(s.tcpState, 'ESTABLISHED');
  assert.equal(counter(a.stack, 'tcp_tx_rst') + counter(b.stack, 'tcp_tx_rst'), 0);
});

test('data both ways: what one side writes the other reads, in order, then both end', async () => {
  const { clock, a, b } = await pair();
  let serverSink: Sink | null = null;
  createServer(a.stack, (socket) => {
    serverSink = new Sink(socket, true);
    socket.write('hello from A; ');
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
    socket.on('end', () => socket.end('bye from A'));
  }).listen(8081);
  await settle();
  const client = connect(b.stack, { host: A_IP, port: 8081 });
  const clientSink = new Sink(client, true);
  client.write('one ');
  client.write('two ');
  client.end('three');
  assert.ok(await run(clock, () => clientSink.closed && serverSink !== null && (serverSink as Sink).closed, 10_000));
  assert.equal((serverSink as unknown as Sink).text(), 'one two three');
  assert.equal(clientSink.text(), 'hello from A; ONE TWO THREEbye from A');
  assert.equal(clientSink.error, null);
  assert.equal(client.bytesWritten, 13);
  assert.equal(client.bytesRead, clientSink.bytes);
  assert.equal(counter(a.stack, 'tcp_tx_rst') + counter(b.stack, 'tcp_tx_rst'), 0);
});

test('the module\'s echo, discard and chargen services', async () => {
  const { clock, a, b } = await pair();
  assert.equal(a.stack.exports.service_tcp(1, 7), 0);
  assert.equal(a.stack.exports.service_tcp(2, 9), 0);
  assert.equal(a.stack.exports.service_tcp(3, 19), 0);
  const message = payload(100_000, 3);
  const echo = connect(b.stack, { host: A_IP, port: 7 });
  const echoed = new Sink(echo, true);
  echo.end(message);
  const discard = connect(b.stack, { host: A_IP, port: 9 });
  const discarded = new Sink(discard);
  let discardFinished = false;
  discard.end(Buffer.alloc(50_000, 1), () => (discardFinished = true));
  const chargen = connect(b.stack, { host: A_IP, port: 19 });
  const generated = new Sink(chargen, true);
  const done = () => echoed.bytes === message.length && discardFinished && generated.bytes >= 10_000;
  assert.ok(await run(clock, done, 10_000), `echoed ${echoed.bytes}, generated ${generated.bytes}`);
  assert.equal(sha256(Buffer.concat(echoed.kept)), sha256(message));
  assert.equal(discarded.bytes, 0);
  // RFC 864: 72 printable characters per line, each line starting one character later.
  const lines = generated.text().split('\r\n');
  assert.equal(lines[0], Array.from({ length: 72 }, (_, k) => String.fromCharCode(32 + k)).join(''));
  assert.equal(lines[1], Array.from({ length: 72 }, (_, k) => String.fromCharCode(32 + ((1 + k) % 95))).join(''));
  assert.deepEqual([echoed.error, discarded.error, generated.error], [null, null, null]);
});

test('a service closes its side after the client\'s FIN, and its slot is freed', async () => {
  const { clock, a, b } = await pair();
  assert.equal(a.stack.exports.service_tcp(1, 7), 0);
  const echo = connect(b.stack, { host: A_IP, port: 7 });
  const echoed = new Sink(echo, true);
  echo.end('ping');
  assert.ok(await run(clock, () => echoed.closed, 10_000), `client stuck in ${echo.tcpState}; server slot 1 ${TcpStateName[a.stack.exports.tcp_slot_state(1)]}`);
  assert.equal(echoed.text(), 'ping');
  assert.equal(echoed.ended, true);
});

test('connecting to a closed port is refused with a RST: ECONNREFUSED', async () => {
  const { clock, a, b } = await pair();
  const client = connect(b.stack, { host: A_IP, port: 4444 });
  const sink = new Sink(client);
  let connected = false;
  client.on('connect', () => (connected = true));
  assert.ok(await run(clock, () => sink.closed, 5_000));
  assert.equal(connected, false);
  assert.equal(sink.error?.code, 'ECONNREFUSED');
  assert.match(sink.error!.message, /connect ECONNREFUSED 192\.0\.2\.1:4444/);
  assert.equal(counter(a.stack, 'tcp_rx_no_socket'), 1);
  assert.equal(counter(a.stack, 'tcp_tx_rst'), 1);
  // The refused connection gave its slot back.
  for (let i = 0; i < b.stack.exports.tcp_capacity(); i++) assert.equal(TcpStateName[b.stack.exports.tcp_slot_state(i)], 'FREE');
});

test('usage and module errors become Error objects with codes', async () => {
  const { clock, a, b } = await pair();
  const first = createServer(a.stack).listen(8082);
  const second = createServer(a.stack).listen(8082);
  let inUse: (Error & { code?: string }) | null = null;
  second.on('error', (e) => (inUse = e));
  await settle();
  assert.equal(inUse!.code, 'EADDRINUSE');
  assert.equal(second.listening, false);
  assert.equal(first.listening, true);

  const errors: Record<string, string | undefined> = {};
  const record = (name: string, host: string, port: number) => {
    const socket = connect(b.stack, { host, port });
    socket.on('error', (e: Error & { code?: string }) => (errors[name] = e.code));
  };
  record('bad address', 'not-an-ip', 80);
  record('off-link without a gateway', '203.0.113.5', 80);
  record('broadcast', '255.255.255.255', 80);
  await settle();
  assert.deepEqual(errors, { 'bad address': 'EINVAL', 'off-link without a gateway': 'ENETUNREACH', broadcast: 'EINVAL' });
  assert.throws(() => connect(b.stack, { host: A_IP, port: 0 }), { code: 'ERR_SOCKET_BAD_PORT' });

  let closeError: (Error & { code?: string }) | undefined;
  first.close();
  first.close((e) => (closeError = e));
  await settle();
  assert.equal(closeError?.code, 'ERR_SERVER_NOT_RUNNING');
  assert.equal(first.address(), null);
  // The port is closed again: a connection is refused.
  const late = new Sink(connect(b.stack, { host: A_IP, port: 8082 }));
  assert.ok(await run(clock, () => late.closed, 5_000));
  assert.equal(late.error?.code, 'ECONNREFUSED');
});

test('every slot in use: the next connect fails with EMFILE', async () => {
  const { b } = await pair();
  const sockets: Socket[] = [];
  const codes: (string | undefined)[] = [];
  for (let i = 0; i <= b.stack.exports.tcp_capacity(); i++) {
    const socket = connect(b.stack, { host: A_IP, port: 5000 + i });
    socket.on('error', (e: Error & { code?: string }) => codes.push(e.code));
    sockets.push(socket);
  }
  await settle();
  assert.deepEqual(codes, ['EMFILE']);
  for (const socket of sockets) socket.destroy();
});

test("'close' carries Node's hadError: false after a clean end, true after a reset", async () => {
  const { clock, a, b } = await pair();
  assert.equal(a.stack.exports.service_tcp(1, 7), 0);
  const clean = connect(b.stack, { host: A_IP, port: 7 });
  clean.resume();
  let cleanHadError: boolean | undefined;
  clean.on('close', (hadError: boolean) => (cleanHadError = hadError));
  clean.end('bye');
  assert.ok(await run(clock, () => cleanHadError !== undefined, 5_000));
  assert.equal(cleanHadError, false);
  const refused = connect(b.stack, { host: A_IP, port: 4444 });
  refused.on('error', () => {});
  let refusedHadError: boolean | undefined;
  refused.on('close', (hadError: boolean) => (refusedHadError = hadError));
  assert.ok(await run(clock, () => refusedHadError !== undefined, 5_000));
  assert.equal(refusedHadError, true);
});
