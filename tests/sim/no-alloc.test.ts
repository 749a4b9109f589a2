// The release modules allocate nothing after start-up: 1,000,000 mixed frames (ARP, ping,
// UDP to the echo service, to a bound socket and to closed ports, broadcasts, IPv4 fragments
// reassembled, refused, evicted and timed out, TCP to a listening and to closed ports, garbage)
// and socket traffic (datagrams sent in fragments, ping probes of every size answered by
// fragmented replies) leave the memory size and the heap probe exactly where they were; so do
// the same frames double-tagged on a QinQ interface, real TCP connections between two modules,
// HTTP requests to the module's server, ping, UDP and traceroute through a third module that
// routes and fragments, frames through the ENC28J60 driver and chip model, and DHCP lease
// cycles (NAKs, DECLINEs, renewal, rebinding, expiry), RFC 5227 probes and defences, IGMP joins,
// queries and leaves, all on a VLAN-tagged interface.
// Runs the module bare (no Stack, no wire) so a million frames take seconds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PROFILES, type NetstackExports } from '../../host/abi.ts';
import { parseIpv4 } from '../../host/addr.ts';
import { VirtualClock } from '../../host/nic/wire.ts';
import { makeRandom, Stack, wasmPath, type Nic } from '../../host/runtime.ts';
import { Enc28j60 } from '../../host/sim/enc28j60.ts';
import { Enc28j60Bus } from '../../host/sim/enc28j60-bus.ts';
import { DhcpScript, dhcpOf } from './dhcp-server.ts';
import {
  arp,
  arpReplyFrame,
  arpRequestFrame,
  echoRequestFrame,
  ethernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  icmpEcho,
  igmp,
  ipv4,
  ipv4Fragments,
  parseFrame,
  PROTO_ICMP,
  PROTO_IGMP,
  PROTO_UDP,
  udp,
  udpFrame,
  type Host,
} from './frames.ts';
import { ACK, FIN, mssOption, PSH, RST, SYN, tcpFrame } from './tcp-sim.ts';
import { noSpiImports } from '../../host/spi/bus.ts';

const FRAMES = 1_000_000;
const SELF: Host = { mac: '02:00:00:00:00:0a', ip: '192.0.2.1' };
const ECHO_PORT = 7;
const SOCKET_PORT = 5000;
const TCP_ECHO_PORT = 7007;

async function instantiate(path: string, onTx?: (frame: Uint8Array, iface: number) => void, seed = 0xa110c) {
  let transmitted = 0;
  const random = makeRandom(seed);
  let memory: WebAssembly.Memory | null = null;
  const nic_tx = (iface: number, ptr: number, len: number) => {
    transmitted++;
    if (onTx) onTx(new Uint8Array(memory!.buffer, ptr, len).slice(), iface);
    return 0;
  };
  const imports = {
    hal: { nic_tx, log: () => {}, random: () => random() | 0, ...noSpiImports },
    env: {
      abort: () => {
        throw new Error('module abort');
      },
    },
  };
  const { instance } = await WebAssembly.instantiate(readFileSync(path), imports);
  memory = (instance.exports as unknown as NetstackExports).memory;
  return { ex: instance.exports as unknown as NetstackExports, transmitted: () => transmitted };
}

/**
 * The module's memory size and heap position now; check() asserts neither has moved since.
 * heap_top() advances by the same step on every call, so anything allocated in between shows.
 */
function allocationProbe(ex: NetstackExports, label = '') {
  const bytes = ex.memory.buffer.byteLength;
  const first = ex.heap_top();
  const second = ex.heap_top();
  const step = second - first;
  assert.ok(step > 0, `${label}heap_top() must advance on every call, or the probe proves nothing`);
  return {
    check(): void {
      assert.equal(ex.memory.buffer.byteLength, bytes, `${label}memory grew`);
      assert.equal(ex.heap_top() - second, step, `${label}something allocated on the heap`);
    },
  };
}

function counters(ex: NetstackExports): Record<string, number> {
  const names = Buffer.from(ex.memory.buffer, ex.counter_names(), ex.counter_names_bytes()).toString('latin1').split('\n');
  const values = new Uint32Array(ex.memory.buffer, ex.counters(), ex.counter_count());
  return Object.fromEntries(names.map((name, i) => [name, values[i]]));
}

/**
 * Fragments for the reassembly path: whole datagrams in and out of order (UDP to the socket and
 * the echo service, pings answered in fragments), duplicates, overlaps, a ping of death, and
 * datagrams left incomplete (evicted, or timed out with time exceeded).
 */
function fragmentFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const peer: Host = { mac: '02:00:00:00:00:98', ip: '192.0.2.98' };
  const send = (packets: Uint8Array[]) => packets.forEach((p) => frames.push(ethernet(SELF.mac, peer.mac, ETHERTYPE_IPV4, p)));
  const data = Uint8Array.from({ length: 1800 }, (_, k) => k * 3);
  const toSocket = ipv4Fragments(peer.ip, SELF.ip, PROTO_UDP, udp(peer.ip, SELF.ip, 1, SOCKET_PORT, data), 900, 744);
  send(toSocket);
  const again = ipv4Fragments(peer.ip, SELF.ip, PROTO_UDP, udp(peer.ip, SELF.ip, 1, SOCKET_PORT, data), 906, 744);
  send([again[2], again[0], again[0], again[1]]);
  send(ipv4Fragments(peer.ip, SELF.ip, PROTO_UDP, udp(peer.ip, SELF.ip, 1, ECHO_PORT, data.subarray(0, 1000)), 901, 520).reverse());
  send(ipv4Fragments(peer.ip, SELF.ip, PROTO_ICMP, icmpEcho(8, 1, 1, data), 902, 1480));
  const bigger = Uint8Array.from({ length: 4000 }, (_, k) => k * 5);
  send(ipv4Fragments(peer.ip, SELF.ip, PROTO_ICMP, icmpEcho(8, 1, 2, bigger), 907, 1480).reverse());
  const overlapping = ipv4Fragments(peer.ip, SELF.ip, PROTO_UDP, udp(peer.ip, SELF.ip, 1, SOCKET_PORT, data), 903, 744);
  send([overlapping[0], ipv4(peer.ip, SELF.ip, PROTO_UDP, data.subarray(0, 64), { id: 903, fragment: 0x2000 | 8 }), overlapping[1], overlapping[2]]);
  send([ipv4(peer.ip, SELF.ip, PROTO_UDP, data.subarray(0, 64), { id: 904, fragment: 0x1fff })]);
  // More datagrams left open than the desktop profile has slots: the oldest get evicted.
  for (let id = 910; id < 916; id++) send([ipv4(peer.ip, SELF.ip, PROTO_UDP, data.subarray(0, 64), { id, fragment: 0x2000 })]);
  return frames;
}

