import { IGMP_GROUP_COUNT } from "../../../assembly/config";
import { Counter } from "../../../assembly/lib/counters";
import { clock_set } from "../../../assembly/net/clock";
import { igmp_join, igmp_joined, igmp_leave, igmp_poll, igmp_reset } from "../../../assembly/net/igmp";
import { rx_ipv4 } from "../../../assembly/net/ipv4";
import { udp_socket_bind, udp_socket_close, udp_socket_open, udp_socket_pending } from "../../../assembly/socket/udp";
import { igmp_emit, IGMP_MEMBERSHIP_QUERY, IGMP_V1_MEMBERSHIP_REPORT, IGMP_V2_MEMBERSHIP_REPORT, IGMP_V3_MEMBERSHIP_REPORT, IGMP_LEAVE_GROUP } from "../../../assembly/wire/igmp";
import { ipv4_emit, ipv4_emit_router_alert, IP_PROTO_IGMP, IP_PROTO_UDP } from "../../../assembly/wire/ipv4";
import { udp_emit } from "../../../assembly/wire/udp";
import { random_next } from "../helpers/hal";
import { captured, delta, mark, net_reset, pool_full, sent, PEER_ADDR } from "../helpers/net";

const T0: u32 = 1000;
const GROUP: u32 = 0xef010203; // 239.1.2.3
const OTHER: u32 = 0xef010204;
const ALL_HOSTS: u32 = 0xe0000001;
const datagram: usize = memory.data(128, 8);

/** An IGMP message of len bytes (type, code, group; zero beyond 8) from the peer to dst, with Router Alert. */
function receive_igmp(dst: u32, type: u32, code: u32, group: u32, len: i32): void {
  const igmp = datagram + 24;
  memory.fill(igmp, 0, 16);
  igmp_emit(igmp, type, code, group);
  if (len > 8) { // fix the checksum over the longer message: the extra bytes are zero
    store<u8>(igmp + 8, 2); store<u8>(igmp + 9, 125);
    store<u16>(igmp + 2, 0);
    let sum: u32 = 0;
    for (let i = 0; i < len; i += 2) sum += (<u32>load<u8>(igmp + <usize>i) << 8) | load<u8>(igmp + <usize>i + 1);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    store<u8>(igmp + 2, <u8>(~sum >> 8)); store<u8>(igmp + 3, <u8>~sum);
  }
  ipv4_emit(datagram, 24 + len, 7, false, 1, IP_PROTO_IGMP, PEER_ADDR, dst);
  ipv4_emit_router_alert(datagram);
  rx_ipv4(0, datagram, 24 + len);
}

function query(group: u32, tenths: u32): void {
  receive_igmp(group == 0 ? ALL_HOSTS : group, IGMP_MEMBERSHIP_QUERY, tenths, group, 8);
}

function at(now: u32): void {
  clock_set(now);
  igmp_poll(now);
}

/** The last frame sent: an IGMP message of type to dst about group, TTL 1, Router Alert. */
function expect_sent(type: u32, dst: u32, group: u32): void {
  const ip = captured + 14;
  expect<u8>(load<u8>(captured)).toBe(0x01); // 01:00:5e + low 23 bits of dst
  expect<u8>(load<u8>(captured + 5)).toBe(<u8>dst);
  expect<u8>(load<u8>(ip)).toBe(0x46); // 24-byte header
  expect<u8>(load<u8>(ip + 8)).toBe(1); // TTL
  expect<u8>(load<u8>(ip + 9)).toBe(2); // IGMP
  expect<u32>(bswap<u32>(load<u32>(ip + 16))).toBe(dst);
  expect<u32>(bswap<u32>(load<u32>(ip + 20))).toBe(0x94040000); // Router Alert
  expect<u8>(load<u8>(ip + 24)).toBe(<u8>type);
  expect<u32>(bswap<u32>(load<u32>(ip + 28))).toBe(group);
}

