import { UDP_RX_RING_BYTES, UDP_SOCKET_COUNT } from "../../../assembly/config";
import { Counter } from "../../../assembly/lib/counters";
import { udp_socket_bind, udp_socket_close, udp_socket_open, udp_socket_pending, udp_socket_recvfrom } from "../../../assembly/socket/udp";
import { EAGAIN } from "../../../assembly/socket/errno";
import { prefilled } from "../helpers/bytes";
import { delta, ip4, mark, net_reset, OUR_ADDR, PEER_ADDR } from "../helpers/net";
import { has_pattern, receive_udp } from "../helpers/udp";

// Ring records are an 8-byte header plus the payload; the ring is UDP_RX_RING_BYTES.
@inline const RECORD: i32 = 8;
@inline const PORT: u32 = 7000;
@inline const PEER_PORT: u32 = 5000;

const peer_out: usize = memory.data(8, 4);
let socket: i32 = -1;

function deliver(len: i32, seed: u32): void {
  receive_udp(PEER_ADDR, PEER_PORT + seed, OUR_ADDR, PORT, len, seed);
}

/** Takes the next datagram and checks its length, every payload byte and its source. */
function take_ok(len: i32, seed: u32): bool {
  const out = prefilled(1600);
  const got = udp_socket_recvfrom(socket, out, 1500, peer_out);
  if (got != len) return false;
  if (!has_pattern(out, len, seed)) return false;
  if (load<u8>(out + <usize>len) != 0xa5) return false;
  return load<u32>(peer_out) == PEER_ADDR && load<u32>(peer_out, 4) == PEER_PORT + seed;
}

/**
 * Moves the ring's head (delivering and taking filler datagrams) so that `bytes` remain before
 * the ring's end: the wrap cases below were laid out for a 4096-byte ring.
 */
function leave_before_end(bytes: i32): void {
  let remaining = UDP_RX_RING_BYTES - bytes;
  while (remaining > 0) {
    let piece = min(remaining, 1408);
    if (remaining - piece > 0 && remaining - piece < RECORD) piece = remaining - RECORD;
    deliver(piece - RECORD, 99);
    expect<bool>(take_ok(piece - RECORD, 99)).toBe(true);
    remaining -= piece;
  }
}

