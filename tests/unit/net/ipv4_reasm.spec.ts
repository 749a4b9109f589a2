import { POLL_IDLE_MS, REASM_SLOT_BYTES, REASM_SLOT_COUNT, REASM_TIMEOUT_MS } from "../../../assembly/config";
import { get16, put16 } from "../../../assembly/lib/bytes";
import { checksum } from "../../../assembly/lib/checksum";
import { Counter } from "../../../assembly/lib/counters";
import { rx_arp } from "../../../assembly/net/arp";
import { clock_delay, clock_set } from "../../../assembly/net/clock";
import { Delivery, rx_ipv4 } from "../../../assembly/net/ipv4";
import { ipv4_reasm, ipv4_reasm_busy, ipv4_reasm_poll, ipv4_reasm_reset } from "../../../assembly/net/ipv4_reasm";
import { udp_socket_bind, udp_socket_close, udp_socket_open, udp_socket_recvfrom } from "../../../assembly/socket/udp";
import { arp_emit, ARP_OP_REPLY } from "../../../assembly/wire/arp";
import { ipv4_emit, IP_PROTO_TCP, IP_PROTO_UDP } from "../../../assembly/wire/ipv4";
import { udp_emit } from "../../../assembly/wire/udp";
import { first_difference } from "../helpers/bytes";
import { tx_len } from "../helpers/hal";
import { captured, delta, mark, net_reset, OUR_ADDR, PEER_ADDR, PEER_MAC, sent } from "../helpers/net";

const T0: u32 = 50_000;
const IDENT: u32 = 0x1234;
const SEED: u32 = 3;

const FRAG_BYTES: i32 = 1600;
const frag: usize = memory.data(FRAG_BYTES, 8);
const first_copy: usize = memory.data(FRAG_BYTES, 8);
const datagram_bytes: usize = memory.data(9000, 8);
const arp_packet: usize = memory.data(28, 8);
const io: usize = memory.data(9000, 8);

@inline function pattern(seed: u32, i: i32): u8 {
  return <u8>(seed * 13 + <u32>i * 7 + (<u32>i >> 8));
}

/** Builds in `frag` the fragment carrying payload bytes [start, start + len) of datagram ident. */
function build(ident: u32, protocol: u32, start: i32, len: i32, more: bool, seed: u32 = SEED, src: u32 = PEER_ADDR): i32 {
  assert(20 + len <= FRAG_BYTES);
  for (let i = 0; i < len; i++) store<u8>(frag + 20 + <usize>i, pattern(seed, start + i));
  ipv4_emit(frag, 20 + len, ident, false, 64, protocol, src, OUR_ADDR);
  put16(frag + 6, (more ? 0x2000 : 0) | <u32>(start >> 3));
  put16(frag + 10, 0);
  put16(frag + 10, checksum(frag, 20));
  return 20 + len;
}

function feed(ident: u32, protocol: u32, start: i32, len: i32, more: bool, seed: u32 = SEED): usize {
  build(ident, protocol, start, len, more, seed);
  return ipv4_reasm(frag, Delivery.UNICAST);
}

/** The datagram at ip is the reassembled one: header fixed, payload bytes exact. */
function whole(ip: usize, total: i32, protocol: u32, seed: u32 = SEED): bool {
  if (ip == 0 || <i32>get16(ip + 2) != 20 + total || get16(ip + 6) != 0 || checksum(ip, 20) != 0) return false;
  if (<u32>load<u8>(ip + 9) != protocol || get16(ip + 4) != IDENT) return false;
  for (let i = 0; i < total; i++) {
    if (load<u8>(ip + 20 + <usize>i) != pattern(seed, i)) return false;
  }
  return true;
}

// Fragment k of an n-fragment datagram: 8 * (k + 2) bytes, the last one 13 (not a multiple of 8).
const starts = new StaticArray<i32>(8);
const lens = new StaticArray<i32>(8);
function layout(n: i32): i32 {
  let at = 0;
  for (let k = 0; k < n; k++) {
    unchecked((starts[k] = at));
    unchecked((lens[k] = k == n - 1 ? 13 : 8 * (k + 2)));
    at += unchecked(lens[k]);
  }
  return at;
}

