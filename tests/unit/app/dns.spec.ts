// app/dns.ts against the stack's own UDP and a fake server: queries as sent on the wire, answers
// delivered through net/udp, the injected clock for TTLs and retries, the test hal's random for
// IDs and ports, and the bounds of the lookup table and the cache.
import { DNS_ATTEMPTS, DNS_CACHE_COUNT, DNS_NEGATIVE_TTL_S, DNS_QUERY_COUNT } from "../../../assembly/config";
import {
  dns_lookup_cancel, dns_lookup_start, dns_lookup_status, dns_poll, dns_reset, dns_result_addr, dns_result_ttl,
  dns_set_servers, DNS_DONE, DNS_NO_ADDRESS, DNS_NXDOMAIN, DNS_PENDING, DNS_SERVER_FAILURE, DNS_TIMEOUT,
} from "../../../assembly/app/dns";
import { Counter } from "../../../assembly/lib/counters";
import { rx_arp } from "../../../assembly/net/arp";
import { clock_set } from "../../../assembly/net/clock";
import { Delivery } from "../../../assembly/net/ipv4";
import { rx_udp } from "../../../assembly/net/udp";
import { EAGAIN, EBADF, EINVAL, ENETUNREACH } from "../../../assembly/socket/errno";
import { arp_emit, ARP_OP_REPLY } from "../../../assembly/wire/arp";
import { ipv4_emit, IP_PROTO_UDP } from "../../../assembly/wire/ipv4";
import { udp_emit } from "../../../assembly/wire/udp";
import { captured, delta, GATEWAY_ADDR, mark, net_reset, OUR_ADDR, PEER_ADDR, PEER_MAC, sent } from "../helpers/net";

const PRIMARY = PEER_ADDR;
const SECONDARY = GATEWAY_ADDR;
const ADDR: u32 = 0xc000024d;
const START: u32 = 10_000;

const text_buf: usize = memory.data(300, 8);
const arp_packet: usize = memory.data(28, 8);
const datagram: usize = memory.data(1600, 8);
const query_copy: usize = memory.data(600, 8);
let query_len: i32 = 0;

function known(addr: u32): void {
  arp_emit(arp_packet, ARP_OP_REPLY, PEER_MAC, addr, 0, OUR_ADDR);
  rx_arp(0, arp_packet, 28);
}

function reset(): void {
  net_reset(START);
  dns_reset();
  known(PRIMARY);
  known(SECONDARY);
  dns_set_servers(PRIMARY, SECONDARY);
  mark();
}

function start(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(text_buf + <usize>i, <u8>s.charCodeAt(i));
  return dns_lookup_start(text_buf, s.length);
}

function at(now: u32): void {
  clock_set(now);
  dns_poll();
}

// The last frame sent: Ethernet 14, IPv4 20, UDP 8, then the query.
@inline function sent_udp(): usize { return captured + 34; }
function sent_dst(): u32 { return bswap<u32>(load<u32>(captured + 30)); }
function sent_src_port(): u32 { return <u32>bswap<u16>(load<u16>(sent_udp())); }
function sent_dst_port(): u32 { return <u32>bswap<u16>(load<u16>(sent_udp() + 2)); }
function sent_id(): u32 { return <u32>bswap<u16>(load<u16>(sent_udp() + 8)); }

/** Keeps the query just sent, to build the answer from its question. */
function keep_query(): void {
  query_len = <i32>bswap<u16>(load<u16>(sent_udp() + 4)) - 8;
  memory.copy(query_copy, sent_udp() + 8, <usize>query_len);
}

/** Answers the kept query from server:53 with flags, and one A record when addr != 0. */
function answer(server: u32, src_port: u32, id: u32, flags: u32, addr: u32, ttl: u32): void {
  const udp = datagram + 20;
  const payload = udp + 8;
  memory.copy(payload, query_copy, <usize>query_len);
  let len = query_len;
  store<u16>(payload, bswap<u16>(<u16>id));
  store<u16>(payload + 2, bswap<u16>(<u16>flags));
  if (addr != 0) {
    store<u16>(payload + 6, bswap<u16>(1));
    const rr = payload + <usize>len;
    store<u16>(rr, bswap<u16>(0xc00c));
    store<u16>(rr + 2, bswap<u16>(1));
    store<u16>(rr + 4, bswap<u16>(1));
    store<u32>(rr + 6, bswap<u32>(ttl));
    store<u16>(rr + 10, bswap<u16>(4));
    store<u32>(rr + 12, bswap<u32>(addr));
    len += 16;
  }
  udp_emit(udp, len, src_port, sent_src_port(), server, OUR_ADDR);
  ipv4_emit(datagram, 28 + len, 1, false, 64, IP_PROTO_UDP, server, OUR_ADDR);
  rx_udp(0, datagram, udp, 8 + len, Delivery.UNICAST);
}