/** A few hundred distinct frames covering every receive path, plus damaged copies. */
function frameMix(frameMax: number): Uint8Array[] {
  const random = makeRandom(0x5eed);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    // Many senders: more than any profile's ARP cache holds, so entries get evicted and
    // replies wait in the ARP queue.
    const peer: Host = { mac: `02:00:00:00:01:${(i + 16).toString(16)}`, ip: `192.0.2.${10 + i}` };
    const data = Uint8Array.from({ length: 1 + ((i * 97) % 1400) }, (_, k) => k);
    frames.push(arpRequestFrame(peer.mac, peer.ip, SELF.ip));
    frames.push(ethernet(SELF.mac, peer.mac, ETHERTYPE_ARP, arp(2, peer.mac, peer.ip, SELF.mac, SELF.ip)));
    frames.push(arpRequestFrame(peer.mac, peer.ip, '192.0.2.200'));
    frames.push(echoRequestFrame(peer, SELF, i, i, data));
    frames.push(udpFrame(peer, SELF, 40000 + i, ECHO_PORT, data));
    frames.push(udpFrame(peer, SELF, 40000 + i, SOCKET_PORT, data.subarray(0, 200)));
    frames.push(udpFrame(peer, SELF, 40000 + i, 9000 + i, data.subarray(0, 30)));
    frames.push(udpFrame(peer, { mac: 'ff:ff:ff:ff:ff:ff', ip: '192.0.2.255' }, 68, 9999, data.subarray(0, 10)));
    frames.push(echoRequestFrame(peer, { mac: 'ff:ff:ff:ff:ff:ff', ip: '255.255.255.255' }, 1, i, data.subarray(0, 8)));
    // Off-link sender with no gateway configured: its replies have no route.
    frames.push(udpFrame({ ...peer, ip: `198.51.100.${i + 1}` }, SELF, 1, ECHO_PORT, data.subarray(0, 8)));
    // TCP: SYNs to the listening echo port and to closed ports, then segments of a
    // connection that may or may not exist (data, ACKs, FINs, RSTs) and malformed headers.
    const port = 30000 + i;
    const isn = 0x10000000 * (i % 16) + i;
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: TCP_ECHO_PORT, seq: isn, flags: SYN, options: mssOption(536 + i) }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: 8000 + i, seq: isn, flags: SYN }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: TCP_ECHO_PORT, seq: isn + 1, ack: i * 7919, flags: ACK }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: TCP_ECHO_PORT, seq: isn + 1, ack: i * 7919, flags: ACK | PSH, data: data.subarray(0, 100 + i) }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: TCP_ECHO_PORT, seq: isn + 1 + 100 + i, ack: i * 7919, flags: ACK | FIN }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: TCP_ECHO_PORT, seq: isn + 1, flags: RST }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: 8000 + i, seq: isn, ack: 1, flags: ACK | FIN }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: TCP_ECHO_PORT, seq: isn, flags: SYN, dataOffsetWords: 3 }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: TCP_ECHO_PORT, seq: isn, flags: SYN, dataOffsetWords: 15 }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: TCP_ECHO_PORT, seq: isn, flags: SYN, options: Uint8Array.of(2, 0, 0, 0) }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: TCP_ECHO_PORT, seq: isn, flags: SYN, options: Uint8Array.of(1, 1, 8, 40) }));
    frames.push(tcpFrame(peer, SELF, { srcPort: port, dstPort: TCP_ECHO_PORT, seq: isn, flags: SYN | ACK | FIN | RST, options: Uint8Array.of(5, 34, 0, 0) }));
  }
  frames.push(...fragmentFrames());
  frames.push(ethernet(SELF.mac, '02:00:00:00:00:99', ETHERTYPE_IPV4, ipv4('192.0.2.99', SELF.ip, 99, new Uint8Array(20))));
  frames.push(ethernet(SELF.mac, '02:00:00:00:00:99', ETHERTYPE_IPV4, ipv4('192.0.2.99', SELF.ip, PROTO_UDP, udp('192.0.2.99', SELF.ip, 1, 7, Uint8Array.of(1)), { fragment: 0x2000 })));
  frames.push(ethernet(SELF.mac, '02:00:00:00:00:99', 0x8100, new Uint8Array(60)));
  frames.push(new Uint8Array(frameMax + 1));
  const clean = frames.length;
  for (let i = 0; i < clean * 2; i++) {
    const frame = frames[random() % clean].slice();
    for (let f = 0, n = 1 + (random() % 3); f < n; f++) frame[random() % frame.length] ^= 1 + (random() % 255);
    frames.push(random() % 3 === 0 ? frame.subarray(0, random() % frame.length) : frame);
  }
  for (let i = 0; i < 50; i++) frames.push(Uint8Array.from({ length: random() % 200 }, () => random() & 0xff));
  return frames;
}

