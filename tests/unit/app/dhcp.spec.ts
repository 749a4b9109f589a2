import { Counter } from "../../../assembly/lib/counters";
import {
  dhcp_dns_server, dhcp_lease_addr, dhcp_lease_prefix, dhcp_lease_router, dhcp_lease_seconds, dhcp_poll, dhcp_reset,
  dhcp_start, dhcp_state, DHCP_BOUND, DHCP_DECLINED, DHCP_PROBING, DHCP_REBINDING, DHCP_RENEWING, DHCP_REQUESTING,
  DHCP_SELECTING, DHCP_STOPPED, dhcp_stop,
} from "../../../assembly/app/dhcp";
import { dns_primary_server, dns_secondary_server, dns_set_servers } from "../../../assembly/app/dns";
import { arp_poll, rx_arp } from "../../../assembly/net/arp";
import { arp_probe_poll, arp_probe_reset } from "../../../assembly/net/arp_probe";
import { clock_delay, clock_set } from "../../../assembly/net/clock";
import { iface_addr, iface_gateway, iface_mask, iface_set_addr } from "../../../assembly/net/iface";
import { arp_emit, ARP_OP_REPLY, ARP_OP_REQUEST } from "../../../assembly/wire/arp";
import {
  dhcp_addr_option, dhcp_ciaddr, dhcp_is_broadcast, dhcp_message_type, dhcp_xid,
  DHCPACK, DHCPDECLINE, DHCPDISCOVER, DHCPNAK, DHCPOFFER, DHCPRELEASE, DHCPREQUEST, OPT_REQUESTED_ADDR, OPT_SERVER_ID,
} from "../../../assembly/wire/dhcp";
import { first_difference } from "../helpers/bytes";
import { DNS_1, DNS_2, LEASED_ADDR, receive_reply, Reply, SERVER_ADDR } from "../helpers/dhcp";
import { captured, delta, mark, net_reset, OUR_MAC, PEER_MAC, sent } from "../helpers/net";

