// In-process TCP bulk throughput between two module instances, no TAP, no kernel.
//
// A (client, driven through the TCP exports here) and B (server, its built-in discard and
// chargen services) are release modules instantiated with our own imports. nic_tx only copies
// the frame into a FIFO of preallocated slots; the loop below delivers the FIFOs (rx_buffer +
// rx) until both are empty, so no module is ever re-entered from its own nic_tx. Time is the
// real clock (performance.now), passed to poll() on every turn of the loop.
//
// push: A connects to B's discard port, tcp_send()s BYTES, shuts down its side, and the clock
//       stops when B has acknowledged every byte and the FIN (A in FIN-WAIT-2; discard reads
//       on every frame, so acknowledged is read).
// pull: A connects to B's chargen port and tcp_recv()s until BYTES; the clock stops there.
import { readFileSync } from 'node:fs';
import { TcpEvent, TcpStateName, type NetstackExports, type Profile } from '../host/abi.ts';
import { parseCidr, parseIpv4, parseMac } from '../host/addr.ts';
import { makeRandom, readCounters, wasmPath } from '../host/runtime.ts';
import { noSpiImports } from '../host/spi/bus.ts';

const A = { mac: '02:00:00:00:00:0a', cidr: '192.0.2.1/24' };
const B = { mac: '02:00:00:00:00:0b', cidr: '192.0.2.2/24' };
const DISCARD = 9;
const CHARGEN = 19;
const FIN_WAIT_2 = TcpStateName.indexOf('FIN-WAIT-2');
const SLOT_BYTES = 1536;
const SLOTS = 4096;

const nowMs = () => Math.floor(performance.now()) >>> 0;

/** One module instance whose frames go into a FIFO for its peer. */
class Node {
  readonly ex: NetstackExports;
  readonly bytes: Uint8Array;
  /** Frames this module sent and the peer has not received yet. */
  private readonly slots = new Uint8Array(SLOTS * SLOT_BYTES);
  private readonly lengths = new Int32Array(SLOTS);
  private head = 0;
  private tail = 0;
  sent = 0;
  overflow = 0;

  private constructor(ex: NetstackExports) {
    this.ex = ex;
    this.bytes = new Uint8Array(ex.memory.buffer); // static memory: the buffer never detaches
  }

  static async load(profile: Profile, seed: number): Promise<Node> {
    let self: Node | null = null;
    const random = makeRandom(seed);
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath(profile)), {
      hal: { nic_tx: (_i: number, ptr: number, len: number) => self!.tx(ptr, len), log: () => {}, random: () => random() | 0, ...noSpiImports },
      env: { abort: () => { throw new Error('netstack module abort'); } },
    });
    self = new Node(instance.exports as unknown as NetstackExports);
    return self;
  }

  configure(mac: string, cidr: string): void {
    const [hi, lo] = parseMac(mac);
    const { addr, prefix } = parseCidr(cidr);
    this.ex.poll(nowMs());
    if (this.ex.iface_set_mac(0, hi, lo) < 0 || this.ex.iface_set_ipv4(0, addr, prefix, 0) < 0 || this.ex.iface_up(0) < 0) {
      throw new Error('bench: interface configuration failed');
    }
  }

  get queued(): number {
    return this.tail - this.head;
  }

  /** Hands this module's oldest queued frame to `peer`. */
  deliverOne(peer: Node): void {
    const slot = this.head++ % SLOTS;
    const len = this.lengths[slot];
    peer.bytes.set(this.slots.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + len), peer.ex.rx_buffer(0));
    peer.ex.rx(0, len);
  }

  counters(): Record<string, number> {
    return Object.fromEntries(Object.entries(readCounters(this.ex)).filter(([n, v]) => n && v));
  }

  private tx(ptr: number, len: number): number {
    this.sent++;
    if (this.queued === SLOTS || len > SLOT_BYTES) {
      this.overflow++;
      return -1;
    }
    const slot = this.tail++ % SLOTS;
    this.slots.set(this.bytes.subarray(ptr, ptr + len), slot * SLOT_BYTES);
    this.lengths[slot] = len;
    return 0;
  }
}

/** Delivers both FIFOs, alternating one frame each way, until both are empty. */
function pump(a: Node, b: Node): void {
  while (a.queued || b.queued) {
    if (a.queued) a.deliverOne(b);
    if (b.queued) b.deliverOne(a);
  }
}

function poll(a: Node, b: Node): void {
  const now = nowMs();
  a.ex.poll(now);
  b.ex.poll(now);
  pump(a, b);
}

