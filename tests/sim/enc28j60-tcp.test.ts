// TCP through the driver and the chip model: 1 MB each way on one connection between a
// frame-nic stack and the ENC stack, SHA-256 checked, with the chip's INT pin waking the host
// and with the module polling every millisecond instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, createServer } from '../../host/net.ts';
import { VirtualClock, Wire } from '../../host/nic/wire.ts';
import { arpRequestFrame } from './frames.ts';
import { addNode, counter } from './harness.ts';
import { addEncNode, ENC } from './enc28j60-harness.ts';
import { payload, run, settle, sha256, Sink, writeAll } from './tcp-sim.ts';

const MB = 1 << 20;
const toEnc = payload(MB, 701);
const fromEnc = payload(MB, 702);
const FRAME_NIC = { name: 'frame', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 71 };

for (const interrupt of [true, false]) {
  test(`1 MB each way between a frame-nic stack and the ENC stack, SHA-256 checked (${interrupt ? 'INT pin wakes the host' : 'polled every ms'})`, async (t) => {
    const clock = new VirtualClock(1_000);
    const wire = new Wire(clock, { seed: 1, delayMs: 1 });
    const enc = await addEncNode(wire, clock, { interrupt });
    let intEdges = 0;
    const wake = enc.chip.onInt;
    enc.chip.onInt = (asserted) => {
      if (asserted) intEdges++;
      wake?.(asserted);
    };
    const peer = await addNode(wire, clock, FRAME_NIC);
    assert.ok(clock.runUntil(() => enc.stack.nicStatus(0) === 'up', 20));
    peer.nic.send(arpRequestFrame(FRAME_NIC.mac, '192.0.2.1', ENC.ip)); // the ENC stack learns the peer
    clock.advance(10);

    let server: Sink | null = null;
    createServer(enc.stack, { allowHalfOpen: true }, (socket) => {
      server = new Sink(socket);
      writeAll(socket, fromEnc);
    }).listen(9000);
    await settle();
    const socket = connect(peer.stack, { host: ENC.ip, port: 9000, allowHalfOpen: true });
    const client = new Sink(socket);
    writeAll(socket, toEnc);
    const s = () => server as Sink | null;
    const startedAt = clock.now();
    const finished = await run(clock, () => (client.closed && !!s()?.closed) || !!client.error || !!s()?.error, 60_000);
    const counters = enc.stack.counters();
    const enc_ = Object.fromEntries(Object.entries(counters).filter(([k, v]) => v && (k.startsWith('enc_') || k === 'eth_tx_failed' || k === 'tcp_tx_retransmits')));
    const detail = `${intEdges} INT edges; client ${client.bytes} B, server ${s()?.bytes} B after ${clock.now() - startedAt} ms; ENC stack ${JSON.stringify(enc_)}; chip ${JSON.stringify(enc.chip.stats)}`;
    t.diagnostic(detail);
    assert.ok(finished, `stalled: ${detail}`);
    assert.equal(client.error, null, detail);
    assert.equal(s()!.error, null, detail);
    assert.equal(s()!.bytes, MB, detail);
    assert.equal(s()!.digest(), sha256(toEnc));
    assert.equal(client.bytes, MB, detail);
    assert.equal(client.digest(), sha256(fromEnc));
    for (const name of ['enc_rx_bad_status', 'enc_rx_resets', 'enc_rx_too_long', 'enc_rx_next_mismatch', 'enc_tx_errors', 'enc_tx_timeouts', 'eth_tx_failed']) {
      assert.equal(counters[name], 0, `${name}: ${detail}`);
    }
    assert.equal(enc.chip.stats.txAborts, 0);
    // Overflows are allowed: a poll that sends a window's worth of frames waits ~1.2 ms of wire
    // time per frame, and the ring holds ~5 ms of line-rate traffic. TCP recovers from them.
    if (interrupt) assert.ok(intEdges > 100, `${intEdges} INT edges`);
    assert.deepEqual(enc.chip.warnings, []);
    // What the chip put on the wire is what the stack sent (each frame once, none lost), once the
    // last frame's wire time has passed.
    clock.advance(20);
    assert.equal(enc.chip.stats.txFrames, counter(enc.stack, 'eth_tx_frames'));
  });
}
