import { ARP_QUEUE_COUNT, PROBE_COUNT, PROBE_PAYLOAD_MAX } from "../../../assembly/config";
import { Counter } from "../../../assembly/lib/counters";
import { clock_delay, clock_set } from "../../../assembly/net/clock";
import { rx_arp } from "../../../assembly/net/arp";
import { rx_icmp } from "../../../assembly/net/icmp";
import {
  probe_code, probe_from, probe_ident, probe_poll, probe_release, probe_reply_ttl, probe_reset, probe_rtt, probe_send,
  probe_sequence, probe_state, PROBE_FREE, PROBE_PENDING, PROBE_REPLY, PROBE_TIME_EXCEEDED, PROBE_TIMEOUT, PROBE_UNREACHABLE,
} from "../../../assembly/net/icmp_probe";
import { Delivery } from "../../../assembly/net/ipv4";
import { arp_emit, ARP_OP_REPLY } from "../../../assembly/wire/arp";
import { icmp_emit, ICMP_DEST_UNREACHABLE, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_TIME_EXCEEDED, ICMP_UNREACH_PORT } from "../../../assembly/wire/icmp";
import { ipv4_emit, IP_PROTO_ICMP, IP_PROTO_UDP } from "../../../assembly/wire/ipv4";
import { captured, delta, GATEWAY_ADDR, ip4, mark, net_reset, OUR_ADDR, PEER_ADDR, PEER_MAC, sent } from "../helpers/net";

const T0: u32 = 50_000;
const FAR: u32 = 0xcb007105; // 203.0.113.5, through the gateway
const OTHER: u32 = 0xc0000263; // 192.0.2.99, a host that is not us
const ENOBUFS: i32 = -105;
const EINVAL: i32 = -22;

const datagram: usize = memory.data(8300, 8);
const arp_packet: usize = memory.data(28, 8);
/** Where probe_send generates the echo data (the io buffer in the module). */
const scratch: usize = memory.data(PROBE_PAYLOAD_MAX, 8);

function reset(): void {
  net_reset(T0);
  probe_reset();
  // Peer and gateway resolved, so probes leave at once and the last one is in `captured`.
  arp_emit(arp_packet, ARP_OP_REPLY, PEER_MAC, PEER_ADDR, 0, OUR_ADDR);
  rx_arp(0, arp_packet, 28);
  arp_emit(arp_packet, ARP_OP_REPLY, PEER_MAC, GATEWAY_ADDR, 0, OUR_ADDR);
  rx_arp(0, arp_packet, 28);
  mark();
}

/** An echo reply from src: identifier, sequence, data bytes following the probe pattern
 *  from `first` (the probe's sequence), with byte `corrupt` flipped (-1: none). */
function receive_reply(src: u32, ident: u32, sequence: u32, size: i32, first: u32, corrupt: i32, delivery: i32 = Delivery.UNICAST): void {
  const icmp = datagram + 20;
  for (let i = 0; i < size; i++) store<u8>(icmp + 8 + <usize>i, <u8>(first + <u32>i));
  if (corrupt >= 0) store<u8>(icmp + 8 + <usize>corrupt, load<u8>(icmp + 8 + <usize>corrupt) ^ 0xff);
  icmp_emit(icmp, 8 + size, ICMP_ECHO_REPLY, 0, (ident << 16) | sequence);
  ipv4_emit(datagram, 28 + size, 7, false, 61, IP_PROTO_ICMP, src, OUR_ADDR);
  rx_icmp(0, datagram, icmp, 8 + size, delivery);
}

/**
 * An error (type, code) from `from` quoting a datagram from quoted_src to quoted_dst of the
 * given protocol whose first 8 payload bytes are an echo request (ident, sequence); the
 * quoted header is `ihl` words long (its bytes beyond 20 are options) and the quote is cut
 * to quote_len bytes.
 */
