import { ARP_CACHE_COUNT, ARP_QUEUE_COUNT, ARP_REACHABLE_MS, ARP_RETRY_COUNT, ARP_RETRY_MS, POLL_IDLE_MS, TX_POOL_COUNT } from "../../../assembly/config";
import { Counter } from "../../../assembly/lib/counters";
import { pool_alloc, pool_available, pool_ptr } from "../../../assembly/lib/pool";
import {
  arp_announce, arp_output, arp_poll, arp_row, arp_row_addr, arp_row_iface, arp_row_mac, rx_arp,
  ARP_FREE, ARP_INCOMPLETE, ARP_PROBE, ARP_REACHABLE, ARP_STALE,
} from "../../../assembly/net/arp";
import { clock_delay, clock_set } from "../../../assembly/net/clock";
import { iface_set_up } from "../../../assembly/net/iface";
import { arp_emit, ARP_OP_REPLY, ARP_OP_REQUEST } from "../../../assembly/wire/arp";
import { all_bytes, first_difference } from "../helpers/bytes";
import { tx_len } from "../helpers/hal";
import { captured, delta, ip4, mark, net_reset, OUR_ADDR, OUR_MAC, PEER_ADDR, PEER_MAC, pool_full, sent } from "../helpers/net";

const T0: u32 = 10_000;

// Who has 192.0.2.2? Tell 192.0.2.10 (52:54:00:12:34:56).
const REQUEST_FOR_US = memory.data<u8>([
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0x00, 0x02, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
]);
// 192.0.2.10 is at 52:54:00:12:34:56, to us.
const REPLY_FROM_PEER = memory.data<u8>([
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0x00, 0x02, 0x0a,
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x02,
]);
// Our answer to REQUEST_FOR_US, padded to the 60-byte minimum.
const REPLY_FRAME = memory.data<u8>([
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x02,
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0x00, 0x02, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
]);
// Our broadcast request for 192.0.2.10, padded.
const REQUEST_FRAME = memory.data<u8>([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x02,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
]);
// Gratuitous ARP: who has 192.0.2.2, tell 192.0.2.2.
const ANNOUNCE_FRAME = memory.data<u8>([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x02,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
]);

const NEW_MAC = memory.data<u8>([0x52, 0x54, 0x00, 0xab, 0xcd, 0xef]);
const built: usize = memory.data(28, 8);
const mac_scratch: usize = memory.data(8, 8);

/** Feeds an ARP packet built from the given fields to interface 0. */
function receive(op: u32, sender_mac: usize, sender: u32, target: u32): void {
  arp_emit(built, op, sender_mac, sender, 0, target);
  rx_arp(0, built, 28);
}

/** A distinct unicast MAC per host number: 02:00:00:00:01:nn. */
function host_mac(n: u32): usize {
  store<u8>(mac_scratch, 0x02);
  store<u32>(mac_scratch, 0, 1);
  store<u8>(mac_scratch, 0x01, 4);
  store<u8>(mac_scratch, <u8>n, 5);
  return mac_scratch;
}

/** Learns host 192.0.2.n through a request it sends for our address, at time `now`. */
function learn_host(n: u32, now: u32): void {
  clock_set(now);
  receive(ARP_OP_REQUEST, host_mac(n), ip4(192, 0, 2, n), OUR_ADDR);
}

@inline const FRAME_OFFSET: i32 = 4;
@inline const FRAME_BYTES: i32 = 64;

/**
 * Hands arp_output a 64-byte frame (destination MAC unset, 0xa5) whose payload bytes are
 * all `marker`, as tx_ipv4 would. Returns where the frame sits in its pool buffer.
 */
