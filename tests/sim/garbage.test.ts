// Bad input is dropped and counted, never a trap: each malformed frame raises exactly its
// drop counter, and a seeded fuzz of damaged frames leaves the (debug, assertions on) stack
// answering pings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRandom } from '../../host/runtime.ts';
import {
  arp,
  arpRequestFrame,
  echoRequestFrame,
  ethernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  icmpEcho,
  internetChecksum,
  ipv4,
  PROTO_ICMP,
  PROTO_UDP,
  udp,
  udpFrame,
  type Host,
} from './frames.ts';
import { counterDelta, stackAndRawHost } from './harness.ts';

const A = { name: 'A', mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24', seed: 31 };
const RAW: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };
const a: Host = { mac: A.mac, ip: '192.0.2.1' };

const setup = () => stackAndRawHost(A, RAW);

/** An IPv4 frame to A whose header bytes `edit` changes after the checksum (set fixChecksum to redo it). */
function editedIpv4(edit: (ip: Uint8Array) => void, fixChecksum = false, protocol = PROTO_UDP): Uint8Array {
  const ip = ipv4(RAW.ip, a.ip, protocol, udp(RAW.ip, a.ip, 1, 7, Uint8Array.of(1, 2, 3, 4)));
  edit(ip);
  if (fixChecksum) {
    ip[10] = ip[11] = 0;
    const sum = internetChecksum(ip.subarray(0, (ip[0] & 0x0f) * 4));
    ip[10] = sum >> 8;
    ip[11] = sum & 0xff;
  }
  return ethernet(a.mac, RAW.mac, ETHERTYPE_IPV4, ip);
}

const BAD_FRAMES: [string, () => Uint8Array, string][] = [
  ['runt (13 bytes)', () => new Uint8Array(13).fill(0xff), 'eth_rx_runt'],
  ['giant (2000 bytes)', () => ethernet(a.mac, RAW.mac, ETHERTYPE_IPV4, new Uint8Array(1986)), 'eth_rx_giant'],
  ['unicast to another MAC', () => udpFrame(RAW, { ...a, mac: '02:00:00:00:00:33' }, 1, 7, Uint8Array.of(1)), 'eth_rx_not_for_us'],
  ['unknown ethertype', () => ethernet(a.mac, RAW.mac, 0x88b5, new Uint8Array(46)), 'eth_rx_unknown_type'],
  ['VLAN 5 tag', () => ethernet(a.mac, RAW.mac, 0x8100, Uint8Array.of(0x00, 0x05, 0x08, 0x00, ...new Uint8Array(42))), 'eth_rx_vlan_unknown'],
  ['ARP with hardware type 6', () => ethernet(a.mac, RAW.mac, ETHERTYPE_ARP, Object.assign(arp(1, RAW.mac, RAW.ip, a.mac, a.ip), { 1: 6 })), 'arp_rx_bad'],
  ['ARP with opcode 9', () => ethernet(a.mac, RAW.mac, ETHERTYPE_ARP, Object.assign(arp(1, RAW.mac, RAW.ip, a.mac, a.ip), { 7: 9 })), 'arp_rx_bad'],
  ['ARP from a multicast MAC', () => ethernet(a.mac, RAW.mac, ETHERTYPE_ARP, arp(1, '01:00:5e:00:00:01', RAW.ip, a.mac, a.ip)), 'arp_rx_bad_sender'],
  ['ARP claiming our own address', () => ethernet(a.mac, RAW.mac, ETHERTYPE_ARP, arp(1, RAW.mac, a.ip, a.mac, a.ip)), 'arp_rx_bad_sender'],
  ['IPv4 version 6', () => editedIpv4((ip) => (ip[0] = 0x65), true), 'ipv4_rx_bad_version'],
  ['IPv4 header length 16', () => editedIpv4((ip) => (ip[0] = 0x44), true), 'ipv4_rx_bad_header_length'],
  ['IPv4 total length past the frame', () => editedIpv4((ip) => (ip[2] = 0x05), true), 'ipv4_rx_bad_total_length'],
  ['IPv4 bad header checksum', () => editedIpv4((ip) => (ip[10] ^= 0x10)), 'ipv4_rx_bad_checksum'],
  ['IPv4 from 127.0.0.1', () => editedIpv4((ip) => ip.set([127, 0, 0, 1], 12), true), 'ipv4_rx_martian_source'],
  ['IPv4 from the subnet broadcast', () => editedIpv4((ip) => ip.set([192, 0, 2, 255], 12), true), 'ipv4_rx_martian_source'],
  ['IPv4 to 127.0.0.1', () => editedIpv4((ip) => ip.set([127, 0, 0, 1], 16), true), 'ipv4_rx_martian_destination'],
  ['IPv4 to another host', () => editedIpv4((ip) => ip.set([192, 0, 2, 50], 16), true), 'ipv4_rx_not_for_us'],
  ['IPv4 first fragment (MF) of 12 bytes, not a multiple of 8', () => editedIpv4((ip) => (ip[6] = 0x20), true), 'ipv4_reasm_bad_length'],
  ['IPv4 to a multicast group not joined', () => editedIpv4((ip) => ip.set([239, 1, 2, 3], 16), true), 'ipv4_rx_multicast_not_joined'],
  ['ICMP shorter than its header', () => ethernet(a.mac, RAW.mac, ETHERTYPE_IPV4, ipv4(RAW.ip, a.ip, PROTO_ICMP, Uint8Array.of(8, 0, 0xf7))), 'icmp_rx_short'],
  ['ICMP bad checksum', () => ethernet(a.mac, RAW.mac, ETHERTYPE_IPV4, ipv4(RAW.ip, a.ip, PROTO_ICMP, Object.assign(icmpEcho(8, 1, 1, Uint8Array.of(1)), { 3: 0 }))), 'icmp_rx_bad_checksum'],
  ['UDP shorter than its header', () => ethernet(a.mac, RAW.mac, ETHERTYPE_IPV4, ipv4(RAW.ip, a.ip, PROTO_UDP, Uint8Array.of(0, 1, 0, 7))), 'udp_rx_short'],
  ['UDP length past the packet', () => ethernet(a.mac, RAW.mac, ETHERTYPE_IPV4, ipv4(RAW.ip, a.ip, PROTO_UDP, Object.assign(udp(RAW.ip, a.ip, 1, 7, Uint8Array.of(1)), { 5: 200 }))), 'udp_rx_bad_length'],
  ['UDP bad checksum', () => ethernet(a.mac, RAW.mac, ETHERTYPE_IPV4, ipv4(RAW.ip, a.ip, PROTO_UDP, Object.assign(udp(RAW.ip, a.ip, 1, 7, Uint8Array.of(1)), { 8: 2 }))), 'udp_rx_bad_checksum'],
];