function receive_error(from: u32, type: u32, code: u32, quoted_src: u32, quoted_dst: u32, protocol: u32, ident: u32, sequence: u32, ihl: i32, quote_len: i32): void {
  const icmp = datagram + 20;
  const quote = icmp + 8;
  memory.fill(quote, 0, 80);
  ipv4_emit(quote, 28, 1, false, 1, protocol, quoted_src, quoted_dst);
  store<u8>(quote, <u8>(0x40 | ihl));
  const inner = quote + <usize>(ihl << 2);
  store<u8>(inner, <u8>ICMP_ECHO_REQUEST);
  store<u8>(inner + 4, <u8>(ident >> 8));
  store<u8>(inner + 5, <u8>ident);
  store<u8>(inner + 6, <u8>(sequence >> 8));
  store<u8>(inner + 7, <u8>sequence);
  icmp_emit(icmp, 8 + quote_len, type, code, 0);
  ipv4_emit(datagram, 28 + quote_len, 9, false, 250, IP_PROTO_ICMP, from, OUR_ADDR);
  rx_icmp(0, datagram, icmp, 8 + quote_len, Delivery.UNICAST);
}

function error_about(slot: i32, from: u32, type: u32, code: u32, dst: u32): void {
  receive_error(from, type, code, OUR_ADDR, dst, IP_PROTO_ICMP, probe_ident(), probe_sequence(slot), 5, 28);
}

describe("probe send", () => {
  test("an echo request with our identifier, the next sequence, the TTL and patterned data", () => {
    reset();
    const slot = probe_send(PEER_ADDR, 16, 7, 1000, scratch);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(probe_state(slot)).toBe(PROBE_PENDING);
    expect(delta(Counter.icmp_probe_tx)).toBe(1);
    const ip = captured + 14;
    expect(load<u8>(ip + 8)).toBe(7); // TTL
    expect(load<u8>(ip + 9)).toBe(<u8>IP_PROTO_ICMP);
    const icmp = ip + 20;
    expect(load<u8>(icmp)).toBe(<u8>ICMP_ECHO_REQUEST);
    expect((<u32>load<u8>(icmp + 4) << 8) | load<u8>(icmp + 5)).toBe(probe_ident());
    expect((<u32>load<u8>(icmp + 6) << 8) | load<u8>(icmp + 7)).toBe(probe_sequence(slot));
    for (let i = 0; i < 16; i++) expect(load<u8>(icmp + 8 + <usize>i)).toBe(<u8>(probe_sequence(slot) + <u32>i));
    // Each probe takes the next sequence number.
    const second = probe_send(PEER_ADDR, 0, 64, 1000, scratch);
    expect(probe_sequence(second)).toBe(probe_sequence(slot) + 1);
  });

  test("refuses bad arguments and a full table (no eviction)", () => {
    reset();
    expect(probe_send(PEER_ADDR, PROBE_PAYLOAD_MAX + 1, 64, 1000, scratch)).toBe(EINVAL);
    expect(probe_send(PEER_ADDR, -1, 64, 1000, scratch)).toBe(EINVAL);
    expect(probe_send(PEER_ADDR, 8, 0, 1000, scratch)).toBe(EINVAL);
    expect(probe_send(PEER_ADDR, 8, 256, 1000, scratch)).toBe(EINVAL);
    expect(probe_send(PEER_ADDR, 8, 64, 0, scratch)).toBe(EINVAL);
    expect(probe_send(0, 8, 64, 1000, scratch)).toBe(EINVAL);
    expect(probe_send(ip4(224, 0, 0, 1), 8, 64, 1000, scratch)).toBe(EINVAL);
    for (let i = 0; i < PROBE_COUNT; i++) expect(probe_send(PEER_ADDR, 8, 64, 1000, scratch)).toBe(i);
    expect(probe_send(PEER_ADDR, 8, 64, 1000, scratch)).toBe(ENOBUFS);
    expect(probe_release(3 % PROBE_COUNT)).toBe(0);
    expect(probe_release(3 % PROBE_COUNT)).toBe(EINVAL);
    expect(probe_send(PEER_ADDR, 8, 64, 1000, scratch)).toBe(3 % PROBE_COUNT);
  });
});