function output(next_hop: u32, marker: u8): usize {
  const buffer = pool_alloc();
  assert(buffer >= 0, "spec: pool exhausted");
  const frame = pool_ptr(buffer) + <usize>FRAME_OFFSET;
  memory.fill(frame, 0xa5, 6);
  memory.copy(frame + 6, OUR_MAC, 6);
  store<u8>(frame + 12, 0x08);
  store<u8>(frame + 13, 0x00);
  memory.fill(frame + 14, marker, <usize>(FRAME_BYTES - 14));
  arp_output(0, next_hop, buffer, FRAME_OFFSET, FRAME_BYTES);
  return frame;
}

/**
 * The frame output() placed at `frame` now carries mac as its destination and is otherwise
 * intact. ARP writes the MAC in place and tx_frame hands these very bytes to the host; the
 * buffer is back in the pool but not reused yet, so they can still be read here.
 */
function addressed(frame: usize, mac: usize, marker: u8): bool {
  return first_difference(frame, mac, 6) == -1 && first_difference(frame + 6, OUR_MAC, 6) == -1 &&
    load<u16>(frame + 12) == 0x0008 && all_bytes(frame + 14, FRAME_BYTES - 14, marker);
}

/** The last frame the host received is a whole data frame with `marker`, addressed to mac. */
function captured_data_frame(mac: usize, marker: u8): bool {
  return tx_len() == FRAME_BYTES && first_difference(captured, mac, 6) == -1 &&
    first_difference(captured + 6, OUR_MAC, 6) == -1 && all_bytes(captured + 14, FRAME_BYTES - 14, marker);
}

/** State of the cache entry for addr (ARP_FREE if none); the row accessors then describe it. */
function state_of(addr: u32): u8 {
  for (let i = 0; i < ARP_CACHE_COUNT; i++) {
    const s = arp_row(i);
    if (s != ARP_FREE && arp_row_addr() == addr) return s;
  }
  return ARP_FREE;
}

function used_rows(): i32 {
  let n = 0;
  for (let i = 0; i < ARP_CACHE_COUNT; i++) if (arp_row(i) != ARP_FREE) n++;
  return n;
}

/** Sets the clock and polls as the module's poll(now) does; returns the wanted poll delay. */
function tick(now: u32): u32 {
  clock_set(now);
  arp_poll(now);
  return clock_delay();
}

