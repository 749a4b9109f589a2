// The NIC's multicast filter follows the stack's IGMP memberships: from attachment on the module
// programs the ENC28J60's hash table (ERXFCON.HTEN instead of MCEN) with 224.0.0.1 and the joined
// groups, so the chip model drops other groups' frames before they cost SPI time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashIndex } from '../../host/sim/enc28j60-frame.ts';
import { ethernet, ETHERTYPE_IPV4, ipv4, macBytes, PROTO_UDP, udp } from './frames.ts';
import { counter } from './harness.ts';
import { encSetup, RAW } from './enc28j60-harness.ts';

const GROUP = '239.1.2.3';
const ERXFCON = [1, 0x18] as const;
const HTEN = 0x04;
const MCEN = 0x02;

/** 01:00:5e + the group's low 23 bits (RFC 1112 6.4). */
function groupMac(group: string): string {
  const [, b, c, d] = group.split('.').map(Number);
  return ['01', '00', '5e', b & 0x7f, c, d].map((x) => (typeof x === 'number' ? x.toString(16).padStart(2, '0') : x)).join(':');
}

function datagramTo(group: string, port: number, text: string): Uint8Array {
  const data = new TextEncoder().encode(text);
  return ethernet(groupMac(group), RAW.mac, ETHERTYPE_IPV4, ipv4(RAW.ip, group, PROTO_UDP, udp(RAW.ip, group, 40000, port, data), { ttl: 1 }));
}

/** A group in 239.1.2.0/24 whose MAC hashes to another bit than the joined group's and 224.0.0.1's. */
function otherGroup(): string {
  const taken = new Set([hashIndex(macBytes(groupMac(GROUP))), hashIndex(macBytes(groupMac('224.0.0.1')))]);
  for (let d = 4; d < 255; d++) {
    const group = `239.1.2.${d}`;
    if (!taken.has(hashIndex(macBytes(groupMac(group))))) return group;
  }
  throw new Error('no group with a free hash bit');
}

test('a join programs the hash filter: the group passes the chip, another group does not, and a leave closes it again', async () => {
  const { clock, raw, stack, chip } = await encSetup();
  const ex = stack.exports;
  const handle = ex.udp_open();
  assert.equal(ex.udp_bind(handle, 0, 5000), 0);
  // From attachment on the table holds 224.0.0.1 only: the group's frames stop at the chip.
  assert.equal(chip.reg(...ERXFCON) & (HTEN | MCEN), HTEN, 'hash filter instead of all multicast');
  const beforeJoin = chip.stats.rxFiltered;
  raw.send(datagramTo(GROUP, 5000, 'before the join'));
  clock.advance(20);
  assert.equal(chip.stats.rxFiltered - beforeJoin, 1);
  assert.equal(ex.udp_pending(handle), 0);

  stack.joinGroup(0, GROUP);
  clock.advance(10);
  const report = raw.heard.find((h) => h.frame.ipv4?.protocol === 2);
  assert.ok(report, 'the membership report reached the wire');
  assert.equal(report.frame.dst, groupMac(GROUP));
  assert.equal(report.frame.ipv4!.dst, GROUP);
  assert.equal(report.frame.ipv4!.ttl, 1);
  assert.equal(report.frame.ipv4!.payload[0], 0x16, 'IGMPv2 membership report');

  const other = otherGroup();
  const filteredBefore = chip.stats.rxFiltered;
  raw.send(datagramTo(GROUP, 5000, 'for the group'));
  raw.send(datagramTo(other, 5000, 'for another group'));
  clock.advance(20);
  assert.equal(ex.udp_pending(handle), 1, 'the joined group\'s datagram reached the socket');
  assert.equal(chip.stats.rxFiltered - filteredBefore, 1, 'the chip dropped the other group\'s frame');
  assert.equal(counter(stack, 'ipv4_rx_multicast_not_joined'), 0, 'the stack never saw it');

  // 224.0.0.1 stays in the table (queries arrive there).
  const allHosts = chip.stats.rxFiltered;
  raw.send(datagramTo('224.0.0.1', 5000, 'to all hosts'));
  clock.advance(20);
  assert.equal(chip.stats.rxFiltered, allHosts);
  assert.equal(ex.udp_pending(handle), 2);

  stack.leaveGroup(0, GROUP);
  clock.advance(10);
  const afterLeave = chip.stats.rxFiltered;
  raw.send(datagramTo(GROUP, 5000, 'after the leave'));
  clock.advance(20);
  assert.equal(chip.stats.rxFiltered - afterLeave, 1, 'the left group is filtered by the chip again');
  assert.equal(ex.udp_pending(handle), 2);
  assert.ok(raw.heard.some((h) => h.frame.ipv4?.dst === '224.0.0.2' && h.frame.ipv4.payload[0] === 0x17), 'a leave to 224.0.0.2');
  assert.deepEqual(chip.warnings, []);
});