describe("probes larger than a frame", () => {
  test("a 4000-byte request leaves in 3 fragments; the reassembled reply is checked whole", () => {
    reset();
    const slot = probe_send(PEER_ADDR, 4000, 64, 1000, scratch);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(sent()).toBe(3);
    expect(delta(Counter.ipv4_tx_fragmented)).toBe(1);
    // The last fragment's data ends the pattern: 4008 - 2 * 1480 bytes of the message.
    const last = captured + 14;
    expect((<i32>load<u8>(last + 2) << 8 | load<u8>(last + 3)) - 20).toBe(4008 - 2960);
    expect(load<u8>(last + 20 + 1047)).toBe(<u8>(probe_sequence(slot) + 3999));
    const corrupted = probe_send(PEER_ADDR, 4000, 64, 1000, scratch);
    receive_reply(PEER_ADDR, probe_ident(), probe_sequence(corrupted), 4000, probe_sequence(corrupted), 3999);
    expect(probe_state(corrupted)).toBe(PROBE_PENDING);
    expect(delta(Counter.icmp_probe_rx_bad_payload)).toBe(1);
    receive_reply(PEER_ADDR, probe_ident(), probe_sequence(slot), 4000, probe_sequence(slot), -1);
    expect(probe_state(slot)).toBe(PROBE_REPLY);
  });

  test("more fragments than may wait for an unresolved neighbour: lost as on the wire, then timed out", () => {
    reset();
    const size = ARP_QUEUE_COUNT * 1480;
    const slot = probe_send(OTHER, size, 64, 500, scratch);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(probe_state(slot)).toBe(PROBE_PENDING);
    expect(delta(Counter.ipv4_tx_frag_unresolved)).toBe(1);
    expect(delta(Counter.ipv4_tx_fragments)).toBe(0);
    expect(delta(Counter.arp_tx_request)).toBe(1);
    probe_poll(T0 + 500);
    expect(probe_state(slot)).toBe(PROBE_TIMEOUT);
  });
});

describe("echo reply matching", () => {
  test("the right identifier, sequence and data: a reply with RTT, source and TTL", () => {
    reset();
    const slot = probe_send(PEER_ADDR, 32, 64, 1000, scratch);
    clock_set(T0 + 12);
    receive_reply(PEER_ADDR, probe_ident(), probe_sequence(slot), 32, probe_sequence(slot), -1);
    expect(probe_state(slot)).toBe(PROBE_REPLY);
    expect(probe_rtt(slot)).toBe(12);
    expect(probe_from(slot)).toBe(PEER_ADDR);
    expect(probe_reply_ttl(slot)).toBe(61);
    expect(delta(Counter.icmp_rx_echo_reply)).toBe(1);
    // A duplicate finds nothing pending.
    receive_reply(PEER_ADDR, probe_ident(), probe_sequence(slot), 32, probe_sequence(slot), -1);
    expect(delta(Counter.icmp_probe_rx_unmatched)).toBe(1);
  });

  test("wrong identifier, wrong sequence, wrong source: unmatched, still pending", () => {
    reset();
    const slot = probe_send(PEER_ADDR, 8, 64, 1000, scratch);
    const sequence = probe_sequence(slot);
    receive_reply(PEER_ADDR, probe_ident() ^ 1, sequence, 8, sequence, -1);
    receive_reply(PEER_ADDR, probe_ident(), sequence + 1, 8, sequence, -1);
    receive_reply(OTHER, probe_ident(), sequence, 8, sequence, -1);
    expect(delta(Counter.icmp_probe_rx_unmatched)).toBe(3);
    expect(probe_state(slot)).toBe(PROBE_PENDING);
  });

  test("wrong data or length: counted as bad payload, still pending; the right one then matches", () => {
    reset();
    const slot = probe_send(PEER_ADDR, 24, 64, 1000, scratch);
    const sequence = probe_sequence(slot);
    receive_reply(PEER_ADDR, probe_ident(), sequence, 24, sequence, 23);
    receive_reply(PEER_ADDR, probe_ident(), sequence, 23, sequence, -1);
    receive_reply(PEER_ADDR, probe_ident(), sequence, 24, sequence + 1, -1);
    expect(delta(Counter.icmp_probe_rx_bad_payload)).toBe(3);
    expect(probe_state(slot)).toBe(PROBE_PENDING);
    receive_reply(PEER_ADDR, probe_ident(), sequence, 24, sequence, -1);
    expect(probe_state(slot)).toBe(PROBE_REPLY);
  });

  test("a reply delivered as broadcast is not taken", () => {
    reset();
    const slot = probe_send(PEER_ADDR, 8, 64, 1000, scratch);
    receive_reply(PEER_ADDR, probe_ident(), probe_sequence(slot), 8, probe_sequence(slot), -1, Delivery.BROADCAST);
    expect(delta(Counter.icmp_rx_reply_not_unicast)).toBe(1);
    expect(probe_state(slot)).toBe(PROBE_PENDING);
  });
});

