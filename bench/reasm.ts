// IPv4 reassembly throughput, in process: the release module alone (no Stack, no wire), fed
// pre-built fragments of UDP datagrams through rx_buffer()+rx() as fast as it takes them, in a
// mix of arrival orders; every datagram reassembled goes into a bound socket and is read out
// with udp_recvfrom (so the figure includes delivery and the UDP checksum over the datagram).
// Also reports what the reassembly slots cost in static memory per profile.
import { readFileSync } from 'node:fs';
import type { NetstackExports, Profile } from '../host/abi.ts';
import { parseIpv4 } from '../host/addr.ts';
import { makeRandom, readCounters, wasmPath } from '../host/runtime.ts';
import { noSpiImports } from '../host/spi/bus.ts';
import { ethernet, ETHERTYPE_IPV4, ipv4Fragments, PROTO_UDP, udp, type Host } from '../tests/sim/frames.ts';

export interface ReasmRate {
  profile: Profile;
  datagramBytes: number;
  fragmentsPerDatagram: number;
  fragments: number;
  datagrams: number;
  seconds: number;
  slots: number;
  slotBytes: number;
  memoryBytes: number;
  /** Anything off (datagrams lost or refused), empty if none. */
  notes: string[];
}

const SELF: Host = { mac: '02:00:00:00:00:0a', ip: '192.0.2.1' };
const PEER: Host = { mac: '02:00:00:00:00:99', ip: '192.0.2.99' };
const PORT = 5000;
/** Distinct arrival orders cycled through (the first in order, the second reversed, the rest shuffled). */
const ORDERS = 32;
const WARMUP_DATAGRAMS = 2_000;

/** Frames for ORDERS datagrams (identifications 1..ORDERS), each in its own arrival order. */
function datagramFrames(udpBytes: number, fragmentBytes: number): Uint8Array[][] {
  const random = makeRandom(0x4ea5);
  const data = Uint8Array.from({ length: udpBytes }, (_, i) => (i * 7) & 0xff);
  const out: Uint8Array[][] = [];
  for (let k = 0; k < ORDERS; k++) {
    const packets = ipv4Fragments(PEER.ip, SELF.ip, PROTO_UDP, udp(PEER.ip, SELF.ip, 40000, PORT, data), k + 1, fragmentBytes);
    if (k === 1) packets.reverse();
    if (k > 1) {
      for (let i = packets.length - 1; i > 0; i--) {
        const j = random() % (i + 1);
        [packets[i], packets[j]] = [packets[j], packets[i]];
      }
    }
    out.push(packets.map((p) => ethernet(SELF.mac, PEER.mac, ETHERTYPE_IPV4, p)));
  }
  return out;
}

/**
 * Reassembles `datagrams` UDP datagrams of udpBytes payload (cut into fragmentBytes pieces, as
 * a 1500-byte MTU gives 1480) on the given profile. The datagram must fit the profile's slot and
 * its UDP ring (REASM_PLAN has sizes that do).
 */
export async function reasmBench(profile: Profile, datagrams: number, udpBytes = 8000, fragmentBytes = 1480): Promise<ReasmRate> {
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath(profile)), {
    hal: { nic_tx: () => 0, log: () => {}, random: () => 0x1234567, ...noSpiImports },
    env: { abort: () => { throw new Error('netstack module abort'); } },
  });
  const ex = instance.exports as unknown as NetstackExports;
  let now = 1_000;
  ex.poll(now);
  ex.iface_set_mac(0, 0x0200, 0x0000000a);
  ex.iface_set_ipv4(0, parseIpv4(SELF.ip), 24, 0);
  ex.iface_up(0);
  const socket = ex.udp_open();
  if (socket < 0 || ex.udp_bind(socket, 0, PORT) < 0) throw new Error('reasm bench: no socket');
  const sets = datagramFrames(udpBytes, fragmentBytes);
  const perDatagram = sets[0].length;
  const rxPtr = ex.rx_buffer(0);
  const memory = new Uint8Array(ex.memory.buffer);
  let received = 0;
  const run = (count: number) => {
    for (let d = 0; d < count; d++) {
      for (const frame of sets[d % ORDERS]) {
        memory.set(frame, rxPtr);
        ex.rx(0, frame.length);
      }
      while (ex.udp_recvfrom(socket) >= 0) received++;
      // The clock moves as on a busy link: timers run, nothing is old enough to expire.
      if ((d & 63) === 63) ex.poll((now += 1));
    }
  };
  run(WARMUP_DATAGRAMS);
  const before = readCounters(ex);
  received = 0;
  const started = performance.now();
  run(datagrams);
  const seconds = (performance.now() - started) / 1000;
  const after = readCounters(ex);
  const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  const notes: string[] = [];
  if (received !== datagrams) notes.push(`${received} of ${datagrams} datagrams read from the socket`);
  for (const name of Object.keys(after).filter((n) => n.startsWith('ipv4_reasm_') && !/fragments|datagrams/.test(n))) {
    if (delta(name)) notes.push(`${name}=${delta(name)}`);
  }
  return {
    profile,
    datagramBytes: 20 + 8 + udpBytes,
    fragmentsPerDatagram: perDatagram,
    fragments: delta('ipv4_reasm_fragments'),
    datagrams: delta('ipv4_reasm_datagrams'),
    seconds,
    slots: ex.reasm_slots(),
    slotBytes: ex.reasm_slot_bytes(),
    memoryBytes: ex.reasm_memory_bytes(),
    notes,
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function reasmLine(r: ReasmRate): string {
  return `${`reassembly [${r.profile}] ${fmt(r.datagramBytes)} B in ${r.fragmentsPerDatagram}`.padEnd(36)} ${fmt(r.fragments / r.seconds).padStart(11)} fragments/s ` +
    `${fmt(r.datagrams / r.seconds).padStart(9)} datagrams/s ${fmt((r.datagrams * (r.datagramBytes - 20) * 8) / r.seconds / 1e6).padStart(6)} Mbit/s  (${fmt(r.datagrams)} in ${fmt(r.seconds, 2)} s)`;
}

export function reasmMemoryLine(r: ReasmRate): string {
  const perSlot = r.memoryBytes / r.slots;
  return `reassembly memory [${r.profile}]: ${r.slots} slot(s) x ${fmt(perSlot)} B (${fmt(r.slotBytes)} B payload + ${fmt(perSlot - r.slotBytes)} B header and bookkeeping) = ${fmt(r.memoryBytes)} B`;
}

/** Per profile: UDP payload and fragment size. Tiny reassembles at most 2048 bytes and its UDP
 *  ring holds 1528, so it gets a 1400-byte datagram cut at 512; the others ping -s 8000 sizes. */
export const REASM_PLAN: [Profile, number, number][] = [['tiny', 1400, 512], ['default', 8000, 1480], ['desktop', 8000, 1480]];

// `node --import tsx bench/reasm.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [profile, udpBytes, fragmentBytes] of REASM_PLAN) {
    const r = await reasmBench(profile, 50_000, udpBytes, fragmentBytes);
    console.log(reasmLine(r));
    console.log(reasmMemoryLine(r));
    for (const note of r.notes) console.log(`  note: ${note}`);
  }
}