describe("arp: answering and learning", () => {
  beforeEach(() => {
    net_reset(T0);
  });

  it("answers a request for our address and learns the sender", () => {
    rx_arp(0, REQUEST_FOR_US, 28);
    expect<i32>(sent()).toBe(1);
    expect<u32>(delta(Counter.arp_rx)).toBe(1);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
    expect<i32>(tx_len()).toBe(60);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_REACHABLE);
    expect<i32>(arp_row_iface()).toBe(0);
    expect<i32>(first_difference(arp_row_mac(), PEER_MAC, 6)).toBe(-1);
  });

  it("learns from a reply to us without answering it", () => {
    rx_arp(0, REPLY_FROM_PEER, 28);
    expect<i32>(sent()).toBe(0);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_REACHABLE);
    expect<i32>(first_difference(arp_row_mac(), PEER_MAC, 6)).toBe(-1);
  });

  it("learns nothing new from a request for another address", () => {
    receive(ARP_OP_REQUEST, PEER_MAC, PEER_ADDR, ip4(192, 0, 2, 99));
    expect<i32>(sent()).toBe(0);
    expect<u32>(delta(Counter.arp_rx_not_for_us)).toBe(1);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_FREE);
    expect<i32>(used_rows()).toBe(0);
  });

  it("refreshes an existing entry from a request for another address", () => {
    rx_arp(0, REQUEST_FOR_US, 28);
    clock_set(T0 + 50_000);
    // The peer moved to a new MAC and asks for someone else.
    receive(ARP_OP_REQUEST, NEW_MAC, PEER_ADDR, ip4(192, 0, 2, 99));
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_REACHABLE);
    expect<i32>(first_difference(arp_row_mac(), NEW_MAC, 6)).toBe(-1);
    // The reachable time restarted at the refresh.
    clock_set(T0 + ARP_REACHABLE_MS);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_REACHABLE);
    clock_set(T0 + 50_000 + ARP_REACHABLE_MS);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_STALE);
    expect<i32>(used_rows()).toBe(1);
  });

  it("answers an address probe (sender 0.0.0.0) without learning it", () => {
    receive(ARP_OP_REQUEST, PEER_MAC, 0, OUR_ADDR);
    expect<i32>(sent()).toBe(1);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
    expect<i32>(used_rows()).toBe(0);
  });

  it("counts and ignores bogus senders", () => {
    const multicast_mac = memory.data<u8>([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]);
    const broadcast_mac = memory.data<u8>([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    receive(ARP_OP_REQUEST, multicast_mac, PEER_ADDR, OUR_ADDR);
    receive(ARP_OP_REQUEST, broadcast_mac, PEER_ADDR, OUR_ADDR);
    receive(ARP_OP_REQUEST, PEER_MAC, 0xffffffff, OUR_ADDR);
    receive(ARP_OP_REQUEST, PEER_MAC, ip4(192, 0, 2, 255), OUR_ADDR); // directed broadcast
    receive(ARP_OP_REQUEST, PEER_MAC, ip4(224, 0, 0, 1), OUR_ADDR);
    receive(ARP_OP_REQUEST, PEER_MAC, ip4(240, 0, 0, 1), OUR_ADDR);
    receive(ARP_OP_REPLY, PEER_MAC, OUR_ADDR, OUR_ADDR); // someone claims our address
    receive(ARP_OP_REQUEST, OUR_MAC, PEER_ADDR, OUR_ADDR); // our own MAC reflected
    expect<u32>(delta(Counter.arp_rx_bad_sender)).toBe(8);
    expect<i32>(sent()).toBe(0);
    expect<i32>(used_rows()).toBe(0);
  });

  it("counts malformed packets as arp_rx_bad", () => {
    rx_arp(0, REQUEST_FOR_US, 27);
    expect<u32>(delta(Counter.arp_rx_bad)).toBe(1);
    expect<i32>(sent()).toBe(0);
    expect<i32>(used_rows()).toBe(0);
  });

  it("stays silent while the interface is down", () => {
    iface_set_up(0, false);
    rx_arp(0, REQUEST_FOR_US, 28);
    expect<i32>(sent()).toBe(0);
    expect<i32>(used_rows()).toBe(0);
  });

  it("announces our address with a gratuitous request", () => {
    arp_announce(0);
    expect<i32>(sent()).toBe(1);
    expect<i32>(tx_len()).toBe(60);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(1);
    expect<i32>(used_rows()).toBe(0);
  });
});

