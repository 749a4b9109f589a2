// TCP against a scripted raw endpoint, for exact segments: the TIME-WAIT entry (answers a
// retransmitted FIN, lasts 2 MSL, then the same 4-tuple connects again), simultaneous open,
// the RST of an abort, and a sender stuck behind a small window.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, createServer, type Socket } from '../../host/net.ts';
import type { Host } from './frames.ts';
import type { RawHost } from './harness.ts';
import { A_IP, ACK, B_IP, FIN, mssOption, pair, PSH, RAW, RST, run, settle, Sink, SYN, tcpFrame, tcpOf, type SegmentFields, type TcpSegment } from './tcp-sim.ts';

const A_HOST: Host = { mac: '02:00:00:00:00:0a', ip: A_IP };
const B_HOST: Host = { mac: '02:00:00:00:00:0b', ip: B_IP };

/** One side of a connection played by the raw host. */
class Script {
  constructor(
    private readonly raw: RawHost,
    private readonly to: Host,
    readonly localPort: number,
    public remotePort: number,
  ) {}

  send(fields: Omit<SegmentFields, 'srcPort' | 'dstPort'>): void {
    this.raw.send(tcpFrame(RAW, this.to, { srcPort: this.localPort, dstPort: this.remotePort, ...fields }));
  }

  /** Segments of this connection the raw host heard, oldest first. */
  heard(): TcpSegment[] {
    return this.raw
      .toMe()
      .map(tcpOf)
      .filter((t): t is TcpSegment => t !== null && t.dstPort === this.localPort && t.srcPort === this.remotePort);
  }
}

const ISN = 0x1000_0000;
const MSL_MS = 500;

/** The raw host opens a connection to a net.ts server on A; the server socket is handed back. */
async function rawToServer(localPort = 40000, isn = ISN) {
  const sim = await pair({ raw: true });
  const raw = sim.raw!;
  assert.equal(sim.a.stack.exports.tcp_set_msl(MSL_MS), 0);
  const accepted: Socket[] = [];
  createServer(sim.a.stack, { allowHalfOpen: true }, (socket) => accepted.push(socket)).listen(7100);
  await settle();
  const peer = new Script(raw, A_HOST, localPort, 7100);
  const iss = await handshake(sim.clock, peer, isn);
  assert.ok(await run(sim.clock, () => accepted.length === 1, 1_000), 'accepted');
  return { ...sim, raw, peer, accepted, iss };
}

/** SYN, SYN-ACK, ACK from the raw side; returns the server's ISS. */
async function handshake(clock: Parameters<typeof run>[0], peer: Script, isn: number): Promise<number> {
  const before = peer.heard().length;
  peer.send({ seq: isn, flags: SYN, window: 8192, options: mssOption(1460) });
  assert.ok(await run(clock, () => peer.heard().length > before, 1_000), 'no SYN-ACK');
  const synAck = peer.heard()[before];
  assert.equal(synAck.flags, SYN | ACK);
  assert.equal(synAck.ack, (isn + 1) >>> 0);
  assert.ok(synAck.checksumOk);
  peer.send({ seq: isn + 1, ack: synAck.seq + 1, flags: ACK, window: 8192 });
  return synAck.seq;
}

/** The server closes first; the raw side acknowledges and sends its FIN: A enters TIME-WAIT. */
async function intoTimeWait() {
  const sim = await rawToServer();
  const { clock, peer, accepted, iss } = sim;
  const server = accepted[0];
  const sink = new Sink(server);
  server.end();
  assert.ok(await run(clock, () => peer.heard().some((t) => t.flags & FIN), 1_000), 'no FIN from A');
  const fin = peer.heard().find((t) => t.flags & FIN)!;
  assert.equal(fin.seq, (iss + 1) >>> 0);
  peer.send({ seq: ISN + 1, ack: fin.seq + 1, flags: ACK, window: 8192 });
  peer.send({ seq: ISN + 1, ack: fin.seq + 1, flags: FIN | ACK, window: 8192 });
  const count = peer.heard().length;
  assert.ok(await run(clock, () => peer.heard().length > count, 1_000), 'our FIN was not acknowledged');
  const last = peer.heard()[count];
  assert.equal(last.flags, ACK);
  assert.equal(last.ack, (ISN + 2) >>> 0);
  assert.ok(await run(clock, () => sink.closed, 1_000));
  return { ...sim, finSeq: fin.seq, finAckedAt: clock.now() };
}

