// Every way a connection ends, through host/net.ts between two stacks: active and passive
// close, simultaneous close, half-close with data still flowing the other way, abort (RST),
// and destroy with unread data (RST, RFC 1122 4.2.2.13). Slots must all come back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TcpStateName } from '../../host/abi.ts';
import { connect, createServer, type Socket } from '../../host/net.ts';
import type { Stack } from '../../host/runtime.ts';
import { counter } from './harness.ts';
import { A_IP, FIN, pair, payload, recordSegments, RST, run, settle, sha256, Sink, writeAll } from './tcp-sim.ts';

const PORT = 7000;

/** Slot states other than FREE (and the listener), for "nothing leaked" checks. */
function busySlots(stack: Stack): string[] {
  const states: string[] = [];
  for (let i = 0; i < stack.exports.tcp_capacity(); i++) {
    const state = TcpStateName[stack.exports.tcp_slot_state(i)];
    if (state !== 'FREE' && state !== 'LISTEN') states.push(state);
  }
  return states;
}

/** A connected pair of sockets: client on B, server side on A. */
async function connected(options: { allowHalfOpen?: boolean; profile?: 'tiny' | 'default' | 'desktop' } = {}) {
  const sim = await pair({ profile: options.profile });
  let server: Socket | null = null;
  createServer(sim.a.stack, { allowHalfOpen: options.allowHalfOpen }, (socket) => (server = socket)).listen(PORT);
  await settle();
  const segments = recordSegments(sim.wire, sim.clock);
  const client = connect(sim.b.stack, { host: A_IP, port: PORT, allowHalfOpen: options.allowHalfOpen });
  let up = false;
  client.on('connect', () => (up = true));
  assert.ok(await run(sim.clock, () => up && server !== null, 5_000), 'handshake');
  return { ...sim, client, server: server! as Socket, segments };
}

const fins = (segments: { flags: number; from: string }[], from: string) => segments.filter((s) => s.from === from && s.flags & FIN).length;

test('active close: the client ends, the server follows; both close, no RST, every slot back', async () => {
  const { clock, a, b, client, server, segments } = await connected();
  const c = new Sink(client, true);
  const s = new Sink(server, true);
  client.end('last words');
  assert.ok(await run(clock, () => c.closed && s.closed, 5_000), `client ${client.tcpState}, server ${server.tcpState}`);
  assert.equal(s.text(), 'last words');
  assert.ok(c.ended && s.ended);
  assert.deepEqual([c.error, s.error], [null, null]);
  assert.equal(fins(segments, 'B'), 1);
  assert.equal(fins(segments, 'A'), 1);
  assert.equal(segments.filter((x) => x.flags & RST).length, 0);
  await run(clock, () => false, 1_000);
  assert.deepEqual(busySlots(a.stack), []);
  assert.deepEqual(busySlots(b.stack), []);
});

test('passive close: the server ends first, the client follows', async () => {
  const { clock, a, b, client, server, segments } = await connected();
  const c = new Sink(client, true);
  const s = new Sink(server, true);
  server.end('goodbye');
  assert.ok(await run(clock, () => c.closed && s.closed, 5_000), `client ${client.tcpState}, server ${server.tcpState}`);
  assert.equal(c.text(), 'goodbye');
  assert.ok(c.ended && s.ended);
  assert.deepEqual([c.error, s.error], [null, null]);
  assert.equal(segments.filter((x) => x.flags & RST).length, 0);
  await run(clock, () => false, 1_000);
  assert.deepEqual(busySlots(a.stack), []);
  assert.deepEqual(busySlots(b.stack), []);
});

test('simultaneous close: both end at the same instant, the FINs cross, both close cleanly', async () => {
  const { clock, a, b, client, server, segments } = await connected({ allowHalfOpen: true });
  const c = new Sink(client);
  const s = new Sink(server);
  client.end();
  server.end();
  assert.ok(await run(clock, () => c.closed && s.closed, 5_000), `client ${client.tcpState}, server ${server.tcpState}`);
  const finA = segments.find((x) => x.from === 'A' && x.flags & FIN)!;
  const finB = segments.find((x) => x.from === 'B' && x.flags & FIN)!;
  // They crossed: each FIN was sent before its sender had seen the other one.
  assert.equal(finA.at, finB.at);
  assert.equal(finA.ack, finB.seq);
  assert.equal(finB.ack, finA.seq);
  assert.equal(fins(segments, 'A'), 1);
  assert.equal(fins(segments, 'B'), 1);
  assert.ok(c.ended && s.ended);
  assert.deepEqual([c.error, s.error], [null, null]);
  assert.equal(segments.filter((x) => x.flags & RST).length, 0);
  await run(clock, () => false, 1_000);
  assert.deepEqual(busySlots(a.stack), []);
  assert.deepEqual(busySlots(b.stack), []);
});