const order = new StaticArray<i32>(8);
const heap_c = new StaticArray<i32>(8);

/** Feeds the fragments in `order`; only the last may complete, and must, with the exact bytes. */
function try_order(n: i32, total: i32): bool {
  ipv4_reasm_reset();
  for (let j = 0; j < n; j++) {
    const k = unchecked(order[j]);
    const got = feed(IDENT, IP_PROTO_UDP, unchecked(starts[k]), unchecked(lens[k]), k != n - 1);
    if (j < n - 1 && got != 0) return false;
    if (j == n - 1) return whole(got, total, IP_PROTO_UDP) && ipv4_reasm_busy() == 0;
  }
  return false;
}

let orders_tried: i32 = 0;

/** Every arrival order of n fragments (Heap's algorithm); returns how many reassembled exactly. */
function every_order(n: i32): i32 {
  const total = layout(n);
  for (let i = 0; i < n; i++) {
    unchecked((order[i] = i));
    unchecked((heap_c[i] = 0));
  }
  orders_tried = 1;
  let good = try_order(n, total) ? 1 : 0;
  let i = 1;
  while (i < n) {
    if (unchecked(heap_c[i]) < i) {
      const j = (i & 1) == 0 ? 0 : unchecked(heap_c[i]);
      const t = unchecked(order[j]);
      unchecked((order[j] = order[i]));
      unchecked((order[i] = t));
      orders_tried++;
      if (try_order(n, total)) good++;
      unchecked((heap_c[i] = heap_c[i] + 1));
      i = 1;
    } else {
      unchecked((heap_c[i] = 0));
      i++;
    }
  }
  return good;
}

function peer_arp_known(): void {
  arp_emit(arp_packet, ARP_OP_REPLY, PEER_MAC, PEER_ADDR, 0, OUR_ADDR);
  rx_arp(0, arp_packet, 28);
}

describe("ipv4 reassembly: arrival orders", () => {
  beforeEach(() => {
    net_reset(T0);
  });

  it("reassembles every order of 3 fragments", () => {
    expect<i32>(every_order(3)).toBe(6);
    expect<i32>(orders_tried).toBe(6);
  });

  it("reassembles every order of 4 fragments", () => {
    expect<i32>(every_order(4)).toBe(24);
    expect<i32>(orders_tried).toBe(24);
  });

  it("reassembles every order of 5 fragments", () => {
    expect<i32>(every_order(5)).toBe(120);
  });

  it("reassembles every order of 6 fragments", () => {
    expect<i32>(every_order(6)).toBe(720);
    expect<i32>(orders_tried).toBe(720);
    expect<u32>(delta(Counter.ipv4_reasm_datagrams)).toBe(720);
    expect<u32>(delta(Counter.ipv4_reasm_fragments)).toBe(720 * 6);
  });

  it("reassembles a ping -s 8000 sized datagram (8008 bytes) from 1480-byte fragments, last first", () => {
    const total = 8008;
    expect<usize>(feed(IDENT, IP_PROTO_UDP, 5 * 1480, total - 5 * 1480, false)).toBe(0);
    for (let k = 4; k > 0; k--) expect<usize>(feed(IDENT, IP_PROTO_UDP, k * 1480, 1480, true)).toBe(0);
    expect<bool>(whole(feed(IDENT, IP_PROTO_UDP, 0, 1480, true), total, IP_PROTO_UDP)).toBe(true);
  });

  it("keeps datagrams apart by source, protocol and identification", () => {
    layout(2);
    expect<usize>(feed(IDENT, IP_PROTO_UDP, 0, 16, true, 1)).toBe(0);
    expect<usize>(feed(IDENT + 1, IP_PROTO_UDP, 0, 16, true, 2)).toBe(0);
    expect<usize>(feed(IDENT, IP_PROTO_TCP, 16, 13, false, 1)).toBe(0); // other protocol: a third datagram
    expect<i32>(ipv4_reasm_busy()).toBe(2); // default profile: 2 slots, the third evicted the oldest
    build(IDENT + 1, IP_PROTO_UDP, 16, 13, false, 2);
    const ip = ipv4_reasm(frag, Delivery.UNICAST);
    expect<bool>(ip != 0 && <i32>get16(ip + 2) == 49 && get16(ip + 4) == IDENT + 1).toBe(true);
    expect<u32>(delta(Counter.ipv4_reasm_evicted)).toBe(1);
  });
});