describe("arp: resolution", () => {
  beforeEach(() => {
    net_reset(T0);
  });

  it("sends a request and holds the packet", () => {
    output(PEER_ADDR, 0x11);
    expect<i32>(sent()).toBe(1);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(1);
    expect<i32>(tx_len()).toBe(60);
    expect<i32>(pool_available()).toBe(TX_POOL_COUNT - 1);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_INCOMPLETE);
  });

  it("retries every ARP_RETRY_MS, then gives up and frees the waiting packets", () => {
    output(PEER_ADDR, 0x11);
    output(PEER_ADDR, 0x12);
    expect<i32>(sent()).toBe(1); // one request for both
    expect<u32>(tick(T0 + ARP_RETRY_MS - 1)).toBe(1);
    expect<i32>(sent()).toBe(1);
    for (let i: u32 = 1; i < ARP_RETRY_COUNT; i++) {
      expect<u32>(tick(T0 + i * ARP_RETRY_MS)).toBe(ARP_RETRY_MS);
      expect<i32>(sent()).toBe(1 + <i32>i);
      expect<u8>(state_of(PEER_ADDR)).toBe(ARP_INCOMPLETE);
    }
    tick(T0 + ARP_RETRY_COUNT * ARP_RETRY_MS - 1);
    expect<i32>(sent()).toBe(<i32>ARP_RETRY_COUNT);
    expect<u32>(delta(Counter.arp_resolve_failed)).toBe(0);
    expect<u32>(tick(T0 + ARP_RETRY_COUNT * ARP_RETRY_MS)).toBe(POLL_IDLE_MS);
    expect<i32>(sent()).toBe(<i32>ARP_RETRY_COUNT);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(ARP_RETRY_COUNT);
    expect<u32>(delta(Counter.arp_resolve_failed)).toBe(1);
    expect<u32>(delta(Counter.arp_queue_dropped)).toBe(2);
    expect<bool>(pool_full()).toBe(true);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_FREE);
  });

  it("retries and gives up on time across the u32 clock wrap", () => {
    const start: u32 = 0xffffffff - 1500;
    net_reset(start);
    output(PEER_ADDR, 0x11);
    tick(start + ARP_RETRY_MS); // before the wrap
    tick(start + 2 * ARP_RETRY_MS); // after it
    expect<i32>(sent()).toBe(3);
    expect<u32>(tick(start + 3 * ARP_RETRY_MS - 1)).toBe(1);
    tick(start + 3 * ARP_RETRY_MS);
    expect<u32>(delta(Counter.arp_resolve_failed)).toBe(1);
    expect<bool>(pool_full()).toBe(true);
  });

  it("flushes waiting packets to the answered MAC", () => {
    const first = output(PEER_ADDR, 0x11);
    const second = output(PEER_ADDR, 0x22);
    clock_set(T0 + 300);
    rx_arp(0, REPLY_FROM_PEER, 28);
    expect<i32>(sent()).toBe(3);
    expect<i32>(tx_len()).toBe(FRAME_BYTES);
    expect<bool>(addressed(first, PEER_MAC, 0x11)).toBe(true);
    expect<bool>(addressed(second, PEER_MAC, 0x22)).toBe(true);
    expect<bool>(pool_full()).toBe(true);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_REACHABLE);
    // Resolved: no more requests, and later packets go straight out.
    expect<u32>(tick(T0 + 5 * ARP_RETRY_MS)).toBe(POLL_IDLE_MS);
    expect<i32>(sent()).toBe(3);
    const third = output(PEER_ADDR, 0x33);
    expect<i32>(sent()).toBe(4);
    expect<bool>(addressed(third, PEER_MAC, 0x33)).toBe(true);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(1);
    expect<u32>(delta(Counter.arp_queue_dropped)).toBe(0);
  });

  it("flushes on a request from the awaited host too", () => {
    const frame = output(PEER_ADDR, 0x44);
    rx_arp(0, REQUEST_FOR_US, 28);
    // Request, then the flushed packet and our reply (in either order).
    expect<i32>(sent()).toBe(3);
    expect<bool>(addressed(frame, PEER_MAC, 0x44)).toBe(true);
    expect<bool>(pool_full()).toBe(true);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
  });

  it("drops what does not fit the wait queue, counted, buffer returned", () => {
    const first = output(PEER_ADDR, 0x50);
    for (let i = 1; i < ARP_QUEUE_COUNT + 1; i++) output(PEER_ADDR, <u8>(0x50 + i));
    expect<u32>(delta(Counter.arp_queue_full)).toBe(1);
    expect<i32>(pool_available()).toBe(TX_POOL_COUNT - ARP_QUEUE_COUNT);
    expect<i32>(sent()).toBe(1);
    rx_arp(0, REPLY_FROM_PEER, 28);
    expect<i32>(sent()).toBe(1 + ARP_QUEUE_COUNT);
    expect<bool>(addressed(first, PEER_MAC, 0x50)).toBe(true);
    expect<bool>(pool_full()).toBe(true);
  });
});