export interface InprocFlow {
  profile: Profile;
  direction: 'push' | 'pull';
  bytes: number;
  seconds: number;
  mbps: number;
  frames: number;
  complete: boolean;
  heapTop: { before: number; after: number; step: number };
  /** Counters of either module that point at trouble (retransmissions, drops, RSTs). */
  trouble: Record<string, number>;
  notes: string[];
}

const TROUBLE = /retransmit|rto|rst|drop|dropped|not_acceptable|out_of_order|timed_out|reset|no_buffer|failed|full|probe/;

export async function tcpInproc(profile: Profile, direction: 'push' | 'pull', total: number, maxSeconds: number): Promise<InprocFlow> {
  const a = await Node.load(profile, 0x1111);
  const b = await Node.load(profile, 0x2222);
  a.configure(A.mac, A.cidr);
  b.configure(B.mac, B.cidr);
  if (b.ex.service_tcp(2, DISCARD) < 0 || b.ex.service_tcp(3, CHARGEN) < 0) throw new Error('bench: TCP services did not start');
  pump(a, b); // the gratuitous ARPs
  const heapFirst = a.ex.heap_top();
  const heapBefore = a.ex.heap_top();
  const bHeapFirst = b.ex.heap_top();
  const bHeapBefore = b.ex.heap_top();
  const notes: string[] = [];

  const h = a.ex.tcp_open();
  if (h < 0 || a.ex.tcp_connect(h, parseIpv4(B.cidr.split('/')[0]), direction === 'push' ? DISCARD : CHARGEN) < 0) {
    throw new Error('bench: tcp_connect failed');
  }
  const deadline = performance.now() + maxSeconds * 1000;
  for (;;) {
    poll(a, b);
    const ev = a.ex.tcp_events(h);
    if (ev & TcpEvent.CONNECTED) break;
    if (ev & TcpEvent.ERROR || performance.now() > deadline) throw new Error(`bench: in-process connect failed (events ${ev})`);
  }
  const io = a.ex.io_buffer();
  const ioSize = a.ex.io_buffer_size();
  a.bytes.fill(0x61, io, io + ioSize);
  const framesBefore = a.sent + b.sent;
  const start = performance.now();
  let moved = 0;
  let complete = false;
  let shut = false;
  let turns = 0;
  while (performance.now() < deadline) {
    turns++;
    if (direction === 'push') {
      while (moved < total) {
        const n = a.ex.tcp_send(h, Math.min(ioSize, total - moved));
        if (n <= 0) break;
        moved += n;
      }
      if (moved >= total && !shut) {
        a.ex.tcp_shutdown(h);
        shut = true;
      }
      pump(a, b);
      // B acknowledged every byte and our FIN (FIN-WAIT-2), or closed its side too.
      if (shut && (a.ex.tcp_state(h) === FIN_WAIT_2 || a.ex.tcp_events(h) & TcpEvent.EOF)) {
        complete = true;
        break;
      }
    } else {
      for (;;) {
        const n = a.ex.tcp_recv(h);
        if (n <= 0) break;
        moved += n;
      }
      if (moved >= total) {
        complete = true;
        break;
      }
      pump(a, b);
    }
    if ((turns & 15) === 0) poll(a, b);
    const ev = a.ex.tcp_events(h);
    if (ev & TcpEvent.ERROR) {
      notes.push(`connection error ${a.ex.tcp_error(h)}`);
      break;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const frames = a.sent + b.sent - framesBefore;
  if (!complete) notes.push(`stopped at the ${maxSeconds} s bound after ${moved} of ${total} bytes`);
  // Read before closing: closing A with unread chargen data resets, by design (RFC 1122 4.2.2.13).
  const trouble: Record<string, number> = {};
  for (const [who, node] of [['A', a], ['B', b]] as const) {
    for (const [name, value] of Object.entries(node.counters())) if (TROUBLE.test(name)) trouble[`${who}.${name}`] = value;
  }
  a.ex.tcp_close(h);
  poll(a, b);
  const heapAfter = a.ex.heap_top();
  const bHeapAfter = b.ex.heap_top();
  if (bHeapAfter - bHeapBefore !== bHeapBefore - bHeapFirst) notes.push(`server module heap moved: ${bHeapBefore} -> ${bHeapAfter}`);
  if (a.overflow || b.overflow) notes.push(`FIFO overflow: ${a.overflow + b.overflow} frames dropped by the harness`);
  return {
    profile, direction, bytes: moved, seconds, mbps: (moved * 8) / seconds / 1e6, frames, complete,
    heapTop: { before: heapBefore, after: heapAfter, step: heapBefore - heapFirst }, trouble, notes,
  };
}