/**
 * A ping probe from the bare module to one of the mix's peers, answered (every other round) by
 * an echo reply in fragments carrying the probe's pattern; answered and timed-out slots are
 * released first. Returns 1 when the previous round's probe got its reply.
 */
function probeRound(ex: NetstackExports, memory: Uint8Array, round: number, sizes: number[], frames: { count: number }): number {
  let replies = 0;
  for (let slot = 0; slot < ex.probe_capacity(); slot++) {
    const state = ex.probe_state(slot);
    if (state === 2) replies++;
    if (state !== 0 && state !== 1) ex.probe_release(slot);
  }
  const peer: Host = { mac: '02:00:00:00:00:97', ip: `192.0.2.${10 + (round % 40)}` };
  const size = sizes[round % sizes.length];
  const slot = ex.probe_send(parseIpv4(peer.ip), size, 64, 1_000);
  if (slot < 0 || round % 2) return replies;
  const sequence = ex.probe_sequence(slot);
  const data = Uint8Array.from({ length: size }, (_, k) => sequence + k);
  const reply = icmpEcho(0, ex.probe_ident(), sequence, data);
  for (const packet of ipv4Fragments(peer.ip, SELF.ip, PROTO_ICMP, reply, 0x4000 + round, 1480)) {
    const frame = ethernet(SELF.mac, peer.mac, ETHERTYPE_IPV4, packet);
    memory.set(frame, ex.rx_buffer(0));
    ex.rx(0, frame.length);
    frames.count++;
  }
  return replies;
}

for (const profile of PROFILES) {
  test(`${profile}: ${FRAMES.toLocaleString('en')} mixed frames allocate nothing`, async () => {
    const { ex, transmitted } = await instantiate(wasmPath(profile));
    // Start a minute before the u32 millisecond clock wraps, so the run crosses the wrap.
    let now = 0xffff_0000;
    ex.poll(now);
    assert.ok(ex.iface_set_mac(0, 0x0200, 0x0000000a) >= 0);
    assert.ok(ex.iface_set_ipv4(0, parseIpv4(SELF.ip), 24, 0) >= 0);
    assert.ok(ex.iface_up(0) >= 0);
    assert.ok(ex.service_udp_echo(ECHO_PORT) >= 0);
    assert.ok(ex.service_tcp(1, TCP_ECHO_PORT) >= 0);
    const socket = ex.udp_open();
    assert.ok(socket >= 0 && ex.udp_bind(socket, 0, SOCKET_PORT) >= 0);
    // Tiny's io buffer holds one frame's worth: a smaller MTU makes its sends leave in fragments.
    if (profile === 'tiny') assert.equal(ex.iface_set_mtu(0, 576), 0);
    const sendBytes = Math.min(4000, ex.io_buffer_size());
    const probeBytes = [56, 1473, 4000, ex.probe_payload_max()].map((n) => Math.min(n, ex.probe_payload_max()));
    let probeReplies = 0;
    const probeFrames = { count: 0 };
    const frames = frameMix(ex.frame_max());
    const rxPtr = ex.rx_buffer(0);
    const ioPtr = ex.io_buffer();
    const probe = allocationProbe(ex);

    // The view is made once: if memory grew, the old buffer detaches and writes would throw.
    const memory = new Uint8Array(ex.memory.buffer);
    for (let i = 0; i < FRAMES; i++) {
      const frame = frames[i % frames.length];
      const len = Math.min(frame.length, ex.frame_max());
      memory.set(frame.subarray(0, len), rxPtr);
      ex.rx(0, frame.length > len ? len + 1 : len);
      if (i % 64 === 0) {
        now = (now + 7) >>> 0; // timers: ARP retries and give-ups, token refills, cache expiry
        ex.poll(now);
      }
      if (i % 100_000 === 50_000) {
        // A quiet spell longer than the reassembly timeout: incomplete datagrams expire.
        now = (now + 31_000) >>> 0;
        ex.poll(now);
      }
      if (i % 500 === 0) {
        // Let the socket ring fill in between, then drain it; send to resolved and unresolved peers.
        while (ex.udp_recvfrom(socket) >= 0);
        // Every other datagram larger than the MTU: sent in fragments.
        const bytes = i % 1000 === 0 ? sendBytes : 100;
        memory.fill(0x42, ioPtr, ioPtr + bytes);
        ex.udp_sendto(socket, parseIpv4(`192.0.2.${10 + (i % 60)}`), 9, bytes);
      }
      if (i % 2_000 === 1_000) probeReplies += probeRound(ex, memory, (i - 1_000) / 2_000, probeBytes, probeFrames);
    }

    probe.check();
    assert.ok(probeReplies > 0, 'no probe was answered');
    const seen = counters(ex);
    assert.equal(seen.eth_rx_frames, FRAMES + probeFrames.count);
    for (const name of ['tcp_rx', 'tcp_tx_rst', 'tcp_rx_no_socket', 'tcp_rx_bad_header_length', 'tcp_rx_bad_option', 'tcp_rx_bad_checksum', 'arp_tx_reply', 'icmp_tx_echo_reply', 'icmp_tx_unreachable', 'udp_rx', 'udp_tx', 'arp_resolve_failed', 'ipv4_rx_bad_checksum', 'eth_rx_runt', 'eth_rx_giant', 'ipv4_reasm_datagrams', 'ipv4_reasm_timeouts', 'ipv4_reasm_duplicates', 'ipv4_reasm_overlaps', 'ipv4_reasm_too_long', 'ipv4_reasm_evicted', 'icmp_tx_time_exceeded', 'ipv4_tx_fragmented', 'icmp_probe_tx', 'icmp_probe_timeout']) {
      assert.ok(seen[name] > 0, `path not exercised: ${name} = ${seen[name]}`);
    }
    assert.ok(transmitted() > 0);
  });
}