describe("arp: ageing", () => {
  beforeEach(() => {
    net_reset(T0);
    rx_arp(0, REQUEST_FOR_US, 28);
    mark();
  });

  it("reports STALE once ARP_REACHABLE_MS have passed", () => {
    clock_set(T0 + ARP_REACHABLE_MS - 1);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_REACHABLE);
    clock_set(T0 + ARP_REACHABLE_MS);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_STALE);
    expect<i32>(sent()).toBe(0);
  });

  it("sends on a stale entry and confirms it with a request (PROBE)", () => {
    clock_set(T0 + ARP_REACHABLE_MS);
    const frame = output(PEER_ADDR, 0x61);
    expect<i32>(sent()).toBe(2);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(1);
    expect<bool>(addressed(frame, PEER_MAC, 0x61)).toBe(true);
    expect<i32>(tx_len()).toBe(FRAME_BYTES); // the request went first
    expect<bool>(pool_full()).toBe(true);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_PROBE);
    // While probing, packets still go out without waiting and without more requests.
    output(PEER_ADDR, 0x62);
    expect<i32>(sent()).toBe(3);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(1);
  });

  it("frees a probed entry that never answers, dropping nothing", () => {
    const stale = T0 + ARP_REACHABLE_MS;
    clock_set(stale);
    output(PEER_ADDR, 0x61);
    for (let i: u32 = 1; i < ARP_RETRY_COUNT; i++) tick(stale + i * ARP_RETRY_MS);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_PROBE);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(ARP_RETRY_COUNT);
    tick(stale + ARP_RETRY_COUNT * ARP_RETRY_MS);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_FREE);
    expect<u32>(delta(Counter.arp_resolve_failed)).toBe(1);
    expect<u32>(delta(Counter.arp_queue_dropped)).toBe(0);
    expect<bool>(pool_full()).toBe(true);
  });

  it("returns a probed entry to REACHABLE when the answer comes", () => {
    const stale = T0 + ARP_REACHABLE_MS;
    clock_set(stale);
    output(PEER_ADDR, 0x61);
    clock_set(stale + 200);
    rx_arp(0, REPLY_FROM_PEER, 28);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_REACHABLE);
    tick(stale + 10 * ARP_RETRY_MS);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_REACHABLE);
    expect<u32>(delta(Counter.arp_resolve_failed)).toBe(0);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(1);
  });

  it("does not probe an entry that is stale but unused", () => {
    tick(T0 + 2 * ARP_REACHABLE_MS);
    expect<i32>(sent()).toBe(0);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_STALE);
  });
});