describe("udp receive ring", () => {
  beforeEach(() => {
    net_reset(1000);
    socket = udp_socket_open();
    expect<i32>(udp_socket_bind(socket, 0, PORT)).toBe(0);
    mark();
  });
  afterEach(() => {
    for (let i = 0; i < UDP_SOCKET_COUNT; i++) udp_socket_close(i);
  });

  it("is sized as the default profile says (an 8184-byte reassembled datagram fits)", () => {
    expect<i32>(UDP_RX_RING_BYTES).toBe(9216);
  });

  it("returns datagrams in order with their sources", () => {
    deliver(5, 1);
    deliver(0, 2);
    deliver(1472, 3);
    expect<i32>(udp_socket_pending(socket)).toBe(3);
    expect<bool>(take_ok(5, 1)).toBe(true);
    expect<bool>(take_ok(0, 2)).toBe(true);
    expect<bool>(take_ok(1472, 3)).toBe(true);
    expect<i32>(udp_socket_recvfrom(socket, prefilled(8), 8, 0)).toBe(EAGAIN);
    expect<u32>(delta(Counter.udp_rx_ring_full)).toBe(0);
  });

  it("splits a record header across the ring's end and reads it back", () => {
    leave_before_end(4096);
    // 1408 + 1408 + 1276 = 4092 bytes: 4 left before the end.
    deliver(1400, 1);
    deliver(1400, 2);
    deliver(1268, 3);
    expect<bool>(take_ok(1400, 1)).toBe(true);
    // Header: 4 bytes at the end, 4 at the start; payload after them.
    deliver(100, 4);
    deliver(1296, 5);
    expect<u32>(delta(Counter.udp_rx_ring_full)).toBe(0);
    expect<i32>(udp_socket_pending(socket)).toBe(4);
    expect<bool>(take_ok(1400, 2)).toBe(true);
    expect<bool>(take_ok(1268, 3)).toBe(true);
    expect<bool>(take_ok(100, 4)).toBe(true);
    expect<bool>(take_ok(1296, 5)).toBe(true);
  });

  it("splits a payload across the ring's end and reads it back", () => {
    leave_before_end(4096);
    // 1008 * 3 = 3024; the next header fits before the end, its payload wraps.
    deliver(1000, 1);
    deliver(1000, 2);
    deliver(1000, 3);
    expect<bool>(take_ok(1000, 1)).toBe(true);
    expect<bool>(take_ok(1000, 2)).toBe(true);
    deliver(1400, 4); // header at 3024..3032, payload 3032..4432 -> wraps after 1064 bytes
    deliver(700, 5);
    expect<bool>(take_ok(1000, 3)).toBe(true);
    expect<bool>(take_ok(1400, 4)).toBe(true);
    expect<bool>(take_ok(700, 5)).toBe(true);
    expect<i32>(udp_socket_pending(socket)).toBe(0);
  });

  // As many 1008-byte records as fit, then less than one record's room is left.
  const FULL: u32 = <u32>(UDP_RX_RING_BYTES / 1008);
  const LEFT: i32 = UDP_RX_RING_BYTES - <i32>FULL * 1008;

  it("drops a datagram that does not fit, counted, without touching queued ones", () => {
    for (let i: u32 = 0; i < FULL; i++) deliver(1000, 10 + i);
    deliver(1000, 20);
    expect<u32>(delta(Counter.udp_rx_ring_full)).toBe(1);
    expect<i32>(udp_socket_pending(socket)).toBe(FULL);
    // LEFT bytes are left: a datagram of LEFT - 8 fills the ring exactly...
    deliver(LEFT - RECORD, 21);
    expect<i32>(udp_socket_pending(socket)).toBe(FULL + 1);
    // ...and then not even an empty one fits.
    deliver(0, 22);
    expect<u32>(delta(Counter.udp_rx_ring_full)).toBe(2);
    for (let i: u32 = 0; i < FULL; i++) expect<bool>(take_ok(1000, 10 + i)).toBe(true);
    expect<bool>(take_ok(LEFT - RECORD, 21)).toBe(true);
    expect<i32>(udp_socket_pending(socket)).toBe(0);
  });

  it("accepts again once space is freed", () => {
    for (let i: u32 = 0; i < FULL; i++) deliver(1000, 10 + i);
    deliver(1000, 20);
    expect<bool>(take_ok(1000, 10)).toBe(true);
    deliver(1000, 21);
    expect<u32>(delta(Counter.udp_rx_ring_full)).toBe(1);
    for (let i: u32 = 1; i < FULL; i++) expect<bool>(take_ok(1000, 10 + i)).toBe(true);
    expect<bool>(take_ok(1000, 21)).toBe(true);
  });

  it("keeps exact accounting over many wraps of mixed sizes", () => {
    // A model queue of (length, seed) checked against the ring for 400 steps.
    const lens = new StaticArray<i32>(64);
    const seeds = new StaticArray<u32>(64);
    let head = 0;
    let count = 0;
    let used = 0;
    let drops: u32 = 0;
    let x: u32 = 12345;
    for (let step: u32 = 0; step < 400; step++) {
      x = x * 1103515245 + 12345;
      const take = ((x >> 16) & 3) == 0 && count > 0;
      if (take) {
        expect<bool>(take_ok(lens[head], seeds[head])).toBe(true);
        used -= RECORD + lens[head];
        head = (head + 1) & 63;
        count--;
      } else {
        const len = <i32>((x >> 8) % 1473);
        deliver(len, step);
        if (used + RECORD + len > UDP_RX_RING_BYTES) {
          drops++;
        } else {
          assert(count < 64, "spec: model queue full");
          const tail = (head + count) & 63;
          lens[tail] = len;
          seeds[tail] = step;
          used += RECORD + len;
          count++;
        }
      }
      expect<i32>(udp_socket_pending(socket)).toBe(count);
    }
    expect<u32>(delta(Counter.udp_rx_ring_full)).toBe(drops);
    expect<bool>(drops > 0).toBe(true);
    while (count > 0) {
      expect<bool>(take_ok(lens[head], seeds[head])).toBe(true);
      head = (head + 1) & 63;
      count--;
    }
    expect<i32>(udp_socket_pending(socket)).toBe(0);
  });

  it("truncates to the caller's capacity and discards the rest", () => {
    deliver(100, 1);
    deliver(30, 2);
    const out = prefilled(128);
    expect<i32>(udp_socket_recvfrom(socket, out, 10, peer_out)).toBe(100);
    expect<bool>(has_pattern(out, 10, 1)).toBe(true);
    expect<u32>(load<u8>(out + 10)).toBe(0xa5);
    expect<u32>(load<u32>(peer_out, 4)).toBe(PEER_PORT + 1);
    expect<i32>(udp_socket_pending(socket)).toBe(1);
    expect<bool>(take_ok(30, 2)).toBe(true);
  });

  it("reads with capacity 0 and no peer buffer, consuming the datagram", () => {
    deliver(20, 1);
    expect<i32>(udp_socket_recvfrom(socket, prefilled(4), 0, 0)).toBe(20);
    expect<u32>(load<u8>(prefilled(0))).toBe(0xa5);
    expect<i32>(udp_socket_pending(socket)).toBe(0);
  });

  it("starts empty after close and reopen", () => {
    deliver(100, 1);
    udp_socket_close(socket);
    socket = udp_socket_open();
    expect<i32>(udp_socket_pending(socket)).toBe(0);
    expect<i32>(udp_socket_bind(socket, 0, PORT)).toBe(0);
    deliver(7, 2);
    expect<bool>(take_ok(7, 2)).toBe(true);
  });

  it("delivers only to the socket bound to the destination", () => {
    const other = udp_socket_open();
    expect<i32>(udp_socket_bind(other, OUR_ADDR, PORT + 1)).toBe(0);
    receive_udp(PEER_ADDR, 9, OUR_ADDR, PORT + 1, 3, 1);
    receive_udp(PEER_ADDR, 9, OUR_ADDR, PORT + 2, 3, 1);
    expect<i32>(udp_socket_pending(other)).toBe(1);
    expect<i32>(udp_socket_pending(socket)).toBe(0);
    expect<u32>(delta(Counter.udp_rx_no_socket)).toBe(1);
    // A broadcast reaches the wildcard socket, not the one bound to our unicast address.
    receive_udp(PEER_ADDR, 9, ip4(192, 0, 2, 255), PORT + 1, 3, 1);
    receive_udp(PEER_ADDR, 9, ip4(192, 0, 2, 255), PORT, 3, 1);
    expect<i32>(udp_socket_pending(other)).toBe(1);
    expect<i32>(udp_socket_pending(socket)).toBe(1);
    expect<u32>(delta(Counter.udp_rx_no_socket)).toBe(2);
  });
});