function answer_ok(addr: u32, ttl: u32): void {
  answer(sent_dst(), 53, sent_id(), 0x8180, addr, ttl);
}

describe("dns resolver: lookups", () => {
  beforeEach(() => { reset(); });

  it("sends a query to the primary on port 53 and finishes with the answer", () => {
    const handle = start("ok.test");
    expect<bool>(handle >= 0).toBe(true);
    expect<i32>(sent()).toBe(1);
    expect<u32>(sent_dst()).toBe(PRIMARY);
    expect<u32>(sent_dst_port()).toBe(53);
    expect<bool>(sent_src_port() >= 49152).toBe(true);
    expect<u32>(delta(Counter.dns_queries)).toBe(1);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_PENDING);
    keep_query();
    answer_ok(ADDR, 300);
    at(START + 10);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_DONE);
    expect<u32>(dns_result_addr()).toBe(ADDR);
    expect<u32>(dns_result_ttl()).toBe(300);
    expect<u32>(delta(Counter.dns_answers)).toBe(1);
    // Reading the final status released the handle.
    expect<i32>(dns_lookup_status(handle)).toBe(EBADF);
  });

  it("serves a second lookup within the TTL from the cache, then asks again after it", () => {
    start("ok.test");
    keep_query();
    answer_ok(ADDR, 300);
    at(START + 10);
    mark();
    at(START + 100_010);
    const hit = start("OK.test.");
    expect<i32>(sent()).toBe(0);
    expect<i32>(dns_lookup_status(hit)).toBe(DNS_DONE);
    expect<u32>(dns_result_addr()).toBe(ADDR);
    expect<u32>(dns_result_ttl()).toBe(200);
    expect<u32>(delta(Counter.dns_cache_hits)).toBe(1);
    at(START + 300_010);
    known(PRIMARY); // the ARP entry went stale meanwhile
    mark();
    const again = start("ok.test");
    expect<i32>(sent()).toBe(1);
    expect<i32>(dns_lookup_status(again)).toBe(DNS_PENDING);
  });

  it("caps TTLs at a day and does not cache TTL 0", () => {
    const handle = start("ok.test");
    keep_query();
    answer_ok(ADDR, 1_000_000);
    at(START);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_DONE);
    expect<u32>(dns_result_ttl()).toBe(86_400);
    start("zero.test");
    keep_query();
    answer_ok(ADDR, 0);
    at(START);
    mark();
    start("zero.test");
    expect<i32>(sent()).toBe(1);
  });

  it("retries at 1 s and 3 s, alternating servers, then times out at 7 s", () => {
    const handle = start("slow.test");
    const id0 = sent_id();
    const port0 = sent_src_port();
    at(START + 999);
    expect<i32>(sent()).toBe(1);
    at(START + 1000);
    expect<i32>(sent()).toBe(2);
    expect<u32>(sent_dst()).toBe(SECONDARY);
    const id1 = sent_id();
    const port1 = sent_src_port();
    at(START + 2999);
    expect<i32>(sent()).toBe(2);
    at(START + 3000);
    expect<i32>(sent()).toBe(3);
    expect<u32>(sent_dst()).toBe(PRIMARY);
    const id2 = sent_id();
    const port2 = sent_src_port();
    expect<u32>(delta(Counter.dns_retries)).toBe(2);
    expect<u32>(DNS_ATTEMPTS).toBe(3);
    at(START + 6999);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_PENDING);
    at(START + 7000);
    expect<i32>(sent()).toBe(3);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_TIMEOUT);
    expect<u32>(delta(Counter.dns_timeouts)).toBe(1);
    // Each attempt had its own random ID and port.
    expect<bool>(id0 != id1 && id1 != id2 && id0 != id2).toBe(true);
    expect<bool>(port0 != port1 && port1 != port2 && port0 != port2).toBe(true);
  });

  it("takes an answer to the retry from the secondary", () => {
    const handle = start("ok.test");
    at(START + 1000);
    keep_query();
    answer_ok(ADDR, 60);
    at(START + 1001);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_DONE);
    expect<u32>(dns_result_addr()).toBe(ADDR);
  });

  it("ignores answers with a wrong id, source or port and keeps waiting", () => {
    const handle = start("ok.test");
    keep_query();
    answer(PRIMARY, 53, sent_id() ^ 1, 0x8180, ADDR, 60);
    answer(SECONDARY, 53, sent_id(), 0x8180, ADDR, 60);
    answer(PRIMARY, 5353, sent_id(), 0x8180, ADDR, 60);
    at(START + 1);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_PENDING);
    expect<u32>(delta(Counter.dns_rx_bad_id)).toBe(1);
    expect<u32>(delta(Counter.dns_rx_bad_source)).toBe(2);
    answer_ok(ADDR, 60);
    at(START + 2);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_DONE);
  });

  it("reports NXDOMAIN, caches it for a short time, and asks again after", () => {
    const handle = start("nope.test");
    keep_query();
    answer(PRIMARY, 53, sent_id(), 0x8183, 0, 0);
    at(START + 1);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_NXDOMAIN);
    expect<u32>(delta(Counter.dns_nxdomain)).toBe(1);
    mark();
    expect<i32>(dns_lookup_status(start("nope.test"))).toBe(DNS_NXDOMAIN);
    expect<i32>(sent()).toBe(0);
    expect<u32>(delta(Counter.dns_cache_negative_hits)).toBe(1);
    at(START + 1 + DNS_NEGATIVE_TTL_S * 1000);
    expect<i32>(dns_lookup_status(start("nope.test"))).toBe(DNS_PENDING);
    expect<i32>(sent()).toBe(1);
  });

  it("reports no address, server failure, and a truncated answer as a failure", () => {
    let handle = start("empty.test");
    keep_query();
    answer(PRIMARY, 53, sent_id(), 0x8180, 0, 0);
    at(START + 1);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_NO_ADDRESS);
    handle = start("fail.test");
    keep_query();
    answer(PRIMARY, 53, sent_id(), 0x8182, 0, 0);
    at(START + 1);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_SERVER_FAILURE);
    handle = start("big.test");
    keep_query();
    answer(PRIMARY, 53, sent_id(), 0x8380, ADDR, 60);
    at(START + 1);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_SERVER_FAILURE);
    expect<u32>(delta(Counter.dns_rx_truncated)).toBe(1);
    expect<u32>(delta(Counter.dns_server_failures)).toBe(2);
  });
});