describe("arp: a full cache", () => {
  beforeEach(() => {
    net_reset(T0);
  });

  it("evicts the least recently used entry for a new neighbour", () => {
    for (let i = 0; i < ARP_CACHE_COUNT; i++) learn_host(100 + i, T0 + i);
    expect<i32>(used_rows()).toBe(ARP_CACHE_COUNT);
    // Use the oldest entry, so the second oldest becomes the least recently used.
    clock_set(T0 + 1000);
    output(ip4(192, 0, 2, 100), 0x71);
    learn_host(200, T0 + 2000);
    expect<u8>(state_of(ip4(192, 0, 2, 200))).toBe(ARP_REACHABLE);
    expect<u8>(state_of(ip4(192, 0, 2, 101))).toBe(ARP_FREE);
    expect<u8>(state_of(ip4(192, 0, 2, 100))).toBe(ARP_REACHABLE);
    expect<u8>(state_of(ip4(192, 0, 2, 102))).toBe(ARP_REACHABLE);
    expect<i32>(used_rows()).toBe(ARP_CACHE_COUNT);
    expect<u32>(delta(Counter.arp_cache_full)).toBe(0);
  });

  it("never evicts an INCOMPLETE entry, even the oldest", () => {
    const frame = output(PEER_ADDR, 0x72); // INCOMPLETE, used at T0
    for (let i = 1; i < ARP_CACHE_COUNT; i++) learn_host(100 + i, T0 + i);
    learn_host(200, T0 + 500);
    expect<u8>(state_of(PEER_ADDR)).toBe(ARP_INCOMPLETE);
    expect<u8>(state_of(ip4(192, 0, 2, 101))).toBe(ARP_FREE);
    expect<u8>(state_of(ip4(192, 0, 2, 200))).toBe(ARP_REACHABLE);
    // The waiting packet still goes out when the answer comes.
    rx_arp(0, REPLY_FROM_PEER, 28);
    expect<bool>(addressed(frame, PEER_MAC, 0x72)).toBe(true);
    expect<bool>(pool_full()).toBe(true);
  });

  it("drops new destinations with arp_cache_full when every entry is INCOMPLETE", () => {
    for (let i = 0; i < ARP_CACHE_COUNT; i++) output(ip4(192, 0, 2, 100 + i), <u8>i);
    expect<u32>(delta(Counter.arp_queue_full)).toBe(ARP_CACHE_COUNT - ARP_QUEUE_COUNT);
    expect<i32>(pool_available()).toBe(TX_POOL_COUNT - ARP_QUEUE_COUNT);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(ARP_CACHE_COUNT);
    output(ip4(192, 0, 2, 200), 0x73);
    expect<u32>(delta(Counter.arp_cache_full)).toBe(1);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(ARP_CACHE_COUNT);
    expect<i32>(pool_available()).toBe(TX_POOL_COUNT - ARP_QUEUE_COUNT);
    expect<u8>(state_of(ip4(192, 0, 2, 200))).toBe(ARP_FREE);
    // A neighbour asking for us is still answered, though it cannot be cached.
    mark();
    learn_host(201, T0 + 10);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
    expect<u8>(state_of(ip4(192, 0, 2, 201))).toBe(ARP_FREE);
    // Everything gives up in the end and every buffer comes back.
    for (let i: u32 = 1; i <= ARP_RETRY_COUNT; i++) tick(T0 + i * ARP_RETRY_MS);
    expect<u32>(delta(Counter.arp_resolve_failed)).toBe(ARP_CACHE_COUNT);
    expect<u32>(delta(Counter.arp_queue_dropped)).toBe(ARP_QUEUE_COUNT);
    expect<bool>(pool_full()).toBe(true);
    expect<i32>(used_rows()).toBe(0);
  });
});

// Byte-for-byte checks of what reaches the host, read back from `captured` (helpers/net.ts).
describe("arp: frames on the wire", () => {
  beforeEach(() => {
    net_reset(T0);
  });

  it("answers a request with the exact reply frame, padded to 60 bytes", () => {
    rx_arp(0, REQUEST_FOR_US, 28);
    expect<i32>(first_difference(captured, REPLY_FRAME, 60)).toBe(-1);
  });

  it("answers an address probe to the prober's MAC and 0.0.0.0", () => {
    receive(ARP_OP_REQUEST, PEER_MAC, 0, OUR_ADDR);
    expect<i32>(first_difference(captured, PEER_MAC, 6)).toBe(-1);
    expect<i32>(first_difference(captured + 32, PEER_MAC, 6)).toBe(-1); // target MAC
    expect<bool>(all_bytes(captured + 38, 4, 0)).toBe(true); // target address
  });

  it("broadcasts the exact request frame", () => {
    output(PEER_ADDR, 0x11);
    expect<i32>(first_difference(captured, REQUEST_FRAME, 60)).toBe(-1);
  });

  it("announces with the exact gratuitous frame", () => {
    arp_announce(0);
    expect<i32>(first_difference(captured, ANNOUNCE_FRAME, 60)).toBe(-1);
  });

  it("delivers the flushed packet to the host whole", () => {
    output(PEER_ADDR, 0x22);
    rx_arp(0, REPLY_FROM_PEER, 28);
    expect<bool>(captured_data_frame(PEER_MAC, 0x22)).toBe(true);
  });
});