describe("ipv4 reassembly: duplicates, overlaps and refusals", () => {
  beforeEach(() => {
    net_reset(T0);
  });

  it("tolerates exact duplicates in the middle and counts them", () => {
    const total = layout(4);
    feed(IDENT, IP_PROTO_UDP, starts[0], lens[0], true);
    feed(IDENT, IP_PROTO_UDP, starts[1], lens[1], true);
    expect<usize>(feed(IDENT, IP_PROTO_UDP, starts[1], lens[1], true)).toBe(0);
    feed(IDENT, IP_PROTO_UDP, starts[3], lens[3], false);
    expect<usize>(feed(IDENT, IP_PROTO_UDP, starts[1], lens[1], true)).toBe(0);
    expect<usize>(feed(IDENT, IP_PROTO_UDP, starts[3], lens[3], false)).toBe(0);
    expect<bool>(whole(feed(IDENT, IP_PROTO_UDP, starts[2], lens[2], true), total, IP_PROTO_UDP)).toBe(true);
    expect<u32>(delta(Counter.ipv4_reasm_duplicates)).toBe(3);
    expect<u32>(delta(Counter.ipv4_reasm_overlaps)).toBe(0);
  });

  it("drops the whole datagram on a partial overlap and ignores its later fragments", () => {
    feed(IDENT, IP_PROTO_UDP, 0, 16, true);
    expect<usize>(feed(IDENT, IP_PROTO_UDP, 8, 16, true)).toBe(0); // [8, 24) against [0, 16)
    expect<u32>(delta(Counter.ipv4_reasm_overlaps)).toBe(1);
    // The fragments that would have completed it are ignored.
    expect<usize>(feed(IDENT, IP_PROTO_UDP, 16, 8, true)).toBe(0);
    expect<usize>(feed(IDENT, IP_PROTO_UDP, 24, 5, false)).toBe(0);
    expect<u32>(delta(Counter.ipv4_reasm_dead)).toBe(2);
    expect<u32>(delta(Counter.ipv4_reasm_datagrams)).toBe(0);
    expect<i32>(ipv4_reasm_busy()).toBe(1);
  });

  it("drops a fragment lying inside received data with other extents, and contradicting ends", () => {
    feed(IDENT, IP_PROTO_UDP, 0, 32, true);
    feed(IDENT, IP_PROTO_UDP, 8, 8, true);
    feed(IDENT + 1, IP_PROTO_UDP, 40, 5, false);
    feed(IDENT + 2, IP_PROTO_UDP, 0, 32, true);
    feed(IDENT + 2, IP_PROTO_UDP, 0, 16, true); // same start, shorter
    expect<u32>(delta(Counter.ipv4_reasm_overlaps)).toBe(2);
    expect<u32>(delta(Counter.ipv4_reasm_duplicates)).toBe(0);
    feed(IDENT + 1, IP_PROTO_UDP, 48, 5, false); // a second end
    expect<u32>(delta(Counter.ipv4_reasm_overlaps)).toBe(3);
    ipv4_reasm_reset();
    feed(IDENT, IP_PROTO_UDP, 32, 16, true);
    feed(IDENT, IP_PROTO_UDP, 8, 5, false); // ends at 13, before data already received
    expect<u32>(delta(Counter.ipv4_reasm_overlaps)).toBe(4);
  });

  it("refuses datagrams longer than 65535 bytes (ping of death)", () => {
    // Offset 65528 (the largest) with 8 bytes: 20 + 65536 > 65535.
    expect<usize>(feed(IDENT, IP_PROTO_UDP, 65528, 8, false)).toBe(0);
    expect<u32>(delta(Counter.ipv4_reasm_too_long)).toBe(1);
    // 20 + 65512 + 8 = 65540, and the datagram's first fragment arrived before.
    feed(IDENT + 1, IP_PROTO_UDP, 0, 1480, true);
    expect<usize>(feed(IDENT + 1, IP_PROTO_UDP, 65512, 8, false)).toBe(0);
    expect<u32>(delta(Counter.ipv4_reasm_too_long)).toBe(2);
    expect<usize>(feed(IDENT + 1, IP_PROTO_UDP, 1480, 8, false)).toBe(0);
    expect<u32>(delta(Counter.ipv4_reasm_dead)).toBe(1);
  });

  it("refuses datagrams longer than a slot", () => {
    expect<usize>(feed(IDENT, IP_PROTO_UDP, REASM_SLOT_BYTES, 8, false)).toBe(0);
    expect<u32>(delta(Counter.ipv4_reasm_no_room)).toBe(1);
  });

  it("refuses tiny TCP first fragments and TCP fragments at offset 8 (RFC 1858, RFC 3128)", () => {
    expect<usize>(feed(IDENT, IP_PROTO_TCP, 0, 8, true)).toBe(0);
    expect<usize>(feed(IDENT, IP_PROTO_TCP, 8, 40, false)).toBe(0);
    expect<u32>(delta(Counter.ipv4_reasm_tiny)).toBe(1);
    expect<u32>(delta(Counter.ipv4_reasm_dead)).toBe(1);
    // Offset 8 overwriting a TCP header's flags, with a proper first fragment before it.
    feed(IDENT + 1, IP_PROTO_TCP, 0, 24, true);
    feed(IDENT + 1, IP_PROTO_TCP, 8, 16, false);
    expect<u32>(delta(Counter.ipv4_reasm_tiny)).toBe(2);
    // UDP and ICMP headers fit in 8 bytes.
    ipv4_reasm_reset();
    feed(IDENT, IP_PROTO_UDP, 0, 8, true);
    expect<bool>(whole(feed(IDENT, IP_PROTO_UDP, 8, 3, false), 11, IP_PROTO_UDP)).toBe(true);
  });

  it("drops non-final fragments whose length is not a multiple of 8, or empty, without taking a slot", () => {
    expect<usize>(feed(IDENT, IP_PROTO_UDP, 0, 12, true)).toBe(0);
    expect<usize>(feed(IDENT, IP_PROTO_UDP, 16, 0, true)).toBe(0);
    expect<u32>(delta(Counter.ipv4_reasm_bad_length)).toBe(2);
    expect<i32>(ipv4_reasm_busy()).toBe(0);
  });

  it("evicts the oldest datagram in progress when every slot is busy, dead ones first", () => {
    for (let i = 0; i < REASM_SLOT_COUNT; i++) {
      clock_set(T0 + <u32>i);
      feed(IDENT + i, IP_PROTO_UDP, 0, 16, true);
    }
    expect<i32>(ipv4_reasm_busy()).toBe(REASM_SLOT_COUNT);
    clock_set(T0 + 100);
    feed(IDENT + 100, IP_PROTO_UDP, 0, 16, true);
    expect<u32>(delta(Counter.ipv4_reasm_evicted)).toBe(1);
    // The evicted datagram (the first one) starts over: its end alone cannot complete it.
    expect<usize>(feed(IDENT, IP_PROTO_UDP, 16, 5, false)).toBe(0);
    expect<u32>(delta(Counter.ipv4_reasm_evicted)).toBe(2);
    // A refused datagram's slot goes before any in progress, without counting an eviction.
    feed(IDENT + 100, IP_PROTO_UDP, 8, 16, true); // overlap: dead
    feed(IDENT + 200, IP_PROTO_UDP, 0, 16, true);
    expect<u32>(delta(Counter.ipv4_reasm_evicted)).toBe(2);
    expect<bool>(whole(feed(IDENT, IP_PROTO_UDP, 0, 16, true), 21, IP_PROTO_UDP)).toBe(true);
  });
});