describe("errors quoting a probe", () => {
  test("time exceeded and port unreachable record who answered and the code", () => {
    reset();
    const first = probe_send(FAR, 8, 1, 1000, scratch);
    const second = probe_send(FAR, 8, 2, 1000, scratch);
    clock_set(T0 + 3);
    error_about(first, GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, FAR);
    error_about(second, FAR, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, FAR);
    expect(probe_state(first)).toBe(PROBE_TIME_EXCEEDED);
    expect(probe_from(first)).toBe(GATEWAY_ADDR);
    expect(probe_code(first)).toBe(0);
    expect(probe_rtt(first)).toBe(3);
    expect(probe_state(second)).toBe(PROBE_UNREACHABLE);
    expect(probe_from(second)).toBe(FAR);
    expect(probe_code(second)).toBe(ICMP_UNREACH_PORT);
    expect(delta(Counter.icmp_rx_time_exceeded)).toBe(1);
    expect(delta(Counter.icmp_rx_unreachable)).toBe(1);
  });

  test("a quoted header with options (IHL 6) is read past the options", () => {
    reset();
    const slot = probe_send(FAR, 8, 1, 1000, scratch);
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, FAR, IP_PROTO_ICMP, probe_ident(), probe_sequence(slot), 6, 32);
    expect(probe_state(slot)).toBe(PROBE_TIME_EXCEEDED);
  });

  test("malformed quotes are counted and never read past: short, bad version, bad or lying header length", () => {
    reset();
    const slot = probe_send(FAR, 8, 1, 1000, scratch);
    const ident = probe_ident();
    const sequence = probe_sequence(slot);
    // The IP header without the 8 bytes after it, and less than a header.
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, FAR, IP_PROTO_ICMP, ident, sequence, 5, 20);
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, FAR, IP_PROTO_ICMP, ident, sequence, 5, 4);
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, FAR, IP_PROTO_ICMP, ident, sequence, 5, 0);
    // Header length below 20 bytes, and 60 bytes claimed in a 28-byte quote.
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, FAR, IP_PROTO_ICMP, ident, sequence, 4, 28);
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, FAR, IP_PROTO_ICMP, ident, sequence, 15, 28);
    // Not version 4 (an otherwise good quote, patched).
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, FAR, IP_PROTO_ICMP, ident, sequence, 5, 28);
    expect(probe_state(slot)).toBe(PROBE_TIME_EXCEEDED);
    expect(probe_release(slot)).toBe(0);
    const again = probe_send(FAR, 8, 1, 1000, scratch);
    const icmp = datagram + 20;
    store<u8>(icmp + 8, 0x65);
    icmp_emit(icmp, 36, ICMP_TIME_EXCEEDED, 0, 0);
    rx_icmp(0, datagram, icmp, 36, Delivery.UNICAST);
    expect(delta(Counter.icmp_rx_bad_quote)).toBe(6);
    expect(probe_state(again)).toBe(PROBE_PENDING);
    // The good quote before the patch did match.
    expect(delta(Counter.icmp_rx_time_exceeded)).toBe(7);
  });

  test("quotes of someone else's probe are not matched (other source, identifier, protocol, destination)", () => {
    reset();
    const slot = probe_send(FAR, 8, 1, 1000, scratch);
    const ident = probe_ident();
    const sequence = probe_sequence(slot);
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OTHER, FAR, IP_PROTO_ICMP, ident, sequence, 5, 28);
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, FAR, IP_PROTO_ICMP, ident ^ 0x8000, sequence, 5, 28);
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, FAR, IP_PROTO_UDP, ident, sequence, 5, 28);
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, OTHER, IP_PROTO_ICMP, ident, sequence, 5, 28);
    receive_error(GATEWAY_ADDR, ICMP_TIME_EXCEEDED, 0, OUR_ADDR, FAR, IP_PROTO_ICMP, ident, sequence + 1, 5, 28);
    expect(delta(Counter.icmp_probe_rx_unmatched)).toBe(5);
    expect(delta(Counter.icmp_rx_bad_quote)).toBe(0);
    expect(probe_state(slot)).toBe(PROBE_PENDING);
  });
});