test('TIME-WAIT answers a retransmitted FIN with the same ACK', async () => {
  const { clock, peer, finSeq } = await intoTimeWait();
  await run(clock, () => false, MSL_MS);
  const count = peer.heard().length;
  peer.send({ seq: ISN + 1, ack: finSeq + 1, flags: FIN | ACK, window: 8192 });
  assert.ok(await run(clock, () => peer.heard().length > count, 100));
  const answer = peer.heard()[count];
  assert.equal(answer.flags, ACK);
  assert.equal(answer.seq, (finSeq + 1) >>> 0);
  assert.equal(answer.ack, (ISN + 2) >>> 0);
  // A RST does not end TIME-WAIT early (RFC 1337), and a bare ACK is not answered.
  peer.send({ seq: ISN + 2, flags: RST });
  peer.send({ seq: ISN + 2, ack: finSeq + 1, flags: ACK, window: 8192 });
  await run(clock, () => false, 50);
  assert.equal(peer.heard().length, count + 1);
  peer.send({ seq: ISN + 1, ack: finSeq + 1, flags: FIN | ACK, window: 8192 });
  assert.ok(await run(clock, () => peer.heard().length > count + 1, 100), 'the RST cut TIME-WAIT short');
  assert.equal(peer.heard()[count + 1].flags, ACK);
});

test('TIME-WAIT lasts 2 MSL from the last FIN; then the same 4-tuple connects again', async () => {
  const { clock, peer, finSeq, accepted, finAckedAt } = await intoTimeWait();
  const probe = () => peer.send({ seq: ISN + 2, ack: finSeq + 1, flags: ACK | PSH, window: 8192, data: Uint8Array.of(1) });
  // Just before 2 MSL the entry still answers (data gets an ACK, not a RST).
  await run(clock, () => false, finAckedAt + 2 * MSL_MS - 20 - clock.now());
  let count = peer.heard().length;
  probe();
  assert.ok(await run(clock, () => peer.heard().length > count, 10));
  assert.equal(peer.heard()[count].flags, ACK);
  // Just after, it is gone: the same segment meets the listener, which resets it.
  await run(clock, () => false, finAckedAt + 2 * MSL_MS + 20 - clock.now());
  count = peer.heard().length;
  probe();
  assert.ok(await run(clock, () => peer.heard().length > count, 10));
  assert.equal(peer.heard()[count].flags & RST, RST);
  // A new incarnation on the same 4-tuple, even with a lower ISN.
  const iss = await handshake(clock, peer, ISN - 100_000);
  assert.ok(await run(clock, () => accepted.length === 2, 1_000));
  const second = new Sink(accepted[1], true);
  peer.send({ seq: ISN - 100_000 + 1, ack: iss + 1, flags: ACK | PSH, window: 8192, data: Buffer.from('again') });
  assert.ok(await run(clock, () => second.bytes === 5, 1_000));
  assert.equal(second.text(), 'again');
});

test('TIME-WAIT lets a new SYN beyond the old sequence space open a new incarnation (RFC 6191)', async () => {
  const { clock, peer, accepted } = await intoTimeWait();
  await handshake(clock, peer, ISN + 1_000_000);
  assert.ok(await run(clock, () => accepted.length === 2, 1_000));
});

test('abort: the RST carries SEQ = SND.NXT (RFC 9293 3.10.5)', async () => {
  const { clock, peer, accepted, iss } = await rawToServer();
  const server = accepted[0];
  server.on('error', () => {});
  server.write('12345');
  assert.ok(await run(clock, () => peer.heard().some((t) => t.data.length === 5), 1_000));
  server.resetAndDestroy();
  assert.ok(await run(clock, () => peer.heard().some((t) => t.flags & RST), 1_000));
  const rst = peer.heard().find((t) => t.flags & RST)!;
  assert.equal(rst.seq, (iss + 1 + 5) >>> 0);
  assert.ok(rst.checksumOk);
});

