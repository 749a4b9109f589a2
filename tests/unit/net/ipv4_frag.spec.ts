import { ARP_QUEUE_COUNT } from "../../../assembly/config";
import { Counter } from "../../../assembly/lib/counters";
import { pool_alloc, pool_available } from "../../../assembly/lib/pool";
import { rx_arp } from "../../../assembly/net/arp";
import { rx_icmp, tx_icmp_error } from "../../../assembly/net/icmp";
import { checksum } from "../../../assembly/lib/checksum";
import { icmp_emit, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_TIME_EXCEEDED } from "../../../assembly/wire/icmp";
import { iface_set_mtu_bytes } from "../../../assembly/net/iface";
import { Delivery, ipv4_payload, tx_ipv4 } from "../../../assembly/net/ipv4";
import { frag_count, frag_data_max, ipv4_fragment, tx_ipv4_gather } from "../../../assembly/net/ipv4_frag";
import { EAGAIN, EMSGSIZE } from "../../../assembly/socket/errno";
import { udp_socket_close, udp_socket_open, udp_socket_sendto } from "../../../assembly/socket/udp";
import { arp_emit, ARP_OP_REPLY } from "../../../assembly/wire/arp";
import {
  ipv4_check, ipv4_decrement_ttl, ipv4_dont_fragment, ipv4_emit, ipv4_emit_fragment, ipv4_frag_offset, ipv4_ident, ipv4_is_fragment,
  ipv4_more_fragments, ipv4_src, ipv4_total_len, ipv4_ttl, IPV4_HEADER_BYTES, IP_PROTO_ICMP, IP_PROTO_TCP, IP_PROTO_UDP,
} from "../../../assembly/wire/ipv4";
import { udp_check, UDP_HEADER_BYTES } from "../../../assembly/wire/udp";
import { first_difference } from "../helpers/bytes";
import { capture_log } from "../helpers/hal";
import { delta, mark, net_reset, OUR_ADDR, PEER_ADDR, PEER_MAC, pool_full, sent } from "../helpers/net";

const STRIDE: i32 = 1536;
const LOG_FRAMES: i32 = 16;
const log: usize = memory.data(STRIDE * LOG_FRAMES, 8);
const header: usize = memory.data(IPV4_HEADER_BYTES, 4);
const payload: usize = memory.data(8192, 8);
const reassembled: usize = memory.data(8192, 8);
const arp_packet: usize = memory.data(28, 4);
const request: usize = memory.data(4100, 8);

/** The IP header of logged frame k (untagged Ethernet). */
function ip_of(k: i32): usize { return log + <usize>(k * STRIDE + 4 + 14); }
function frame_len(k: i32): i32 { return load<i32>(log + <usize>(k * STRIDE)); }

function fill_pattern(len: i32): void {
  for (let i = 0; i < len; i++) store<u8>(payload + <usize>i, <u8>(i * 7 + (i >> 8)));
}

/** Copies every logged fragment's payload to its offset in `reassembled`; returns the total. */
function reassemble(frames: i32): i32 {
  let end = 0;
  for (let k = 0; k < frames; k++) {
    const ip = ip_of(k);
    const n = ipv4_total_len(ip) - IPV4_HEADER_BYTES;
    memory.copy(reassembled + <usize>ipv4_frag_offset(ip), ip + <usize>IPV4_HEADER_BYTES, <usize>n);
    end = max(end, ipv4_frag_offset(ip) + n);
  }
  return end;
}

/** The peer answers an ARP request: its MAC becomes known. */
function peer_known(): void {
  arp_emit(arp_packet, ARP_OP_REPLY, PEER_MAC, PEER_ADDR, changetype<usize>(0), OUR_ADDR);
  rx_arp(0, arp_packet, 28);
}

/** Frames logged from here on (ip_of(0) the next one sent), counters marked. */
function restart_log(): void {
  capture_log(log, STRIDE, LOG_FRAMES);
  mark();
}

/** A reset stack at MTU 1500 that knows the peer's MAC, logging from the start. */
function reset_all(): void {
  net_reset(1000);
  iface_set_mtu_bytes(0, 1500);
  peer_known();
  restart_log();
}