describe("dns resolver: limits", () => {
  beforeEach(() => { reset(); });

  it("refuses bad names with EINVAL and a full table with EAGAIN", () => {
    expect<i32>(start("")).toBe(EINVAL);
    expect<i32>(start("a..b")).toBe(EINVAL);
    expect<i32>(start("bad name")).toBe(EINVAL);
    let first = -1;
    for (let i = 0; i < DNS_QUERY_COUNT; i++) {
      const handle = start("q" + i.toString() + ".test");
      expect<bool>(handle >= 0).toBe(true);
      if (i == 0) first = handle;
    }
    expect<i32>(start("more.test")).toBe(EAGAIN);
    expect<i32>(dns_lookup_cancel(first)).toBe(0);
    expect<i32>(dns_lookup_cancel(first)).toBe(EBADF);
    expect<bool>(start("more.test") >= 0).toBe(true);
  });

  it("needs a server unless the answer is cached", () => {
    dns_set_servers(0, 0);
    expect<i32>(start("ok.test")).toBe(ENETUNREACH);
    dns_set_servers(0, SECONDARY);
    expect<bool>(start("ok.test") >= 0).toBe(true);
    expect<u32>(sent_dst()).toBe(SECONDARY);
  });

  it("evicts the least recently used entry when the cache is full", () => {
    for (let i = 0; i < DNS_CACHE_COUNT; i++) {
      const handle = start("n" + i.toString() + ".test");
      keep_query();
      answer_ok(ADDR + <u32>i, 600);
      at(START + <u32>i);
      expect<i32>(dns_lookup_status(handle)).toBe(DNS_DONE);
    }
    expect<u32>(delta(Counter.dns_cache_evictions)).toBe(0);
    // n0 is used again, so n1 is now the least recently used.
    expect<i32>(dns_lookup_status(start("n0.test"))).toBe(DNS_DONE);
    const handle = start("new.test");
    keep_query();
    answer_ok(ADDR + 100, 600);
    at(START + 100);
    expect<i32>(dns_lookup_status(handle)).toBe(DNS_DONE);
    expect<u32>(delta(Counter.dns_cache_evictions)).toBe(1);
    mark();
    expect<i32>(dns_lookup_status(start("n0.test"))).toBe(DNS_DONE);
    expect<i32>(dns_lookup_status(start("n2.test"))).toBe(DNS_DONE);
    expect<i32>(dns_lookup_status(start("new.test"))).toBe(DNS_DONE);
    expect<u32>(dns_result_addr()).toBe(ADDR + 100);
    expect<i32>(sent()).toBe(0);
    expect<i32>(dns_lookup_status(start("n1.test"))).toBe(DNS_PENDING);
    expect<i32>(sent()).toBe(1);
  });

  it("gives a handle's slot a new generation once read", () => {
    const first = start("ok.test");
    dns_lookup_cancel(first);
    const second = start("ok.test");
    expect<bool>(second != first).toBe(true);
    expect<i32>(second & 0xff).toBe(first & 0xff);
    expect<i32>(dns_lookup_status(first)).toBe(EBADF);
    expect<i32>(dns_lookup_status(second)).toBe(DNS_PENDING);
  });
});