/** The clock at T0 + REASM_TIMEOUT_MS and reassembly polled: what was fed at T0 expires. */
function expire_at_timeout(): void {
  clock_set(T0 + REASM_TIMEOUT_MS);
  ipv4_reasm_poll(T0 + REASM_TIMEOUT_MS);
}

describe("ipv4 reassembly: timeouts", () => {
  beforeEach(() => {
    net_reset(T0);
    peer_arp_known();
    mark();
  });

  it("sends time exceeded code 1 quoting the first fragment when it was received", () => {
    const first_len = build(IDENT, IP_PROTO_UDP, 0, 24, true);
    memory.copy(first_copy, frag, <usize>first_len);
    ipv4_reasm(frag, Delivery.UNICAST);
    feed(IDENT, IP_PROTO_UDP, 40, 5, false);
    clock_set(T0 + REASM_TIMEOUT_MS - 500);
    ipv4_reasm_poll(T0 + REASM_TIMEOUT_MS - 500);
    expect<i32>(sent()).toBe(0);
    expect<u32>(clock_delay()).toBe(500); // the module asks to be polled at the expiry
    expire_at_timeout();
    expect<i32>(sent()).toBe(1);
    expect<u32>(delta(Counter.ipv4_reasm_timeouts)).toBe(1);
    expect<u32>(delta(Counter.icmp_tx_time_exceeded)).toBe(1);
    expect<i32>(ipv4_reasm_busy()).toBe(0);
    // Ethernet to the peer, IPv4 from us, ICMP type 11 code 1, then the first fragment itself.
    expect<i32>(first_difference(captured, PEER_MAC, 6)).toBe(-1);
    const ip = captured + 14;
    expect<u32>(load<u8>(ip + 9)).toBe(1);
    expect<u32>(bswap<u32>(load<u32>(ip + 12))).toBe(OUR_ADDR);
    expect<u32>(bswap<u32>(load<u32>(ip + 16))).toBe(PEER_ADDR);
    expect<u32>(get16(ip + 2)).toBe(<u32>(20 + 8 + first_len));
    const icmp = ip + 20;
    expect<u8>(load<u8>(icmp)).toBe(11);
    expect<u8>(load<u8>(icmp, 1)).toBe(1);
    expect<u32>(checksum(icmp, 8 + first_len)).toBe(0);
    expect<i32>(first_difference(icmp + 8, first_copy, first_len)).toBe(-1);
    expect<i32>(tx_len()).toBe(14 + 20 + 8 + first_len);
  });

  it("frees the slot silently when the first fragment never came", () => {
    feed(IDENT, IP_PROTO_UDP, 16, 16, true);
    feed(IDENT, IP_PROTO_UDP, 32, 5, false);
    expire_at_timeout();
    expect<i32>(sent()).toBe(0);
    expect<u32>(delta(Counter.ipv4_reasm_timeouts)).toBe(1);
    expect<i32>(ipv4_reasm_busy()).toBe(0);
    expect<u32>(clock_delay()).toBe(POLL_IDLE_MS);
  });

  it("sends nothing for a broadcast datagram or a refused one", () => {
    build(IDENT, IP_PROTO_UDP, 0, 16, true);
    ipv4_reasm(frag, Delivery.BROADCAST);
    feed(IDENT + 1, IP_PROTO_UDP, 0, 16, true);
    feed(IDENT + 1, IP_PROTO_UDP, 8, 16, true); // overlap: dead
    expire_at_timeout();
    expect<i32>(sent()).toBe(0);
    expect<u32>(delta(Counter.ipv4_reasm_timeouts)).toBe(1);
    expect<i32>(ipv4_reasm_busy()).toBe(0);
  });

  it("treats a fragment arriving after its datagram expired as the start of a new one", () => {
    feed(IDENT, IP_PROTO_UDP, 0, 16, true);
    feed(IDENT, IP_PROTO_UDP, 16, 16, true);
    expire_at_timeout();
    expect<i32>(sent()).toBe(1);
    clock_set(T0 + REASM_TIMEOUT_MS + 10);
    expect<usize>(feed(IDENT, IP_PROTO_UDP, 32, 5, false)).toBe(0);
    expect<i32>(ipv4_reasm_busy()).toBe(1);
    expect<u32>(delta(Counter.ipv4_reasm_datagrams)).toBe(0);
    // It times out in turn, 30 s after it arrived, without an error (no first fragment).
    clock_set(T0 + 2 * REASM_TIMEOUT_MS);
    ipv4_reasm_poll(T0 + 2 * REASM_TIMEOUT_MS);
    expect<i32>(ipv4_reasm_busy()).toBe(1);
    clock_set(T0 + 2 * REASM_TIMEOUT_MS + 10);
    ipv4_reasm_poll(T0 + 2 * REASM_TIMEOUT_MS + 10);
    expect<i32>(ipv4_reasm_busy()).toBe(0);
    expect<i32>(sent()).toBe(1);
    expect<u32>(delta(Counter.ipv4_reasm_timeouts)).toBe(2);
  });
});