describe("ipv4 fragmentation on send", () => {
  beforeEach(reset_all);

  it("splits 3800 bytes at MTU 1420 with identification 666 into offsets 0, 175, 350 (RFC 791's example)", () => {
    iface_set_mtu_bytes(0, 1420);
    fill_pattern(3800);
    ipv4_emit(header, 3820, 666, false, 64, IP_PROTO_UDP, OUR_ADDR, PEER_ADDR);
    expect<i32>(ipv4_fragment(0, PEER_ADDR, header, payload, 3800, 0, 0, 0, false)).toBe(0);
    expect<i32>(sent()).toBe(3);
    const offsets: StaticArray<i32> = [0, 175, 350];
    const more: StaticArray<bool> = [true, true, false];
    const lengths: StaticArray<i32> = [1400, 1400, 1000];
    for (let k = 0; k < 3; k++) {
      const ip = ip_of(k);
      expect<Counter>(ipv4_check(ip, frame_len(k) - 14)).toBe(Counter.OK);
      expect<u32>(ipv4_ident(ip)).toBe(666);
      expect<i32>(ipv4_frag_offset(ip) >> 3).toBe(offsets[k]);
      expect<bool>(ipv4_more_fragments(ip)).toBe(more[k]);
      expect<i32>(ipv4_total_len(ip) - IPV4_HEADER_BYTES).toBe(lengths[k]);
      expect<i32>(ipv4_total_len(ip)).toBeLessThanOrEqual(1420);
    }
    expect<i32>(reassemble(3)).toBe(3800);
    expect<i32>(first_difference(reassembled, payload, 3800)).toBe(-1);
    expect<u32>(delta(Counter.ipv4_tx_fragments)).toBe(3);
    expect<u32>(delta(Counter.ipv4_tx_fragmented)).toBe(1);
    expect<bool>(pool_full()).toBe(true);
  });

  it("cuts at 552 bytes at MTU 576, the last fragment an exact multiple of 8", () => {
    iface_set_mtu_bytes(0, 576);
    expect<i32>(frag_data_max(576)).toBe(552);
    expect<i32>(frag_count(1104, 576)).toBe(2);
    fill_pattern(1104);
    // An 8-byte head (a transport header) then 1096 bytes of body, gathered.
    expect<i32>(tx_ipv4_gather(0, 0, PEER_ADDR, IP_PROTO_UDP, payload, 8, payload + 8, 1096, 64, false)).toBe(0);
    expect<i32>(sent()).toBe(2);
    expect<i32>(ipv4_frag_offset(ip_of(0))).toBe(0);
    expect<i32>(ipv4_frag_offset(ip_of(1))).toBe(552);
    expect<bool>(ipv4_more_fragments(ip_of(0))).toBe(true);
    expect<bool>(ipv4_more_fragments(ip_of(1))).toBe(false);
    expect<i32>(ipv4_total_len(ip_of(1))).toBe(572);
    expect<u32>(ipv4_ident(ip_of(1))).toBe(ipv4_ident(ip_of(0)));
    expect<u32>(ipv4_src(ip_of(0))).toBe(OUR_ADDR);
    expect<i32>(reassemble(2)).toBe(1104);
    expect<i32>(first_difference(reassembled, payload, 1104)).toBe(-1);
  });

  it("sends a datagram of exactly the MTU whole, one byte more in two fragments", () => {
    fill_pattern(1481);
    expect<i32>(tx_ipv4_gather(0, 0, PEER_ADDR, IP_PROTO_UDP, payload, 0, payload, 1480, 64, false)).toBe(0);
    expect<i32>(sent()).toBe(1);
    expect<bool>(ipv4_is_fragment(ip_of(0))).toBe(false);
    expect<i32>(ipv4_total_len(ip_of(0))).toBe(1500);
    restart_log();
    expect<i32>(tx_ipv4_gather(0, 0, PEER_ADDR, IP_PROTO_UDP, payload, 0, payload, 1481, 64, false)).toBe(0);
    expect<i32>(sent()).toBe(2);
    expect<i32>(ipv4_total_len(ip_of(0))).toBe(1500);
    expect<i32>(ipv4_total_len(ip_of(1))).toBe(21);
    expect<i32>(ipv4_frag_offset(ip_of(1))).toBe(1480);
  });

  it("refuses a DF datagram over the MTU with EMSGSIZE, counted, sending nothing", () => {
    fill_pattern(2000);
    expect<i32>(tx_ipv4_gather(0, 0, PEER_ADDR, IP_PROTO_UDP, payload, 0, payload, 2000, 64, true)).toBe(EMSGSIZE);
    expect<u32>(delta(Counter.ipv4_tx_frag_df_refused)).toBe(1);
    expect<i32>(sent()).toBe(0);
    expect<bool>(pool_full()).toBe(true);
    // Within the MTU, DF goes out set.
    expect<i32>(tx_ipv4_gather(0, 0, PEER_ADDR, IP_PROTO_UDP, payload, 0, payload, 1000, 64, true)).toBe(0);
    expect<bool>(ipv4_dont_fragment(ip_of(0))).toBe(true);
  });

  it("fragments an oversized pool buffer given to tx_ipv4 (a TCP segment on a small-MTU link)", () => {
    iface_set_mtu_bytes(0, 576);
    const buffer = pool_alloc();
    fill_pattern(1200);
    memory.copy(ipv4_payload(buffer), payload, 1200);
    tx_ipv4(buffer, 0, 0, PEER_ADDR, IP_PROTO_TCP, 1200);
    expect<i32>(sent()).toBe(3);
    expect<i32>(reassemble(3)).toBe(1200);
    expect<i32>(first_difference(reassembled, payload, 1200)).toBe(-1);
    expect<bool>(pool_full()).toBe(true);
  });

  it("refuses more fragments than the ARP queue holds for an unresolved next hop, and starts resolving", () => {
    const stranger: u32 = 0xc0000263; // 192.0.2.99, not in the cache
    const len = frag_data_max(1500) * (ARP_QUEUE_COUNT + 1);
    expect<i32>(tx_ipv4_gather(0, 0, stranger, IP_PROTO_UDP, payload, 0, payload, len, 64, false)).toBe(EAGAIN);
    expect<u32>(delta(Counter.ipv4_tx_frag_unresolved)).toBe(1);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(1);
    expect<bool>(pool_full()).toBe(true);
    // As many as can wait do wait, then leave when the answer comes.
    const fits = frag_data_max(1500) * ARP_QUEUE_COUNT;
    expect<i32>(tx_ipv4_gather(0, 0, stranger, IP_PROTO_UDP, payload, 0, payload, fits, 64, false)).toBe(0);
    expect<i32>(pool_available()).toBe(8 - ARP_QUEUE_COUNT);
  });

  it("sends a UDP datagram larger than the MTU in fragments whose whole carries a valid checksum", () => {
    fill_pattern(4000);
    const h = udp_socket_open();
    expect<i32>(udp_socket_sendto(h, PEER_ADDR, 9, payload, 4000)).toBe(4000);
    expect<i32>(sent()).toBe(3);
    const total = reassemble(3);
    expect<i32>(total).toBe(4000 + UDP_HEADER_BYTES);
    expect<Counter>(udp_check(reassembled, total, OUR_ADDR, PEER_ADDR)).toBe(Counter.OK);
    expect<i32>(first_difference(reassembled + UDP_HEADER_BYTES, payload, 4000)).toBe(-1);
    udp_socket_close(h);
  });
});