/** frame with tags (TPID, VID pairs, outermost first) inserted after the addresses. */
function withTags(frame: Uint8Array, tags: [number, number][]): Uint8Array {
  if (frame.length < 12) return frame;
  const out = new Uint8Array(frame.length + 4 * tags.length);
  out.set(frame.subarray(0, 12));
  tags.forEach(([tpid, vid], i) => out.set([tpid >> 8, tpid & 0xff, vid >> 8, vid & 0xff], 12 + 4 * i));
  out.set(frame.subarray(12), 12 + 4 * tags.length);
  return out;
}

/** The frame mix double-tagged for S-VID 200 / C-VID 100, with wrong outer and inner VIDs and triple tags among them. */
function qinqMix(frameMax: number): Uint8Array[] {
  const variants: [number, number][][] = [
    [[0x88a8, 200], [0x8100, 100]],
    [[0x88a8, 200], [0x8100, 100]],
    [[0x88a8, 200], [0x8100, 100]],
    [[0x8100, 200], [0x8100, 100]],
    [[0x88a8, 201], [0x8100, 100]],
    [[0x88a8, 200], [0x8100, 101]],
    [[0x88a8, 200], [0x8100, 100], [0x8100, 100]],
    [[0x8100, 100]],
  ];
  return frameMix(frameMax).map((frame, i) => withTags(frame, variants[i % variants.length]));
}

for (const profile of PROFILES) {
  test(`${profile}: ${(FRAMES / 5).toLocaleString('en')} double-tagged frames on a QinQ interface allocate nothing`, async () => {
    let doubleTagged = 0;
    const { ex, transmitted } = await instantiate(wasmPath(profile), (frame) => {
      if (frame[12] === 0x88 && frame[13] === 0xa8 && frame[16] === 0x81 && frame[17] === 0x00) doubleTagged++;
    });
    let now = 0xffff_0000;
    ex.poll(now);
    assert.ok(ex.iface_set_mac(0, 0x0200, 0x0000000a) >= 0);
    assert.ok(ex.iface_set_ipv4(0, parseIpv4(SELF.ip), 24, 0) >= 0);
    assert.equal(ex.iface_set_vlan(0, 100), 0);
    assert.equal(ex.iface_set_qinq(0, 200, 0x88a8), 0);
    assert.ok(ex.iface_up(0) >= 0);
    assert.ok(ex.service_udp_echo(ECHO_PORT) >= 0);
    assert.ok(ex.service_tcp(1, TCP_ECHO_PORT) >= 0);
    const frames = qinqMix(ex.frame_max());
    const rxPtr = ex.rx_buffer(0);
    const probe = allocationProbe(ex);
    const memory = new Uint8Array(ex.memory.buffer);
    for (let i = 0; i < FRAMES / 5; i++) {
      const frame = frames[i % frames.length];
      const len = Math.min(frame.length, ex.frame_max());
      memory.set(frame.subarray(0, len), rxPtr);
      ex.rx(0, frame.length > len ? len + 1 : len);
      if (i % 64 === 0) ex.poll((now = (now + 7) >>> 0));
    }
    probe.check();
    const seen = counters(ex);
    for (const name of ['eth_rx_qinq_outer_unknown', 'eth_rx_qinq_inner_unknown', 'eth_rx_qinq_triple', 'eth_rx_runt', 'eth_rx_giant', 'arp_tx_reply', 'icmp_tx_echo_reply', 'udp_tx', 'tcp_tx_rst', 'ipv4_reasm_datagrams']) {
      assert.ok(seen[name] > 0, `path not exercised: ${name} = ${seen[name]}`);
    }
    assert.ok(transmitted() > 0 && doubleTagged === transmitted(), `${doubleTagged} of ${transmitted()} sent double-tagged`);
  });
}

/**
 * Two release modules wired back to back (frames queued, then handed over, never re-entering
 * a module from its own nic_tx): connections opened, fed, read, half-closed, closed and
 * aborted through the socket exports, over and over, with the clock crossing the u32 wrap.
 */