describe("timeouts and traceroute hops", () => {
  test("poll asks to be woken at the deadline and times the probe out there", () => {
    reset();
    const slot = probe_send(PEER_ADDR, 8, 64, 500, scratch);
    clock_set(T0 + 100);
    probe_poll(T0 + 100);
    expect(clock_delay()).toBe(400);
    expect(probe_state(slot)).toBe(PROBE_PENDING);
    clock_set(T0 + 500);
    probe_poll(T0 + 500);
    expect(probe_state(slot)).toBe(PROBE_TIMEOUT);
    expect(delta(Counter.icmp_probe_timeout)).toBe(1);
    // A late reply is not matched.
    receive_reply(PEER_ADDR, probe_ident(), probe_sequence(slot), 8, probe_sequence(slot), -1);
    expect(probe_state(slot)).toBe(PROBE_TIMEOUT);
    expect(delta(Counter.icmp_probe_rx_unmatched)).toBe(1);
    expect(probe_release(slot)).toBe(0);
    expect(probe_state(slot)).toBe(PROBE_FREE);
  });

  test("a three-hop trace: time exceeded from two routers, then the destination's reply", () => {
    reset();
    const routers: u32[] = [GATEWAY_ADDR, ip4(198, 51, 100, 1)];
    const hops = new StaticArray<i32>(3);
    for (let ttl = 1; ttl <= 3; ttl++) {
      const slot = probe_send(FAR, 32, <u32>ttl, 1000, scratch);
      expect(load<u8>(captured + 14 + 8)).toBe(<u8>ttl);
      clock_set(T0 + <u32>ttl * 10);
      if (ttl < 3) error_about(slot, routers[ttl - 1], ICMP_TIME_EXCEEDED, 0, FAR);
      else receive_reply(FAR, probe_ident(), probe_sequence(slot), 32, probe_sequence(slot), -1);
      hops[ttl - 1] = slot;
    }
    expect(probe_state(hops[0])).toBe(PROBE_TIME_EXCEEDED);
    expect(probe_from(hops[0])).toBe(GATEWAY_ADDR);
    expect(probe_rtt(hops[0])).toBe(10);
    expect(probe_state(hops[1])).toBe(PROBE_TIME_EXCEEDED);
    expect(probe_from(hops[1])).toBe(ip4(198, 51, 100, 1));
    expect(probe_state(hops[2])).toBe(PROBE_REPLY);
    expect(probe_from(hops[2])).toBe(FAR);
    expect(probe_rtt(hops[2])).toBe(10);
  });
});