test('half-close: after the client ends, the server still sends 1 MB, then ends', async () => {
  const { clock, client, server } = await connected({ allowHalfOpen: true });
  const data = payload(1 << 20, 11);
  const c = new Sink(client);
  const s = new Sink(server, true);
  let clientFinished = false;
  client.on('finish', () => (clientFinished = true));
  client.end('send me a megabyte');
  server.on('end', () => writeAll(server, data));
  assert.ok(await run(clock, () => c.closed && s.closed, 60_000), `got ${c.bytes}; client ${client.tcpState}, server ${server.tcpState}`);
  assert.ok(clientFinished);
  assert.equal(s.text(), 'send me a megabyte');
  assert.equal(c.bytes, data.length);
  assert.equal(c.digest(), sha256(data));
  assert.deepEqual([c.error, s.error], [null, null]);
});

test('half-close, Node default (allowHalfOpen false): the peer\'s FIN ends our side too', async () => {
  const { clock, client, server } = await connected();
  const c = new Sink(client);
  const s = new Sink(server);
  client.end();
  assert.ok(await run(clock, () => c.closed && s.closed, 5_000));
  assert.ok(c.ended && s.ended);
});

test('abort: resetAndDestroy sends a RST, the peer sees ECONNRESET', async () => {
  const { clock, a, b, client, server, segments } = await connected();
  const c = new Sink(client);
  const s = new Sink(server);
  client.write('about to vanish');
  await run(clock, () => s.bytes > 0, 1_000);
  client.resetAndDestroy();
  assert.ok(await run(clock, () => c.closed && s.closed, 5_000));
  assert.equal(c.error, null);
  assert.equal(s.error?.code, 'ECONNRESET');
  const resets = segments.filter((x) => x.flags & RST);
  assert.equal(resets.length, 1);
  assert.equal(resets[0].from, 'B');
  assert.equal(counter(b.stack, 'tcp_tx_rst'), 1);
  assert.equal(counter(a.stack, 'tcp_rx_rst'), 1);
  await run(clock, () => false, 1_000);
  assert.deepEqual(busySlots(a.stack), []);
  assert.deepEqual(busySlots(b.stack), []);
});

test('destroy(error) resets too: the local side reports its error, the peer ECONNRESET', async () => {
  const { clock, client, server } = await connected();
  const c = new Sink(client);
  const s = new Sink(server);
  server.destroy(new Error('server gave up'));
  assert.ok(await run(clock, () => c.closed && s.closed, 5_000));
  assert.equal(s.error?.message, 'server gave up');
  assert.equal(c.error?.code, 'ECONNRESET');
});

test('destroy with unread data in the module resets the connection (RFC 1122 4.2.2.13)', async () => {
  const { clock, b, client, server, segments } = await connected();
  client.pause();
  const s = new Sink(server);
  server.write(payload(100_000, 5));
  // The client reads nothing: the module's receive ring fills behind the paused stream.
  assert.ok(await run(clock, () => unread(b.stack) > 0 && s.error === null, 1_000));
  await run(clock, () => false, 100);
  client.destroy();
  assert.ok(await run(clock, () => s.closed, 5_000));
  assert.equal(s.error?.code, 'ECONNRESET');
  assert.equal(segments.filter((x) => x.from === 'B' && x.flags & RST).length, 1);
});

/** Bytes received and not yet read, over every held connection of a stack. */
function unread(stack: Stack): number {
  let bytes = 0;
  for (let i = 0; i < stack.exports.tcp_capacity(); i++) bytes += Math.max(0, stack.exports.tcp_recv_available(i));
  return bytes;
}

test('destroy() without unread data closes gracefully: the peer sees end, not a reset', async () => {
  const { clock, b, client, server } = await connected();
  const c = new Sink(client);
  const s = new Sink(server);
  client.destroy();
  assert.ok(await run(clock, () => c.closed && s.closed, 5_000), `server ${server.tcpState}, client slots ${busySlots(b.stack)}`);
  assert.ok(s.ended);
  assert.equal(s.error, null);
});

test('server.close() stops accepting; its close event waits for the open connection', async () => {
  const sim = await pair();
  const sockets: Socket[] = [];
  // resume(): like Node, a socket whose readable side nobody consumes never sees its end.
  const server = createServer(sim.a.stack, (socket) => sockets.push(socket.resume())).listen(PORT);
  await settle();
  const first = new Sink(connect(sim.b.stack, { host: A_IP, port: PORT }));
  assert.ok(await run(sim.clock, () => sockets.length === 1, 5_000), 'accepted');
  let closed = false;
  server.close(() => (closed = true));
  const refused = new Sink(connect(sim.b.stack, { host: A_IP, port: PORT }));
  assert.ok(await run(sim.clock, () => refused.closed, 5_000), 'refused');
  assert.equal(refused.error?.code, 'ECONNREFUSED');
  assert.equal(closed, false);
  sockets[0].end();
  assert.ok(await run(sim.clock, () => closed && first.closed, 5_000), `closed ${closed}, first ${first.closed} ${sockets[0].tcpState}`);
});