for (const profile of PROFILES) {
  test(`${profile}: TCP connections between two modules allocate nothing`, async () => {
    const queues: Uint8Array[][] = [[], []];
    const nodes = [
      await instantiate(wasmPath(profile), (frame) => queues[1].push(frame), 1),
      await instantiate(wasmPath(profile), (frame) => queues[0].push(frame), 2),
    ].map(({ ex }) => ex);
    let now = 0xffff_0000;
    const addresses = ['192.0.2.1', '192.0.2.2'];
    nodes.forEach((ex, i) => {
      ex.poll(now);
      assert.ok(ex.iface_set_mac(0, 0x0200, 0x0a + i) >= 0);
      assert.ok(ex.iface_set_ipv4(0, parseIpv4(addresses[i]), 24, 0) >= 0);
      assert.ok(ex.iface_up(0) >= 0);
    });
    const [server, client] = nodes;
    const listener = server.tcp_open();
    assert.ok(listener >= 0 && server.tcp_listen(listener, 0, 8000, 4) >= 0);
    const deliver = () => {
      for (let rounds = 0; rounds < 1000 && (queues[0].length || queues[1].length); rounds++) {
        nodes.forEach((ex, i) => {
          const frames = queues[i].splice(0);
          for (const frame of frames) {
            new Uint8Array(ex.memory.buffer).set(frame, ex.rx_buffer(0));
            ex.rx(0, frame.length);
          }
        });
      }
    };
    const tick = (ms: number) => {
      now = (now + ms) >>> 0;
      for (const ex of nodes) ex.poll(now);
      deliver();
    };
    const probes = nodes.map((ex, i) => allocationProbe(ex, `node ${i}: `));
    const chunk = Math.min(1000, client.io_buffer_size());
    let echoedBytes = 0;
    let resets = 0;
    for (let round = 0; round < 300; round++) {
      const handle = client.tcp_open();
      assert.ok(handle >= 0, `round ${round}: tcp_open ${handle}`);
      assert.equal(client.tcp_connect(handle, parseIpv4(addresses[0]), 8000), 0);
      deliver();
      tick(1);
      let accepted = server.tcp_accept(listener);
      for (let i = 0; i < 10 && accepted < 0; i++) tick(10), (accepted = server.tcp_accept(listener));
      assert.ok(accepted >= 0, `round ${round}: nothing to accept (${accepted})`);
      for (let k = 0; k < 5; k++) {
        new Uint8Array(client.memory.buffer).fill(round & 0xff, client.io_buffer(), client.io_buffer() + chunk);
        client.tcp_send(handle, chunk);
        deliver();
        for (let n = server.tcp_recv(accepted); n > 0; n = server.tcp_recv(accepted)) {
          new Uint8Array(server.memory.buffer).copyWithin(server.io_buffer(), server.io_buffer(), server.io_buffer() + n);
          server.tcp_send(accepted, n);
        }
        tick(5);
        for (let n = client.tcp_recv(handle); n > 0; n = client.tcp_recv(handle)) echoedBytes += n;
      }
      if (round % 3 === 2) {
        // Abort: RST to the peer, which then closes its reset handle.
        client.tcp_abort(handle);
        tick(1);
        if (server.tcp_events(accepted) & 32) resets++;
        server.tcp_close(accepted);
      } else {
        client.tcp_shutdown(handle);
        tick(50);
        while (server.tcp_recv(accepted) > 0);
        // Both ways of ending the server side: close alone (FIN in the background), or
        // shutdown first.
        if (round % 2) server.tcp_shutdown(accepted);
        server.tcp_close(accepted);
        tick(50);
        while (client.tcp_recv(handle) > 0);
        client.tcp_close(handle);
      }
      tick(100);
      if (round % 50 === 0) tick(120_000); // TIME-WAIT entries expire, orphans time out
    }
    // The HTTP server under the same probe: keep-alive connections carrying pipelined requests
    // (the status page, a streamed body, a 404 and an unknown method). Tiny has none
    // (config.ts FEATURE_HTTP).
    server.tcp_close(listener);
    if (profile !== 'tiny') httpRounds(server, client, addresses[0], tick);
    for (const probe of probes) probe.check();
    assert.ok(echoedBytes > 0, 'no data went through');
    assert.ok(resets > 0, 'no abort was seen by the peer');
    assert.ok(counters(client).tcp_tx_segments > 0 && counters(server).tcp_rx > 0);
  });
}

/** HTTP requests from client to the server's port 80 (a default or desktop module): pipelined
 *  keep-alive requests over 30 connections, every response read. */
function httpRounds(server: NetstackExports, client: NetstackExports, serverIp: string, tick: (ms: number) => void): void {
  assert.equal(server.service_http(80), 0);
  const BODY = 20_000;
  const requests = Buffer.from(
    `GET /status HTTP/1.1\r\nHost: a\r\n\r\nGET /bytes/${BODY} HTTP/1.1\r\nHost: a\r\n\r\n` +
      'GET /nope HTTP/1.1\r\nHost: a\r\n\r\nBREW / HTTP/1.1\r\nHost: a\r\n\r\n',
  );
  let httpBytes = 0;
  for (let round = 0; round < 30; round++) {
    const handle = client.tcp_open();
    assert.ok(handle >= 0, `http round ${round}: tcp_open ${handle}`);
    assert.equal(client.tcp_connect(handle, parseIpv4(serverIp), 80), 0);
    for (let i = 0; i < 20 && !(client.tcp_events(handle) & 4); i++) tick(1);
    new Uint8Array(client.memory.buffer).set(requests, client.io_buffer());
    assert.equal(client.tcp_send(handle, requests.length), requests.length);
    for (let i = 0; i < 60; i++) {
      tick(5);
      for (let n = client.tcp_recv(handle); n > 0; n = client.tcp_recv(handle)) httpBytes += n;
    }
    client.tcp_close(handle);
    tick(100);
    if (round % 10 === 9) tick(120_000);
  }
  assert.ok(httpBytes > 30 * BODY, `HTTP responses incomplete: ${httpBytes} bytes`);
}

/**
 * Three release modules: A (192.0.2.1) and B (198.51.100.2, MTU 576) on two links with the
 * router R between them (forwarding on, MTU 576 towards B). A pings B with every probe size
 * up to its largest (fragmented by A, cut again by R, reassembled by B, answered in fragments
 * and reassembled by A), sends datagrams up to 8000 bytes to B's UDP echo and reads them back,
 * and sends TTL-1 probes that R answers with time exceeded. Tiny has one interface: no router.
 */