const T0: u32 = 100_000;
const BROADCAST_ADDR: u32 = 0xffffffff;
const BROADCAST_MAC = memory.data<u8>([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const arp_packet: usize = memory.data(28, 8);

// The captured frame: Ethernet (14), IPv4 (20), UDP (8), DHCP.
@inline function ip_src(): u32 { return bswap<u32>(load<u32>(captured + 26)); }
@inline function ip_dst(): u32 { return bswap<u32>(load<u32>(captured + 30)); }
@inline function udp_ports(): u32 { return bswap<u32>(load<u32>(captured + 34)); }
@inline function message(): usize { return captured + 42; }
function sent_type(): u32 {
  if (load<u16>(captured + 12) != 0x0008 || udp_ports() != (68 << 16 | 67)) return 0;
  return dhcp_message_type(message(), 300);
}
function to_broadcast(): bool {
  return first_difference(captured, BROADCAST_MAC, 6) == -1 && ip_dst() == BROADCAST_ADDR;
}

function tick(now: u32): u32 {
  clock_set(now);
  arp_poll(now);
  arp_probe_poll(now);
  dhcp_poll();
  return clock_delay();
}

/** Polls every 50 ms from `from` to `until`. */
function run(from: u32, until: u32): void {
  for (let now = from; now <= until; now += 50) tick(now);
}

function reply(type: u32): Reply {
  const r = new Reply();
  r.type = type;
  r.xid = dhcp_xid(message());
  r.mac = OUR_MAC;
  return r;
}

/** Delivers r at `now` as the module would: the frame, then the services. */
function deliver(r: Reply, dst: u32, now: u32): void {
  clock_set(now);
  receive_reply(r, dst);
  dhcp_poll();
}

/** The server asks for our address at the current time: we learn its MAC (and answer). */
function know_server(): void {
  arp_emit(arp_packet, ARP_OP_REQUEST, PEER_MAC, SERVER_ADDR, 0, LEASED_ADDR);
  rx_arp(0, arp_packet, 28);
}

/** Start and offer at T0: REQUESTING, with the REQUEST just sent; an ACK for it to deliver. */
function offered(): Reply {
  dhcp_start(0);
  deliver(reply(DHCPOFFER), BROADCAST_ADDR, T0);
  return reply(DHCPACK);
}

/**
 * Start, offer, request, ack (r_ack, given the REQUEST's xid, or a plain one), probing: BOUND at
 * T0 + 12 s. The REQUEST left at T0.
 */
function lease(r_ack: Reply | null = null): void {
  const ack = offered();
  if (r_ack != null) {
    r_ack.xid = ack.xid;
    deliver(r_ack, BROADCAST_ADDR, T0);
  } else {
    deliver(ack, BROADCAST_ADDR, T0);
  }
  run(T0, T0 + 12_000);
}

/** Bound at T0 + 1 800 s (T1), the server known: the unicast renewal REQUEST just sent. */
function renewing(): void {
  lease();
  clock_set(T0 + 1_800_000);
  know_server();
  tick(T0 + 1_800_000);
}

/** Every describe starts from a reset stack with no address and a fresh counter mark. */
function reset_all(): void {
  net_reset(T0);
  arp_probe_reset();
  dhcp_reset();
  dns_set_servers(0, 0);
  iface_set_addr(0, 0, 0, 0);
  mark();
}

describe("dhcp: getting a lease", () => {
  beforeEach(reset_all);

  it("broadcasts a DISCOVER from 0.0.0.0:68 asking for a broadcast answer", () => {
    expect<i32>(dhcp_start(0)).toBe(0);
    expect<u8>(dhcp_state()).toBe(DHCP_SELECTING);
    expect<i32>(sent()).toBe(1);
    expect<u32>(sent_type()).toBe(DHCPDISCOVER);
    expect<bool>(to_broadcast()).toBe(true);
    expect<u32>(ip_src()).toBe(0);
    expect<bool>(dhcp_is_broadcast(message())).toBe(true);
  });

  it("requests the offer, probes the acked address, then is bound with mask, router and DNS", () => {
    dhcp_start(0);
    const xid = dhcp_xid(message());
    deliver(reply(DHCPOFFER), BROADCAST_ADDR, T0);
    expect<u8>(dhcp_state()).toBe(DHCP_REQUESTING);
    expect<u32>(sent_type()).toBe(DHCPREQUEST);
    expect<bool>(to_broadcast()).toBe(true);
    expect<u32>(dhcp_xid(message())).toBe(xid);
    expect<u32>(dhcp_addr_option(message(), 300, OPT_REQUESTED_ADDR, 0)).toBe(LEASED_ADDR);
    expect<u32>(dhcp_addr_option(message(), 300, OPT_SERVER_ID, 0)).toBe(SERVER_ADDR);
    deliver(reply(DHCPACK), BROADCAST_ADDR, T0 + 10);
    expect<u8>(dhcp_state()).toBe(DHCP_PROBING);
    expect<u32>(iface_addr(0)).toBe(0);
    expect<u32>(dhcp_lease_addr()).toBe(0);
    run(T0 + 10, T0 + 12_000);
    expect<u8>(dhcp_state()).toBe(DHCP_BOUND);
    expect<u32>(delta(Counter.arp_probe_tx)).toBe(3);
    expect<u32>(iface_addr(0)).toBe(LEASED_ADDR);
    expect<u32>(iface_mask(0)).toBe(0xffffff00);
    expect<u32>(iface_gateway(0)).toBe(SERVER_ADDR);
    expect<u32>(dhcp_lease_addr()).toBe(LEASED_ADDR);
    expect<i32>(dhcp_lease_prefix()).toBe(24);
    expect<u32>(dhcp_lease_router()).toBe(SERVER_ADDR);
    expect<u32>(dhcp_lease_seconds()).toBe(3600);
    expect<u32>(dhcp_dns_server(0, 0)).toBe(DNS_1);
    expect<u32>(dhcp_dns_server(0, 1)).toBe(DNS_2);
    expect<u32>(dhcp_dns_server(1, 0)).toBe(0);
    // The lease's name servers are the resolver's now (app/dns.ts).
    expect<u32>(dns_primary_server()).toBe(DNS_1);
    expect<u32>(dns_secondary_server()).toBe(DNS_2);
    expect<u32>(delta(Counter.dhcp_leases)).toBe(1);
  });

  it("ignores replies for another transaction or another MAC", () => {
    dhcp_start(0);
    const r = reply(DHCPOFFER);
    r.xid ^= 1;
    deliver(r, BROADCAST_ADDR, T0);
    const other = reply(DHCPOFFER);
    other.mac = PEER_MAC;
    deliver(other, BROADCAST_ADDR, T0);
    expect<u32>(delta(Counter.dhcp_rx_not_ours)).toBe(2);
    expect<u8>(dhcp_state()).toBe(DHCP_SELECTING);
  });

  it("refuses an offer without a server id or of an unusable address", () => {
    dhcp_start(0);
    const r = reply(DHCPOFFER);
    r.server = 0;
    deliver(r, BROADCAST_ADDR, T0);
    const bad = reply(DHCPOFFER);
    bad.yiaddr = 0xe0000001;
    deliver(bad, BROADCAST_ADDR, T0);
    expect<u32>(delta(Counter.dhcp_rx_bad_offer)).toBe(2);
    expect<u8>(dhcp_state()).toBe(DHCP_SELECTING);
  });

  it("refuses an ACK without a lease time or with a zero lease", () => {
    const r = offered();
    r.lease_s = 0;
    deliver(r, BROADCAST_ADDR, T0);
    expect<u32>(delta(Counter.dhcp_rx_bad_lease)).toBe(1);
    expect<u8>(dhcp_state()).toBe(DHCP_REQUESTING);
  });

  it("ignores an ACK from a server other than the one requested", () => {
    const r = offered();
    r.server = 0xc0000209;
    deliver(r, BROADCAST_ADDR, T0);
    expect<u32>(delta(Counter.dhcp_rx_unexpected)).toBe(1);
    expect<u8>(dhcp_state()).toBe(DHCP_REQUESTING);
  });

  it("starts over with a new DISCOVER on a NAK", () => {
    dhcp_start(0);
    const xid = dhcp_xid(message());
    deliver(reply(DHCPOFFER), BROADCAST_ADDR, T0);
    deliver(reply(DHCPNAK), BROADCAST_ADDR, T0);
    expect<u8>(dhcp_state()).toBe(DHCP_SELECTING);
    expect<u32>(sent_type()).toBe(DHCPDISCOVER);
    expect<u32>(dhcp_xid(message())).not.toBe(xid);
    expect<u32>(delta(Counter.dhcp_rx_nak)).toBe(1);
  });

  it("retransmits the DISCOVER after 4, 8, 16, 32, 64, 64 s, each within 1 s", () => {
    clock_set(T0);
    dhcp_start(0);
    let last = T0;
    let expected: u32 = 4_000;
    let n = sent();
    for (let now = T0; now < T0 + 300_000; now += 50) {
      tick(now);
      if (sent() == n) continue;
      n = sent();
      const gap = now - last;
      expect<u32>(gap).toBeGreaterThanOrEqual(expected - 1_000);
      expect<u32>(gap).toBeLessThanOrEqual(expected + 1_050);
      expect<u32>(sent_type()).toBe(DHCPDISCOVER);
      last = now;
      if (expected < 64_000) expected *= 2;
    }
    expect<u32>(delta(Counter.dhcp_retransmits)).toBeGreaterThanOrEqual(6);
  });

  it("gives up requesting after four REQUESTs and discovers again", () => {
    dhcp_start(0);
    deliver(reply(DHCPOFFER), BROADCAST_ADDR, T0);
    run(T0, T0 + 60_000);
    expect<u8>(dhcp_state()).toBe(DHCP_SELECTING);
    expect<u32>(delta(Counter.dhcp_tx_request)).toBe(4);
  });
});

describe("dhcp: conflicts", () => {
  beforeEach(reset_all);

  it("declines an address another MAC answers for while probing, then starts over after 10 s", () => {
    dhcp_start(0);
    deliver(reply(DHCPOFFER), BROADCAST_ADDR, T0);
    deliver(reply(DHCPACK), BROADCAST_ADDR, T0);
    run(T0, T0 + 1_500);
    clock_set(T0 + 1_500);
    arp_emit(arp_packet, ARP_OP_REPLY, PEER_MAC, LEASED_ADDR, OUR_MAC, 0);
    rx_arp(0, arp_packet, 28);
    tick(T0 + 1_500);
    expect<u8>(dhcp_state()).toBe(DHCP_DECLINED);
    expect<u32>(sent_type()).toBe(DHCPDECLINE);
    expect<bool>(to_broadcast()).toBe(true);
    expect<u32>(ip_src()).toBe(0);
    expect<u32>(dhcp_ciaddr(message())).toBe(0);
    expect<u32>(dhcp_addr_option(message(), 300, OPT_REQUESTED_ADDR, 0)).toBe(LEASED_ADDR);
    expect<u32>(dhcp_addr_option(message(), 300, OPT_SERVER_ID, 0)).toBe(SERVER_ADDR);
    expect<u32>(iface_addr(0)).toBe(0);
    run(T0 + 1_550, T0 + 11_450);
    expect<u8>(dhcp_state()).toBe(DHCP_DECLINED);
    run(T0 + 11_500, T0 + 11_600);
    expect<u8>(dhcp_state()).toBe(DHCP_SELECTING);
    expect<u32>(sent_type()).toBe(DHCPDISCOVER);
  });

  it("declines and starts over when the address is lost to a conflict after use", () => {
    lease();
    expect<u8>(dhcp_state()).toBe(DHCP_BOUND);
    // Two conflicting packets within DEFEND_INTERVAL: defend, then give up.
    arp_emit(arp_packet, ARP_OP_REQUEST, PEER_MAC, LEASED_ADDR, 0, LEASED_ADDR);
    clock_set(T0 + 20_000);
    rx_arp(0, arp_packet, 28);
    clock_set(T0 + 21_000);
    rx_arp(0, arp_packet, 28);
    tick(T0 + 21_000);
    expect<u8>(dhcp_state()).toBe(DHCP_DECLINED);
    expect<u32>(iface_addr(0)).toBe(0);
    expect<u32>(delta(Counter.dhcp_declined)).toBe(1);
  });
});

describe("dhcp: renewing, rebinding, expiry", () => {
  beforeEach(reset_all);

  it("renews at T1 (half the lease by default) with a unicast REQUEST to the server", () => {
    lease();
    tick(T0 + 1_799_000);
    // The server is known by then (it just asked for us), so the REQUEST leaves at once.
    know_server();
    expect<u8>(dhcp_state()).toBe(DHCP_BOUND);
    mark();
    tick(T0 + 1_800_000);
    expect<u8>(dhcp_state()).toBe(DHCP_RENEWING);
    expect<i32>(sent()).toBe(1);
    expect<u32>(sent_type()).toBe(DHCPREQUEST);
    expect<i32>(first_difference(captured, PEER_MAC, 6)).toBe(-1);
    expect<u32>(ip_src()).toBe(LEASED_ADDR);
    expect<u32>(ip_dst()).toBe(SERVER_ADDR);
    expect<u32>(dhcp_ciaddr(message())).toBe(LEASED_ADDR);
    expect<bool>(dhcp_is_broadcast(message())).toBe(false);
    expect<u32>(dhcp_addr_option(message(), 300, OPT_SERVER_ID, 0)).toBe(0);
    expect<u32>(dhcp_addr_option(message(), 300, OPT_REQUESTED_ADDR, 0)).toBe(0);
    // The unicast ACK extends the lease from the REQUEST's time, without probing again.
    deliver(reply(DHCPACK), LEASED_ADDR, T0 + 1_800_010);
    expect<u8>(dhcp_state()).toBe(DHCP_BOUND);
    expect<u32>(iface_addr(0)).toBe(LEASED_ADDR);
    tick(T0 + 3_599_000);
    expect<u8>(dhcp_state()).toBe(DHCP_BOUND);
    tick(T0 + 3_600_000);
    expect<u8>(dhcp_state()).toBe(DHCP_RENEWING);
  });

  it("uses the server's T1 and T2", () => {
    const ack = reply(DHCPACK);
    ack.t1_s = 100;
    ack.t2_s = 200;
    lease(ack);
    tick(T0 + 99_000);
    expect<u8>(dhcp_state()).toBe(DHCP_BOUND);
    tick(T0 + 100_000);
    expect<u8>(dhcp_state()).toBe(DHCP_RENEWING);
    tick(T0 + 200_000);
    expect<u8>(dhcp_state()).toBe(DHCP_REBINDING);
  });

  it("rebinds at T2 with a broadcast REQUEST, then loses the address at expiry and discovers", () => {
    lease();
    tick(T0 + 1_800_000);
    expect<u8>(dhcp_state()).toBe(DHCP_RENEWING);
    mark();
    tick(T0 + 3_150_000);
    expect<u8>(dhcp_state()).toBe(DHCP_REBINDING);
    expect<u32>(sent_type()).toBe(DHCPREQUEST);
    expect<bool>(to_broadcast()).toBe(true);
    expect<u32>(ip_src()).toBe(LEASED_ADDR);
    expect<u32>(dhcp_ciaddr(message())).toBe(LEASED_ADDR);
    tick(T0 + 3_599_999);
    expect<u32>(iface_addr(0)).toBe(LEASED_ADDR);
    tick(T0 + 3_600_000);
    expect<u8>(dhcp_state()).toBe(DHCP_SELECTING);
    expect<u32>(iface_addr(0)).toBe(0);
    expect<u32>(dhcp_lease_addr()).toBe(0);
    expect<u32>(sent_type()).toBe(DHCPDISCOVER);
    expect<u32>(delta(Counter.dhcp_lease_expired)).toBe(1);
  });

  it("probes again when a renewal brings a different address, and drops the old one", () => {
    renewing();
    const moved = reply(DHCPACK);
    moved.yiaddr = LEASED_ADDR + 1;
    deliver(moved, LEASED_ADDR, T0 + 1_800_010);
    expect<u8>(dhcp_state()).toBe(DHCP_PROBING);
    expect<u32>(iface_addr(0)).toBe(0);
    run(T0 + 1_800_010, T0 + 1_812_000);
    expect<u8>(dhcp_state()).toBe(DHCP_BOUND);
    expect<u32>(iface_addr(0)).toBe(LEASED_ADDR + 1);
    expect<u32>(dhcp_lease_addr()).toBe(LEASED_ADDR + 1);
  });

  it("releases the lease by unicast to the server on stop, and removes the address", () => {
    lease();
    clock_set(T0 + 20_000);
    know_server();
    mark();
    dhcp_stop();
    expect<u8>(dhcp_state()).toBe(DHCP_STOPPED);
    expect<u32>(delta(Counter.dhcp_tx_release)).toBe(1);
    expect<u32>(sent_type()).toBe(DHCPRELEASE);
    expect<u32>(ip_dst()).toBe(SERVER_ADDR);
    expect<u32>(dhcp_ciaddr(message())).toBe(LEASED_ADDR);
    expect<u32>(iface_addr(0)).toBe(0);
    expect<u32>(dhcp_lease_addr()).toBe(0);
  });

  it("drops the address on a NAK while renewing", () => {
    renewing();
    expect<u32>(sent_type()).toBe(DHCPREQUEST);
    deliver(reply(DHCPNAK), BROADCAST_ADDR, T0 + 1_800_010);
    expect<u8>(dhcp_state()).toBe(DHCP_SELECTING);
    expect<u32>(iface_addr(0)).toBe(0);
  });

  it("caps a huge lease so deadlines stay within the clock's range", () => {
    const ack = reply(DHCPACK);
    ack.lease_s = 0xffffffff;
    lease(ack);
    expect<u8>(dhcp_state()).toBe(DHCP_BOUND);
    expect<u32>(dhcp_lease_seconds()).toBe(2_000_000);
    tick(T0 + 999_999_000);
    expect<u8>(dhcp_state()).toBe(DHCP_BOUND);
    tick(T0 + 1_000_000_000);
    expect<u8>(dhcp_state()).toBe(DHCP_RENEWING);
  });
});