describe("ipv4 reassembly: delivery", () => {
  beforeEach(() => {
    net_reset(T0);
  });

  it("hands a reassembled UDP datagram of 8000 bytes to its socket, checksum verified", () => {
    const handle = udp_socket_open();
    expect<i32>(udp_socket_bind(handle, 0, 5000)).toBe(0);
    const payload_len = 8000;
    const udp = datagram_bytes;
    for (let i = 0; i < payload_len; i++) store<u8>(udp + 8 + <usize>i, pattern(9, i));
    udp_emit(udp, payload_len, 40000, 5000, PEER_ADDR, OUR_ADDR);
    const total = payload_len + 8;
    // Fragments of 1480 bytes, last first, each through the whole IPv4 receive path.
    for (let k = 5; k >= 0; k--) {
      const start = k * 1480;
      const len = min(1480, total - start);
      memory.copy(frag + 20, udp + <usize>start, <usize>len);
      ipv4_emit(frag, 20 + len, IDENT, false, 64, IP_PROTO_UDP, PEER_ADDR, OUR_ADDR);
      put16(frag + 6, (k < 5 ? 0x2000 : 0) | <u32>(start >> 3));
      put16(frag + 10, 0);
      put16(frag + 10, checksum(frag, 20));
      rx_ipv4(0, frag, 20 + len);
    }
    expect<u32>(delta(Counter.ipv4_reasm_datagrams)).toBe(1);
    expect<u32>(delta(Counter.udp_rx)).toBe(1);
    expect<u32>(delta(Counter.udp_rx_bad_checksum)).toBe(0);
    expect<i32>(udp_socket_recvfrom(handle, io, 9000, 0)).toBe(payload_len);
    expect<i32>(first_difference(io, udp + 8, payload_len)).toBe(-1);
    udp_socket_close(handle);
  });

  it("a corrupted reassembled UDP datagram fails its checksum", () => {
    const handle = udp_socket_open();
    udp_socket_bind(handle, 0, 5000);
    const udp = datagram_bytes;
    for (let i = 0; i < 40; i++) store<u8>(udp + 8 + <usize>i, <u8>i);
    udp_emit(udp, 40, 40000, 5000, PEER_ADDR, OUR_ADDR);
    store<u8>(udp + 30, load<u8>(udp + 30) ^ 1);
    for (let k = 0; k < 2; k++) {
      memory.copy(frag + 20, udp + <usize>(k * 24), 24);
      ipv4_emit(frag, 44, IDENT, false, 64, IP_PROTO_UDP, PEER_ADDR, OUR_ADDR);
      put16(frag + 6, (k == 0 ? 0x2000 : 0) | <u32>(k * 3));
      put16(frag + 10, 0);
      put16(frag + 10, checksum(frag, 20));
      rx_ipv4(0, frag, 44);
    }
    expect<u32>(delta(Counter.ipv4_reasm_datagrams)).toBe(1);
    expect<u32>(delta(Counter.udp_rx_bad_checksum)).toBe(1);
    udp_socket_close(handle);
  });
});