for (const profile of ['default', 'desktop'] as const) {
  test(`${profile}: ping, UDP and traceroute through a routing module allocate nothing`, async () => {
    // Frames queued per (module, interface), then handed over, never re-entering a module from its own nic_tx.
    const queues: [number, number, Uint8Array][] = [];
    const [a, r, b] = [
      await instantiate(wasmPath(profile), (frame) => queues.push([1, 0, frame]), 1),
      await instantiate(wasmPath(profile), (frame, iface) => queues.push(iface === 0 ? [0, 0, frame] : [2, 0, frame]), 2),
      await instantiate(wasmPath(profile), (frame) => queues.push([1, 1, frame]), 3),
    ].map(({ ex }) => ex);
    const nodes = [a, r, b];
    let now = 0xffff_0000;
    for (const ex of nodes) ex.poll(now);
    const setup = (ex: NetstackExports, iface: number, mac: number, cidr: string, gateway: string) => {
      const [ip, prefix] = cidr.split('/');
      assert.ok(ex.iface_set_mac(iface, 0x0200, mac) >= 0);
      assert.ok(ex.iface_set_ipv4(iface, parseIpv4(ip), Number(prefix), gateway ? parseIpv4(gateway) : 0) >= 0);
      assert.ok(ex.iface_up(iface) >= 0);
    };
    setup(a, 0, 0x0a, '192.0.2.1/24', '192.0.2.254');
    setup(r, 0, 0xf0, '192.0.2.254/24', '');
    setup(r, 1, 0xf1, '198.51.100.254/24', '');
    setup(b, 0, 0x0b, '198.51.100.2/24', '198.51.100.254');
    r.ip_forwarding(1);
    assert.equal(r.iface_set_mtu(1, 576), 0);
    assert.equal(b.iface_set_mtu(0, 576), 0);
    assert.ok(b.service_udp_echo(7) >= 0);
    const socket = a.udp_open();
    assert.ok(socket >= 0);
    const B = parseIpv4('198.51.100.2');
    const deliver = () => {
      for (let rounds = 0; rounds < 10_000 && queues.length; rounds++) {
        const [node, iface, frame] = queues.shift()!;
        const ex = nodes[node];
        new Uint8Array(ex.memory.buffer).set(frame, ex.rx_buffer(iface));
        ex.rx(iface, frame.length);
      }
    };
    const tick = (ms: number) => {
      now = (now + ms) >>> 0;
      for (const ex of nodes) ex.poll(now);
      deliver();
    };
    const probes = nodes.map((ex, i) => allocationProbe(ex, `node ${i}: `));
    // Up to 16000 bytes: a desktop-sized 65507 would reach B in 133 pieces (each 1480-byte
    // fragment cut in three), more than a reassembly slot tracks (REASM_FRAGMENTS_MAX 128).
    const probeSizes = [56, 1473, 4000, Math.min(a.probe_payload_max(), 16_000)];
    const udpSizes = [100, 3000, 8000];
    const answers = [0, 0, 0, 0, 0, 0];
    let echoed = 0;
    for (let round = 0; round < 400; round++) {
      const slot = a.probe_send(B, probeSizes[round % probeSizes.length], round % 5 === 4 ? 1 : 64, 1_000);
      const bytes = udpSizes[round % udpSizes.length];
      new Uint8Array(a.memory.buffer).fill(round & 0xff, a.io_buffer(), a.io_buffer() + bytes);
      a.udp_sendto(socket, B, 7, bytes);
      deliver();
      tick(5);
      for (let n = a.udp_recvfrom(socket); n >= 0; n = a.udp_recvfrom(socket)) if (n === bytes) echoed++;
      if (slot >= 0) {
        for (let i = 0; i < 250 && a.probe_state(slot) === 1; i++) tick(5);
        answers[a.probe_state(slot)]++;
        a.probe_release(slot);
      }
      if (round % 100 === 99) tick(120_000); // neighbours expire and are resolved again
    }
    for (const probe of probes) probe.check();
    // Replies to most probes (a few wait out a neighbour's resolution), time exceeded from R.
    assert.ok(answers[2] > 250, `probe replies: ${answers}`);
    assert.ok(answers[3] > 50, `time exceeded: ${answers}`);
    assert.ok(echoed > 300, `UDP echoes: ${echoed}`);
    const seenR = counters(r);
    assert.ok(seenR.ipv4_fwd_forwarded > 0 && seenR.ipv4_fwd_fragmented > 0 && seenR.icmp_tx_time_exceeded > 0, JSON.stringify(seenR));
    assert.ok(counters(a).ipv4_reasm_datagrams > 0 && counters(b).ipv4_tx_fragmented > 0);
    // R answers a TTL-1 probe about its first fragment only (RFC 1122 3.2.2): A sees no bad quotes.
    assert.equal(counters(a).icmp_rx_bad_quote, 0);
  });
}

/**
 * The same mix through the ENC28J60 path of the MCU profiles: the driver reads every frame out
 * of the chip model over SPI and sends every reply back into it. Fewer frames, as the model
 * decodes each SPI byte in JavaScript.
 */
const ENC_FRAMES = 200_000;
for (const profile of ['tiny', 'default'] as const) {
  test(`${profile}: ${ENC_FRAMES.toLocaleString('en')} frames through the ENC28J60 driver allocate nothing`, async () => {
    const clock = new VirtualClock(0xffff_0000);
    let sent = 0;
    const link: Nic = { send: () => void sent++, onFrame: null, close: () => {} };
    const chip = new Enc28j60({ nic: link, clock, rxTiming: 'instant', txTiming: 'instant' });
    const stack = await Stack.load({ wasm: wasmPath(profile), seed: 3, clock, spi: new Enc28j60Bus(chip) });
    const ex = stack.exports;
    stack.configure(0, { mac: SELF.mac, ip: `${SELF.ip}/24` });
    stack.attachEnc28j60(0);
    assert.ok(ex.service_udp_echo(ECHO_PORT) >= 0);
    assert.ok(ex.service_tcp(1, TCP_ECHO_PORT) >= 0);
    for (let i = 0; i < 5 && stack.nicStatus(0) === 'initialising'; i++) {
      clock.advance(1);
      stack.poll();
    }
    assert.equal(stack.nicStatus(0), 'up');
    stack.up(0);
    const frames = frameMix(ex.frame_max());
    const probe = allocationProbe(ex);
    for (let i = 0; i < ENC_FRAMES; i++) {
      chip.receive(frames[i % frames.length]);
      // A few frames per poll, as between two polls of a board; the clock crosses the u32 wrap.
      if (i % 3 === 0) {
        clock.advance(1);
        stack.poll();
      }
    }
    clock.advance(1);
    stack.poll();
    probe.check();
    const seen = stack.counters();
    assert.ok(seen.eth_rx_frames > ENC_FRAMES / 2, `frames read from the chip: ${seen.eth_rx_frames}`);
    for (const name of ['tcp_rx', 'icmp_tx_echo_reply', 'udp_tx', 'arp_tx_reply', 'eth_tx_frames']) {
      assert.ok(seen[name] > 0, `path not exercised: ${name} = ${seen[name]}`);
    }
    assert.equal(seen.eth_tx_failed, 0);
    assert.equal(sent, seen.eth_tx_frames);
    assert.deepEqual(chip.warnings, []);
  });
}