test('a RST from the peer resets the socket: ECONNRESET', async () => {
  const { clock, peer, accepted, iss } = await rawToServer();
  const sink = new Sink(accepted[0]);
  peer.send({ seq: ISN + 1, ack: iss + 1, flags: RST | ACK });
  assert.ok(await run(clock, () => sink.closed, 1_000));
  assert.equal(sink.error?.code, 'ECONNRESET');
});

test('simultaneous open: SYNs cross, the client answers with SYN-ACK from its ISS and connects', async () => {
  const sim = await pair({ raw: true });
  const { clock, b } = sim;
  const raw = sim.raw!;
  const client = connect(b.stack, { host: RAW.ip, port: 5555 });
  const sink = new Sink(client, true);
  let connected = false;
  client.on('connect', () => (connected = true));
  const syns = () => raw.toMe().map(tcpOf).filter((t): t is TcpSegment => t !== null && t.dstPort === 5555);
  assert.ok(await run(clock, () => syns().length > 0, 1_000));
  const syn = syns()[0];
  assert.equal(syn.flags, SYN);
  const peer = new Script(raw, B_HOST, 5555, syn.srcPort);
  // Our SYN crosses theirs: it is not an answer, just a SYN of our own.
  peer.send({ seq: ISN, flags: SYN, window: 8192, options: mssOption(1460) });
  assert.ok(await run(clock, () => peer.heard().length > 1, 1_000));
  const synAck = peer.heard()[1];
  assert.equal(synAck.flags, SYN | ACK);
  assert.equal(synAck.seq, syn.seq, 'the SYN-ACK reuses the ISS');
  assert.equal(synAck.ack, (ISN + 1) >>> 0);
  assert.equal(connected, false);
  // RFC 9293 figure 8: our SYN-ACK, then data; the client is established and reads it.
  peer.send({ seq: ISN, ack: syn.seq + 1, flags: SYN | ACK, window: 8192, options: mssOption(1460) });
  peer.send({ seq: ISN + 1, ack: syn.seq + 1, flags: ACK | PSH, window: 8192, data: Buffer.from('crossed') });
  assert.ok(await run(clock, () => connected && sink.bytes === 7, 1_000), `client ${client.tcpState}`);
  assert.equal(sink.text(), 'crossed');
  client.write('ok');
  assert.ok(await run(clock, () => peer.heard().some((t) => t.data.length === 2), 1_000));
});

test('a sender behind a small window sends what fits whenever nothing is in flight (SWS override)', async () => {
  const sim = await pair({ raw: true });
  const { clock, b } = sim;
  const raw = sim.raw!;
  const client = connect(b.stack, { host: RAW.ip, port: 6000 });
  client.on('error', () => {});
  const heard = () => raw.toMe().map(tcpOf).filter((t): t is TcpSegment => t !== null && t.dstPort === 6000);
  assert.ok(await run(clock, () => heard().length > 0, 1_000));
  const syn = heard()[0];
  const peer = new Script(raw, B_HOST, 6000, syn.srcPort);
  peer.send({ seq: ISN, ack: syn.seq + 1, flags: SYN | ACK, window: 8192, options: mssOption(1460) });
  const total = 20_000;
  client.write(Buffer.alloc(total, 7));
  const sent = () => heard().filter((t) => t.data.length > 0);
  const acked = () => Math.max(0, ...sent().map((t) => t.seq - syn.seq - 1 + t.data.length));
  // The peer acknowledges everything with a window far below half the largest it offered
  // (8192), so silly-window avoidance would hold the data; with nothing in flight it must not.
  let small = -1;
  for (let round = 0; round < 60 && acked() < total; round++) {
    await run(clock, () => false, 50);
    if (small < 0) small = sent().length;
    peer.send({ seq: ISN + 1, ack: syn.seq + 1 + acked(), flags: ACK, window: 1000 });
  }
  assert.equal(acked(), total, 'everything went out through the small window');
  assert.ok(sent().slice(small + 1).every((t) => t.data.length <= 1000), 'no segment overran the advertised window');
});