for (const [name, build, expected] of BAD_FRAMES) {
  test(`${name}: dropped, counted in ${expected}, nothing sent back`, async () => {
    const { clock, raw, node } = await setup();
    const before = node.stack.counters();
    raw.send(build());
    clock.advance(10);
    const delta = counterDelta(before, node.stack.counters());
    assert.equal(delta[expected], 1, `counters that moved: ${JSON.stringify(delta)}`);
    // Only the layer counters a frame passes on its way in may move besides the drop reason.
    const allowed = new Set(['eth_rx_frames', 'arp_rx', 'ipv4_rx', 'ipv4_reasm_fragments', 'icmp_rx', 'udp_rx', expected]);
    for (const moved of Object.keys(delta)) assert.ok(allowed.has(moved), `${moved} moved too: ${JSON.stringify(delta)}`);
    assert.deepEqual(raw.toMe().map((f) => f.type), [], 'no reply to bad input');
  });
}

test('an unknown protocol is counted and answered with ICMP protocol unreachable', async () => {
  const { clock, raw, node } = await setup();
  const before = node.stack.counters();
  raw.send(editedIpv4((ip) => (ip[9] = 99), true));
  clock.advance(10);
  const delta = counterDelta(before, node.stack.counters());
  assert.equal(delta.ipv4_rx_unknown_protocol, 1, JSON.stringify(delta));
  const errors = raw.toMe((f) => f.icmp?.type === 3);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].icmp!.code, 2, 'protocol unreachable');
  assert.ok(errors[0].icmp!.checksumOk);
});

test('seeded fuzz: 3000 damaged frames are all counted and the stack still answers', async () => {
  const { clock, raw, node } = await setup();
  const random = makeRandom(0xfeed);
  const templates = [
    echoRequestFrame(RAW, a, 1, 1, new Uint8Array(40)),
    udpFrame(RAW, a, 1000, 7, new Uint8Array(20).fill(7)),
    udpFrame(RAW, a, 1000, 9999, new Uint8Array(3)),
    arpRequestFrame(RAW.mac, RAW.ip, a.ip),
    editedIpv4((ip) => (ip[0] = 0x46), true),
  ];
  const FRAMES = 3000;
  const before = node.stack.counters();
  for (let i = 0; i < FRAMES; i++) {
    const frame = templates[random() % templates.length].slice();
    const flips = 1 + (random() % 4);
    // Damage past the Ethernet source so most frames still reach the upper layers.
    for (let f = 0; f < flips; f++) frame[12 + (random() % (frame.length - 12))] ^= 1 + (random() % 255);
    const cut = random() % 4 === 0 ? random() % frame.length : frame.length;
    raw.send(frame.subarray(0, cut));
    if (i % 50 === 49) clock.advance(1);
  }
  clock.advance(2_000);
  const delta = counterDelta(before, node.stack.counters());
  assert.equal(delta.eth_rx_frames, FRAMES, JSON.stringify(delta));
  // Damaged ARP requests for A legitimately taught it wrong MACs for RAW's address (RFC 826
  // merge); a fresh request puts the right one back before the ping.
  raw.send(arpRequestFrame(RAW.mac, RAW.ip, a.ip));
  clock.advance(10);
  raw.heard.length = 0;
  raw.send(echoRequestFrame(RAW, a, 2, 2, Uint8Array.of(9, 9, 9)));
  clock.advance(10);
  assert.equal(raw.toMe((f) => f.icmp?.type === 0).length, 1, 'still answers a ping');
});