/**
 * A module on VLAN 100 against a scripted network (every frame tagged both ways): DHCP leases
 * got straight, after a NAK or after a DECLINE of an address the RFC 5227 probes found in use;
 * each lease then carries IGMP joins, queries of every version, another member's report and
 * leaves, plus pings and UDP echoes (also untagged and on another VLAN, both dropped); then
 * ends renewed at T1 and expired after a silent rebinding, defended once and lost to a second
 * conflict, NAKed at renewal, or released, followed by a probed static address (conflicting
 * every other time). The module clock runs through poll() in 100 ms steps across the u32 wrap.
 */
const LEASE_ROUNDS = 192;
const VID = 100;
for (const profile of PROFILES) {
  test(`${profile}: ${LEASE_ROUNDS} DHCP leases with probes, defences, IGMP and VLAN-tagged traffic allocate nothing`, async () => {
    const CLIENT_MAC = '02:00:00:00:00:0c';
    const SERVER: Host = { mac: '02:00:00:00:00:5e', ip: '192.0.2.254' };
    const PEER: Host = { mac: '02:00:00:00:00:77', ip: '192.0.2.9' };
    const HOLDER_MAC = '02:00:00:00:00:66';
    const STATIC = '192.0.2.200';
    const sent: Uint8Array[] = [];
    const { ex } = await instantiate(wasmPath(profile), (frame) => sent.push(frame), 5);
    let now = 0xffff_0000;
    ex.poll(now);
    assert.ok(ex.iface_set_mac(0, 0x0200, 0x0000000c) >= 0);
    assert.equal(ex.iface_set_vlan(0, VID), 0);
    assert.ok(ex.iface_up(0) >= 0);
    assert.ok(ex.service_udp_echo(ECHO_PORT) >= 0);
    const script = new DhcpScript(SERVER, CLIENT_MAC, [], 40);
    /** Addresses another host holds: it answers ARP for them, the probes included. */
    const held = new Set<string>();
    const names = Buffer.from(ex.memory.buffer, ex.counter_names(), ex.counter_names_bytes()).toString('latin1').split('\n');
    const counter = (name: string) => new Uint32Array(ex.memory.buffer, ex.counters(), ex.counter_count())[names.indexOf(name)];
    const rxPtr = ex.rx_buffer(0);
    const memory = new Uint8Array(ex.memory.buffer);
    const rxRaw = (frame: Uint8Array) => {
      memory.set(frame, rxPtr);
      ex.rx(0, frame.length);
    };
    const rx = (frame: Uint8Array, vid = VID) => rxRaw(withTags(frame, [[0x8100, vid]]));
    let taggedTx = 0;
    const deliver = () => {
      for (let n = 0; n < 1000 && sent.length; n++) {
        const bytes = sent.shift()!;
        assert.ok(bytes[12] === 0x81 && bytes[13] === 0x00 && (((bytes[14] << 8) | bytes[15]) & 0xfff) === VID, 'sent untagged or on another VLAN');
        taggedTx++;
        const inner = new Uint8Array(bytes.length - 4);
        inner.set(bytes.subarray(0, 12));
        inner.set(bytes.subarray(16), 12);
        const frame = parseFrame(inner);
        const message = dhcpOf(frame);
        const reply = message && script.answer(message);
        if (reply) rx(reply);
        const a = frame.arp;
        if (a && a.op === 1) {
          const owner = a.targetIp === SERVER.ip ? SERVER.mac : a.targetIp === PEER.ip ? PEER.mac : held.has(a.targetIp) ? HOLDER_MAC : null;
          if (owner) rx(arpReplyFrame(owner, a.targetIp, a.senderMac, a.senderIp));
        }
      }
    };
    const tick = (ms: number) => {
      now = (now + ms) >>> 0;
      ex.poll(now);
      deliver();
    };
    const runUntil = (what: string, done: () => boolean) => {
      for (let waited = 0; !done(); waited += 100) {
        assert.ok(waited < 300_000, `round ${round}: ${what} not reached (DHCP state ${ex.dhcp_state()}, address state ${ex.iface_addr_state(0)})`);
        tick(100);
      }
    };
    const bound = () => ex.dhcp_state() === 4 && ex.iface_addr_state(0) === 2;
    const moved = (name: string) => {
      const before = counter(name);
      return () => counter(name) > before;
    };
    const query = (maxResp: number, group: string, dst: string, extra = 0) =>
      rx(ethernet(multicastMac(dst), PEER.mac, ETHERTYPE_IPV4, ipv4(PEER.ip, dst, PROTO_IGMP, igmp(0x11, maxResp, group, extra), { ttl: 1 })));
    const fromMember = (type: number, group: string, dst: string) =>
      rx(ethernet(multicastMac(dst), PEER.mac, ETHERTYPE_IPV4, ipv4(PEER.ip, dst, PROTO_IGMP, igmp(type, 0, group), { ttl: 1 })));
    const probe = allocationProbe(ex);

    const addressOf = (r: number) => `192.0.2.${50 + (r % 40)}`;
    let round = 0;
    script.offers = [addressOf(0)];
    assert.equal(ex.dhcp_start(0), 0);
    for (; round < LEASE_ROUNDS; round++) {
      const address = addressOf(round);
      // The lease: straight, after a NAK, or after the probes found the offer in use.
      if (round % 3 === 1) script.nak = 1;
      if (round % 3 === 2) {
        held.add(address);
        runUntil('DECLINE', moved('dhcp_declined'));
        held.delete(address);
      }
      runUntil('lease', bound);

      // IGMP on the lease: two groups (tiny's table), one joined twice; queries v2 general,
      // v3 general (another member's report suppresses ours), v2 group-specific, now and then v1.
      const groups = [`239.1.${round}.1`, `239.1.${round}.2`];
      for (const group of [...groups, groups[0]]) assert.equal(ex.igmp_join(0, parseIpv4(group)), 0);
      tick(100);
      query(10, '0.0.0.0', '224.0.0.1');
      tick(1_100);
      query(20, '0.0.0.0', '224.0.0.1', 4);
      fromMember(0x16, groups[0], groups[0]);
      tick(2_100);
      query(10, groups[1], groups[1]);
      const damaged = ethernet(multicastMac('224.0.0.1'), PEER.mac, ETHERTYPE_IPV4, ipv4(PEER.ip, '224.0.0.1', PROTO_IGMP, igmp(0x11, 10, '0.0.0.0'), { ttl: 1 }));
      damaged[14 + 20 + 1] ^= 0x40; // the checksum no longer matches
      rx(damaged);
      // A v3 report and a leave, sent to a joined group (their own 224.0.0.22 and 224.0.0.2 are not joined).
      fromMember(0x22, '0.0.0.0', groups[0]);
      fromMember(0x17, groups[1], groups[1]);
      tick(1_100);
      if (round % 48 === 5) {
        query(0, '0.0.0.0', '224.0.0.1');
        tick(10_100);
      }
      // Pings and UDP echoes to the lease: tagged answered; untagged and VLAN 101 dropped.
      for (let i = 0; i < 8; i++) {
        const data = Uint8Array.from({ length: 1 + ((round * 131 + i * 97) % 1400) }, (_, k) => k + i);
        const to: Host = { mac: CLIENT_MAC, ip: address };
        rx(echoRequestFrame(PEER, to, round, i, data));
        rx(udpFrame(PEER, to, 40000 + i, ECHO_PORT, data));
        rxRaw(echoRequestFrame(PEER, to, round, i, data));
        rx(udpFrame(PEER, to, 40000 + i, ECHO_PORT, data), VID + 1);
        deliver();
      }
      assert.equal(ex.igmp_leave(0, parseIpv4(groups[0])), 0);
      for (const group of groups) assert.equal(ex.igmp_leave(0, parseIpv4(group)), 0);
      assert.ok(ex.igmp_leave(0, parseIpv4(groups[0])) < 0, 'left twice');
      tick(100);

      // The end of the lease. A NAK or expiry starts over at once: the next DISCOVER gets the next round's offer.
      script.offers = [addressOf(round + 1)];
      if (round % 4 === 0) {
        runUntil('renewal', moved('dhcp_leases'));
        script.silent = true;
        runUntil('expiry', moved('dhcp_lease_expired'));
        script.silent = false;
      } else if (round % 4 === 1) {
        // Another host claims the address: defended once, given up at the second claim (RFC 5227 2.4 (b)).
        const intruder = arpRequestFrame(HOLDER_MAC, address, address);
        rx(intruder);
        assert.ok(bound(), 'defended');
        tick(1_000);
        const declined = moved('dhcp_declined');
        rx(intruder);
        runUntil('DECLINE after the defence', declined);
      } else if (round % 4 === 2) {
        script.nak = 1;
        runUntil('NAK at renewal', moved('dhcp_rx_nak'));
      } else {
        ex.dhcp_stop();
        assert.equal(ex.iface_addr_state(0), 0);
        const conflicting = round % 8 === 7;
        if (conflicting) held.add(STATIC);
        assert.equal(ex.iface_set_ipv4_probed(0, parseIpv4(STATIC), 24, 0), 0);
        runUntil('probed address', () => ex.iface_addr_state(0) >= 2);
        assert.equal(ex.iface_addr_state(0), conflicting ? 3 : 2);
        held.delete(STATIC);
        assert.equal(ex.dhcp_start(0), 0);
      }
    }
    probe.check();
    assert.ok(taggedTx > 0);
    assert.ok(counter('dhcp_leases') >= LEASE_ROUNDS, `leases: ${counter('dhcp_leases')}`);
    for (const name of ['dhcp_declined', 'dhcp_tx_decline', 'dhcp_rx_nak', 'dhcp_tx_release', 'dhcp_lease_expired', 'dhcp_retransmits', 'arp_probe_tx', 'arp_announce_tx', 'arp_conflict', 'arp_defend', 'igmp_tx_report', 'igmp_tx_leave', 'igmp_rx_query', 'igmp_rx_v3_query', 'igmp_rx_report_suppressed', 'igmp_rx_v3_report', 'igmp_rx_other_type', 'igmp_rx_bad_checksum', 'eth_rx_vlan_untagged', 'eth_rx_vlan_unknown', 'icmp_tx_echo_reply', 'udp_tx']) {
      assert.ok(counter(name) > 0, `path not exercised: ${name} = ${counter(name)}`);
    }
  });
}

/** The Ethernet address of an IPv4 multicast group (RFC 1112 6.4). */
function multicastMac(group: string): string {
  const [, b, c, d] = group.split('.').map(Number);
  return ['01', '00', '5e', b & 0x7f, c, d].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