describe("IGMP join and leave", () => {
  beforeEach(() => {
    net_reset(T0);
    igmp_reset();
  });

  it("reports at once on join, once more within 10 s, and then stays quiet", () => {
    expect<bool>(igmp_join(0, GROUP)).toBe(true);
    expect<i32>(sent()).toBe(1);
    expect_sent(IGMP_V2_MEMBERSHIP_REPORT, GROUP, GROUP);
    at(T0 + 10_000);
    expect<i32>(sent()).toBe(2);
    expect_sent(IGMP_V2_MEMBERSHIP_REPORT, GROUP, GROUP);
    at(T0 + 100_000);
    expect<i32>(sent()).toBe(2);
    expect<u32>(delta(Counter.igmp_tx_report)).toBe(2);
    expect<bool>(pool_full()).toBe(true);
  });

  it("repeats the join's report after the random delay", () => {
    random_next(3_000);
    igmp_join(0, GROUP);
    at(T0 + 2_999);
    expect<i32>(sent()).toBe(1);
    at(T0 + 3_000);
    expect<i32>(sent()).toBe(2);
  });

  it("counts references: one report for two joins, a leave to 224.0.0.2 only with the last leave", () => {
    igmp_join(0, GROUP);
    igmp_join(0, GROUP);
    expect<i32>(sent()).toBe(1);
    expect<bool>(igmp_leave(0, GROUP)).toBe(true);
    expect<i32>(sent()).toBe(1);
    expect<bool>(igmp_joined(0, GROUP)).toBe(true);
    expect<bool>(igmp_leave(0, GROUP)).toBe(true);
    expect<i32>(sent()).toBe(2);
    expect_sent(IGMP_LEAVE_GROUP, 0xe0000002, GROUP);
    expect<u32>(delta(Counter.igmp_tx_leave)).toBe(1);
    expect<bool>(igmp_joined(0, GROUP)).toBe(false);
    expect<bool>(igmp_leave(0, GROUP)).toBe(false);
    at(T0 + 20_000); // the pending repeat went with the membership
    expect<i32>(sent()).toBe(2);
  });

  it("refuses a join when the table is full, and takes it once a row is free", () => {
    for (let i = 0; i < IGMP_GROUP_COUNT; i++) expect<bool>(igmp_join(0, GROUP + <u32>i)).toBe(true);
    expect<bool>(igmp_join(0, OTHER + 100)).toBe(false);
    expect<u32>(delta(Counter.igmp_join_table_full)).toBe(1);
    igmp_leave(0, GROUP);
    expect<bool>(igmp_join(0, OTHER + 100)).toBe(true);
    expect<bool>(igmp_joined(0, OTHER + 100)).toBe(true);
  });
});

