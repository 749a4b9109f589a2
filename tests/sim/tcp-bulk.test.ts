// 10 MB each way with a SHA-256 check, on a clean wire and under loss, reordering,
// duplication and corruption; a reader that pauses (zero window) and resumes; more
// connections than the module has slots. The clock jumps from timer to timer, so long
// retransmission back-offs cost no wall time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Profile } from '../../host/abi.ts';
import { connect, createServer, type Socket } from '../../host/net.ts';
import type { ImpairOptions } from '../../host/nic/impair.ts';
import { counter } from './harness.ts';
import { A_IP, pair, payload, run, settle, sha256, Sink, writeAll } from './tcp-sim.ts';

const MB10 = 10 * 1024 * 1024;
const toServer = payload(MB10, 101);
const toClient = payload(MB10, 202);
const HASH_TO_SERVER = sha256(toServer);
const HASH_TO_CLIENT = sha256(toClient);
/** Virtual time allowed: 20 % loss with RTO back-off takes hours of it (and no wall time). */
const LIMIT_MS = 12 * 3_600_000;

/** 10 MB client -> server and 10 MB server -> client at once on one connection. */
async function transfer(profile: Profile, impairment: ImpairOptions, seed: number) {
  const sim = await pair({ profile, seed });
  let server: Sink | null = null;
  createServer(sim.a.stack, { allowHalfOpen: true }, (socket) => {
    server = new Sink(socket);
    writeAll(socket, toClient);
  }).listen(9000);
  await settle();
  sim.wire.set(impairment);
  const socket = connect(sim.b.stack, { host: A_IP, port: 9000, allowHalfOpen: true });
  const client = new Sink(socket);
  writeAll(socket, toServer);
  const s = () => server as Sink | null;
  const done = () => (client.closed && s()?.closed) || !!client.error || !!s()?.error;
  const finished = await run(sim.clock, done, LIMIT_MS);
  const giants = counter(sim.a.stack, 'eth_rx_giant') + counter(sim.b.stack, 'eth_rx_giant');
  const detail = `client ${client.bytes} B ${socket.tcpState}, server ${s()?.bytes} B; ${giants} giant frames; wire ${JSON.stringify(sim.wire.counts)}`;
  assert.ok(finished, `stalled: ${detail}`);
  assert.equal(client.error, null, detail);
  assert.equal(s()!.error, null, detail);
  assert.equal(s()!.bytes, MB10);
  assert.equal(s()!.digest(), HASH_TO_SERVER);
  assert.equal(client.bytes, MB10);
  assert.equal(client.digest(), HASH_TO_CLIENT);
  return sim;
}


const cases: { name: string; impairment: ImpairOptions; seed: number; check?: (sim: Awaited<ReturnType<typeof pair>>) => void }[] = [
  { name: 'clean wire', impairment: {}, seed: 1, check: ({ a, b }) => assert.equal(counter(a.stack, 'tcp_tx_retransmits') + counter(b.stack, 'tcp_tx_retransmits'), 0) },
  { name: '1 % loss', impairment: { lossChance: 0.01 }, seed: 2 },
  { name: '5 % loss', impairment: { lossChance: 0.05 }, seed: 3 },
  { name: '20 % loss', impairment: { lossChance: 0.2 }, seed: 4 },
  { name: 'reordering (10 % held back 5 ms)', impairment: { reorderChance: 0.1, reorderMs: 5 }, seed: 5 },
  { name: 'duplication (10 %)', impairment: { duplicateChance: 0.1 }, seed: 6 },
  {
    name: 'corruption (3 %)',
    impairment: { corruptChance: 0.03 },
    seed: 7,
    check: ({ a, b }) => assert.ok(counter(a.stack, 'tcp_rx_bad_checksum') + counter(b.stack, 'tcp_rx_bad_checksum') + counter(a.stack, 'ipv4_rx_bad_checksum') + counter(b.stack, 'ipv4_rx_bad_checksum') > 0),
  },
];

// desktop: 256 KiB rings (window scaling). default: 8 KiB rings, where windows are small.
for (const profile of ['desktop', 'default'] as const) {
  for (const c of cases) {
    test(`${profile}: 10 MB each way, SHA-256 checked: ${c.name}`, async () => {
      const sim = await transfer(profile, c.impairment, c.seed);
      c.check?.(sim);
    });
  }
}

test('a paused reader closes the window and holds the writer; resuming delivers everything', async () => {
  const { clock, a, b } = await pair();
  const data = payload(1 << 20, 303);
  let server: Socket | null = null;
  createServer(a.stack, (socket) => (server = socket)).listen(9001);
  await settle();
  const client = connect(b.stack, { host: A_IP, port: 9001 });
  const writer = writeAll(client, data, { chunk: 16384 });
  assert.ok(await run(clock, () => server !== null, 1_000));
  const reader = server! as Socket;
  reader.pause();
  // Nobody reads: the stream buffer, then the module's receive ring fill; the window closes
  // (down to less than the sender will fill: its silly-window avoidance waits for more).
  await run(clock, () => false, 30_000);
  assert.ok(a.stack.exports.tcp_recv_available(reader_handle(a)) > 0);
  assert.ok(!writer.done, 'back-pressure: the writer is still held');
  assert.ok(writer.written < data.length / 2, `the writer got ${writer.written} bytes out with nobody reading`);
  // Resume: everything arrives, in order.
  const sink = new Sink(reader);
  reader.resume();
  assert.ok(await run(clock, () => sink.closed, 120_000), `got ${sink.bytes}`);
  assert.equal(sink.bytes, data.length);
  assert.equal(sink.digest(), sha256(data));
  assert.equal(sink.error, null);
});

/** The handle of A's one accepted connection (slot scan: the listener is the other one). */
function reader_handle(node: { stack: { exports: { tcp_capacity(): number; tcp_slot_state(i: number): number } } }): number {
  for (let i = 0; i < node.stack.exports.tcp_capacity(); i++) if (node.stack.exports.tcp_slot_state(i) === 5) return i;
  return -1;
}

test('more connections than slots: the extra SYNs are refused, the others keep working', async () => {
  const { clock, a, b } = await pair();
  const accepted: Socket[] = [];
  createServer(a.stack, (socket) => {
    accepted.push(socket);
    socket.pipe(socket); // echo
  }).listen(9002);
  await settle();
  // A has tcp_capacity() slots, one of them the listener; B opens one connection per slot it has.
  const capacity = a.stack.exports.tcp_capacity();
  assert.equal(b.stack.exports.tcp_capacity(), capacity);
  const sinks: Sink[] = [];
  const sockets: Socket[] = [];
  for (let i = 0; i < capacity; i++) {
    const socket = connect(b.stack, { host: A_IP, port: 9002 });
    sockets.push(socket);
    sinks.push(new Sink(socket, true));
  }
  assert.ok(await run(clock, () => sinks.filter((s) => s.error).length + accepted.length === capacity, 5_000));
  const refused = sinks.filter((s) => s.error);
  assert.equal(refused.length, 1);
  assert.equal(refused[0].error!.code, 'ECONNREFUSED');
  assert.equal(accepted.length, capacity - 1);
  assert.equal(counter(a.stack, 'tcp_syn_no_connection'), 1);
  // The accepted ones echo.
  sockets.forEach((socket, i) => sinks[i].error || socket.end(`connection ${i}`));
  assert.ok(await run(clock, () => sinks.every((s) => s.closed), 10_000));
  sinks.forEach((s, i) => s.error || assert.equal(s.text(), `connection ${i}`));
});