describe("echo replies larger than a frame", () => {
  beforeEach(reset_all);

  it("answers a reassembled 4000-byte echo request in fragments with a valid checksum", () => {
    // As reassembly would hand it over: header and message contiguous, longer than a frame.
    const icmp = request + IPV4_HEADER_BYTES;
    for (let i = 8; i < 4000; i++) store<u8>(icmp + <usize>i, <u8>(i * 3));
    icmp_emit(icmp, 4000, ICMP_ECHO_REQUEST, 0, 0x12340007);
    ipv4_emit(request, 4020, 9, false, 64, IP_PROTO_ICMP, PEER_ADDR, OUR_ADDR);
    rx_icmp(0, request, icmp, 4000, Delivery.UNICAST);
    expect<i32>(sent()).toBe(3);
    expect<i32>(reassemble(3)).toBe(4000);
    expect<u32>(load<u8>(reassembled)).toBe(ICMP_ECHO_REPLY);
    expect<u32>(checksum(reassembled, 4000)).toBe(0);
    expect<i32>(first_difference(reassembled + 4, icmp + 4, 3996)).toBe(-1);
    expect<u32>(delta(Counter.icmp_tx_echo_reply)).toBe(1);
    expect<bool>(pool_full()).toBe(true);
  });
});

describe("ICMP errors about fragments", () => {
  beforeEach(() => {
    net_reset(1000);
    peer_known();
    restart_log();
  });

  it("answers the first fragment only (RFC 1122 3.2.2: never a non-initial one)", () => {
    for (let i = 0; i < 100; i++) store<u8>(request + IPV4_HEADER_BYTES + <usize>i, <u8>i);
    ipv4_emit(request, 120, 77, false, 1, IP_PROTO_UDP, PEER_ADDR, OUR_ADDR);
    ipv4_emit_fragment(request, 120, 1480, false);
    tx_icmp_error(request, ICMP_TIME_EXCEEDED, 0, 0);
    expect<i32>(sent()).toBe(0);
    ipv4_emit_fragment(request, 120, 0, true);
    tx_icmp_error(request, ICMP_TIME_EXCEEDED, 0, 0);
    expect<i32>(sent()).toBe(1);
    expect<u32>(delta(Counter.icmp_tx_time_exceeded)).toBe(1);
  });
});

describe("ipv4 TTL decrement", () => {
  it("keeps the header checksum valid (RFC 1624), whatever the TTL", () => {
    for (let ttl: u32 = 2; ttl < 256; ttl += 17) {
      ipv4_emit(header, 20, ttl * 31, ttl % 2 == 0, ttl, IP_PROTO_UDP, OUR_ADDR + ttl, PEER_ADDR);
      ipv4_decrement_ttl(header);
      expect<u32>(ipv4_ttl(header)).toBe(ttl - 1);
      expect<Counter>(ipv4_check(header, 20)).toBe(Counter.OK);
    }
  });
});