describe("IGMP queries", () => {
  beforeEach(() => {
    net_reset(T0);
    igmp_reset();
    igmp_join(0, GROUP);
    at(T0 + 10_000); // the join's repeat is out of the way
    mark();
  });

  it("answers a general query after the random delay, within Max Resp Time", () => {
    random_next(250);
    query(0, 10); // 1.0 s
    expect<u32>(delta(Counter.igmp_rx_query)).toBe(1);
    at(T0 + 10_249);
    expect<i32>(sent()).toBe(0);
    at(T0 + 10_250);
    expect<i32>(sent()).toBe(1);
    expect_sent(IGMP_V2_MEMBERSHIP_REPORT, GROUP, GROUP);
  });

  it("always answers before Max Resp Time with the generator's own values", () => {
    query(0, 5); // 0.5 s
    at(T0 + 10_500);
    expect<i32>(sent()).toBe(1);
  });

  it("answers a group-specific query for its group only", () => {
    query(OTHER, 10);
    expect<u32>(delta(Counter.ipv4_rx_multicast_not_joined)).toBe(1); // sent to OTHER: not ours
    query(GROUP, 10);
    at(T0 + 11_000);
    expect<i32>(sent()).toBe(1);
    expect_sent(IGMP_V2_MEMBERSHIP_REPORT, GROUP, GROUP);
  });

  it("moves a running timer only earlier", () => {
    random_next(9_000);
    query(0, 100); // 10 s
    random_next(500);
    query(0, 10); // 1 s: below the 9 s left, restarted at 0.5 s
    random_next(5_000);
    query(0, 100); // 10 s: above what is left, ignored
    at(T0 + 10_500);
    expect<i32>(sent()).toBe(1);
    at(T0 + 30_000);
    expect<i32>(sent()).toBe(1);
  });

  it("suppresses its report when another member reports first, and then sends no leave", () => {
    random_next(800);
    query(0, 10);
    receive_igmp(GROUP, IGMP_V2_MEMBERSHIP_REPORT, 0, GROUP, 8);
    expect<u32>(delta(Counter.igmp_rx_report_suppressed)).toBe(1);
    at(T0 + 12_000);
    expect<i32>(sent()).toBe(0);
    igmp_leave(0, GROUP);
    expect<i32>(sent()).toBe(0); // not the last reporter (RFC 2236 3)
  });

  it("answers an IGMPv1 query within 10 s with a v1 report, and sends no leave to a v1 router", () => {
    random_next(9_999);
    query(0, 0);
    at(T0 + 19_998);
    expect<i32>(sent()).toBe(0);
    at(T0 + 19_999);
    expect<i32>(sent()).toBe(1);
    expect_sent(IGMP_V1_MEMBERSHIP_REPORT, GROUP, GROUP);
    igmp_leave(0, GROUP);
    expect<i32>(sent()).toBe(1);
  });

  it("answers an IGMPv3 query with a v2 report and counts v3 reports", () => {
    random_next(100);
    receive_igmp(ALL_HOSTS, IGMP_MEMBERSHIP_QUERY, 10, 0, 12);
    expect<u32>(delta(Counter.igmp_rx_v3_query)).toBe(1);
    receive_igmp(0xe0000016, IGMP_V3_MEMBERSHIP_REPORT, 0, 0, 8); // to 224.0.0.22: not joined
    receive_igmp(ALL_HOSTS, IGMP_V3_MEMBERSHIP_REPORT, 0, 0, 8);
    expect<u32>(delta(Counter.igmp_rx_v3_report)).toBe(1);
    at(T0 + 10_100);
    expect<i32>(sent()).toBe(1);
    expect_sent(IGMP_V2_MEMBERSHIP_REPORT, GROUP, GROUP);
  });

  it("ignores queries of 9 to 11 bytes and queries about a unicast group", () => {
    receive_igmp(ALL_HOSTS, IGMP_MEMBERSHIP_QUERY, 10, 0, 10);
    receive_igmp(ALL_HOSTS, IGMP_MEMBERSHIP_QUERY, 10, PEER_ADDR, 8);
    expect<u32>(delta(Counter.igmp_rx_bad_query)).toBe(2);
    at(T0 + 30_000);
    expect<i32>(sent()).toBe(0);
  });

  it("drops short and corrupted messages with a counter", () => {
    receive_igmp(ALL_HOSTS, IGMP_MEMBERSHIP_QUERY, 10, 0, 6);
    expect<u32>(delta(Counter.igmp_rx_short)).toBe(1);
    const igmp = datagram + 24;
    igmp_emit(igmp, IGMP_MEMBERSHIP_QUERY, 10, 0);
    store<u8>(igmp + 1, 11);
    ipv4_emit(datagram, 32, 7, false, 1, IP_PROTO_IGMP, PEER_ADDR, ALL_HOSTS);
    ipv4_emit_router_alert(datagram);
    rx_ipv4(0, datagram, 32);
    expect<u32>(delta(Counter.igmp_rx_bad_checksum)).toBe(1);
    at(T0 + 30_000);
    expect<i32>(sent()).toBe(0);
  });

  it("never reports 224.0.0.1", () => {
    igmp_leave(0, GROUP);
    mark();
    query(0, 10);
    at(T0 + 30_000);
    expect<i32>(sent()).toBe(0);
  });
});

function receive_udp(dst: u32, port: u32): void {
  const udp = datagram + 20;
  store<u32>(udp + 8, 0x64636261);
  udp_emit(udp, 4, 40000, port, PEER_ADDR, dst);
  ipv4_emit(datagram, 32, 9, false, 1, IP_PROTO_UDP, PEER_ADDR, dst);
  rx_ipv4(0, datagram, 32);
}

describe("multicast delivery", () => {
  beforeEach(() => {
    net_reset(T0);
    igmp_reset();
  });

  it("hands datagrams for a joined group to the socket bound to the port, and nothing else", () => {
    const handle = udp_socket_open();
    expect<i32>(udp_socket_bind(handle, 0, 5000)).toBe(0);
    receive_udp(GROUP, 5000);
    expect<u32>(delta(Counter.ipv4_rx_multicast_not_joined)).toBe(1);
    igmp_join(0, GROUP);
    receive_udp(GROUP, 5000);
    receive_udp(OTHER, 5000);
    receive_udp(GROUP, 5001); // no socket: counted, and no ICMP error for multicast
    expect<i32>(udp_socket_pending(handle)).toBe(1);
    expect<u32>(delta(Counter.ipv4_rx_multicast_not_joined)).toBe(2);
    expect<u32>(delta(Counter.udp_rx_no_socket)).toBe(1);
    expect<u32>(delta(Counter.icmp_tx_unreachable)).toBe(0);
    igmp_leave(0, GROUP);
    receive_udp(GROUP, 5000);
    expect<i32>(udp_socket_pending(handle)).toBe(1);
    udp_socket_close(handle);
  });

  it("takes datagrams to 224.0.0.1 without a join", () => {
    const handle = udp_socket_open();
    udp_socket_bind(handle, 0, 5000);
    receive_udp(ALL_HOSTS, 5000);
    expect<i32>(udp_socket_pending(handle)).toBe(1);
    udp_socket_close(handle);
  });
});
