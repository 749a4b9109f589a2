import {
  ARP_ANNOUNCE_INTERVAL_MS, ARP_ANNOUNCE_WAIT_MS, ARP_DEFEND_INTERVAL_MS, ARP_PROBE_MAX_MS, ARP_PROBE_MIN_MS, ARP_PROBE_WAIT_MS,
} from "../../../assembly/config";
import { Counter } from "../../../assembly/lib/counters";
import { rx_arp, arp_poll } from "../../../assembly/net/arp";
import {
  arp_probe_poll, arp_probe_reset, arp_probe_start, arp_probe_state, ADDR_CONFLICT, ADDR_PROBING, ADDR_READY,
} from "../../../assembly/net/arp_probe";
import { clock_delay, clock_set } from "../../../assembly/net/clock";
import { iface_addr, iface_gateway, iface_set_addr } from "../../../assembly/net/iface";
import { arp_emit, ARP_OP_REPLY, ARP_OP_REQUEST } from "../../../assembly/wire/arp";
import { first_difference } from "../helpers/bytes";
import { captured, delta, GATEWAY_ADDR, ip4, mark, net_reset, OUR_ADDR, OUR_MAC, PEER_MAC, sent } from "../helpers/net";

const T0: u32 = 50_000;
const PROBED: u32 = 0xc0000232; // 192.0.2.50
const built: usize = memory.data(28, 8);
const BROADCAST = memory.data<u8>([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

function receive(op: u32, sender_mac: usize, sender: u32, target: u32): void {
  arp_emit(built, op, sender_mac, sender, 0, target);
  rx_arp(0, built, 28);
}

/** The module's poll at `now`; returns the delay it asks for. */
function tick(now: u32): u32 {
  clock_set(now);
  arp_poll(now);
  arp_probe_poll(now);
  return clock_delay();
}

/** The captured frame is a broadcast ARP request from us with this sender and target address. */
function captured_request(sender: u32, target: u32): bool {
  const arp = captured + 14;
  return first_difference(captured, BROADCAST, 6) == -1 && load<u16>(captured + 12) == 0x0608 &&
    load<u16>(arp + 6) == 0x0100 && first_difference(arp + 8, OUR_MAC, 6) == -1 &&
    bswap<u32>(load<u32>(arp + 14)) == sender && bswap<u32>(load<u32>(arp + 24)) == target;
}

/** Runs the clock in 50 ms steps up to `until`; returns the times at which frames went out (up to 8). */
const send_times = new StaticArray<u32>(8);
function run_until(from: u32, until: u32): i32 {
  let n = 0;
  for (let now = from; now <= until; now += 50) {
    const before = sent();
    tick(now);
    if (sent() > before && n < 8) unchecked((send_times[n++] = now));
  }
  return n;
}

describe("arp_probe: RFC 5227 probing", () => {
  beforeEach(() => {
    net_reset(T0);
    arp_probe_reset();
    iface_set_addr(0, 0, 0, 0);
    mark();
  });

  it("probes three times from 0.0.0.0, then applies the address and announces it twice", () => {
    arp_probe_start(0, PROBED, 24, GATEWAY_ADDR);
    expect<u8>(arp_probe_state(0)).toBe(ADDR_PROBING);
    expect<u32>(iface_addr(0)).toBe(0);
    expect<i32>(sent()).toBe(0);
    const n = run_until(T0, T0 + 12_000);
    expect<i32>(n).toBe(5);
    // PROBE_WAIT: the first probe within 0..1 s.
    expect<u32>(send_times[0] - T0).toBeLessThanOrEqual(ARP_PROBE_WAIT_MS);
    // PROBE_MIN..PROBE_MAX between probes (the 50 ms steps round up).
    for (let i = 1; i < 3; i++) {
      const gap = send_times[i] - send_times[i - 1];
      expect<u32>(gap).toBeGreaterThanOrEqual(ARP_PROBE_MIN_MS);
      expect<u32>(gap).toBeLessThanOrEqual(ARP_PROBE_MAX_MS + 50);
    }
    // ANNOUNCE_WAIT after the last probe, then ANNOUNCE_INTERVAL.
    expect<u32>(send_times[3] - send_times[2]).toBeGreaterThanOrEqual(ARP_ANNOUNCE_WAIT_MS);
    expect<u32>(send_times[3] - send_times[2]).toBeLessThanOrEqual(ARP_ANNOUNCE_WAIT_MS + 50);
    expect<u32>(send_times[4] - send_times[3]).toBeGreaterThanOrEqual(ARP_ANNOUNCE_INTERVAL_MS);
    expect<u32>(delta(Counter.arp_probe_tx)).toBe(3);
    expect<u32>(delta(Counter.arp_announce_tx)).toBe(2);
    expect<bool>(captured_request(PROBED, PROBED)).toBe(true);
    expect<u8>(arp_probe_state(0)).toBe(ADDR_READY);
    expect<u32>(iface_addr(0)).toBe(PROBED);
    expect<u32>(iface_gateway(0)).toBe(GATEWAY_ADDR);
  });

  it("sends probes with sender 0.0.0.0 and asks to be polled for the next step", () => {
    arp_probe_start(0, PROBED, 24, 0);
    const delay = tick(T0);
    expect<u32>(delay).toBeLessThanOrEqual(ARP_PROBE_WAIT_MS);
    tick(T0 + delay);
    expect<i32>(sent()).toBe(1);
    expect<bool>(captured_request(0, PROBED)).toBe(true);
  });

  it("does not answer for the address while probing", () => {
    arp_probe_start(0, PROBED, 24, 0);
    receive(ARP_OP_REQUEST, PEER_MAC, ip4(192, 0, 2, 10), PROBED);
    expect<i32>(sent()).toBe(0);
    expect<u8>(arp_probe_state(0)).toBe(ADDR_PROBING);
  });

  it("sees a conflict in a reply from another MAC for the address", () => {
    arp_probe_start(0, PROBED, 24, 0);
    run_until(T0, T0 + 1_500);
    receive(ARP_OP_REPLY, PEER_MAC, PROBED, 0);
    expect<u8>(arp_probe_state(0)).toBe(ADDR_CONFLICT);
    expect<u32>(delta(Counter.arp_conflict)).toBe(1);
    // Nothing more is sent and the address is never applied.
    mark();
    run_until(T0 + 1_550, T0 + 12_000);
    expect<i32>(sent()).toBe(0);
    expect<u32>(iface_addr(0)).toBe(0);
  });

  it("sees a conflict in another host's probe for the same address (RFC 5227 2.1.1)", () => {
    arp_probe_start(0, PROBED, 24, 0);
    receive(ARP_OP_REQUEST, PEER_MAC, 0, PROBED);
    expect<u8>(arp_probe_state(0)).toBe(ADDR_CONFLICT);
  });

  it("ignores requests for other addresses and our own probes", () => {
    arp_probe_start(0, PROBED, 24, 0);
    receive(ARP_OP_REQUEST, PEER_MAC, ip4(192, 0, 2, 10), ip4(192, 0, 2, 11));
    receive(ARP_OP_REQUEST, OUR_MAC, 0, PROBED);
    receive(ARP_OP_REQUEST, PEER_MAC, 0, ip4(192, 0, 2, 51));
    expect<u8>(arp_probe_state(0)).toBe(ADDR_PROBING);
  });
});

describe("arp_probe: defending an address in use (RFC 5227 2.4)", () => {
  beforeEach(() => {
    net_reset(T0);
    arp_probe_reset();
    arp_probe_start(0, PROBED, 24, 0);
    run_until(T0, T0 + 12_000);
    mark();
  });

  it("defends once, then gives the address up on a second conflict within DEFEND_INTERVAL", () => {
    expect<u8>(arp_probe_state(0)).toBe(ADDR_READY);
    clock_set(T0 + 20_000);
    receive(ARP_OP_REQUEST, PEER_MAC, PROBED, PROBED);
    expect<u32>(delta(Counter.arp_defend)).toBe(1);
    expect<i32>(sent()).toBe(1);
    expect<bool>(captured_request(PROBED, PROBED)).toBe(true);
    expect<u8>(arp_probe_state(0)).toBe(ADDR_READY);
    clock_set(T0 + 20_000 + ARP_DEFEND_INTERVAL_MS - 1);
    receive(ARP_OP_REPLY, PEER_MAC, PROBED, 0);
    expect<u8>(arp_probe_state(0)).toBe(ADDR_CONFLICT);
    expect<u32>(iface_addr(0)).toBe(0);
    expect<u32>(delta(Counter.arp_conflict)).toBe(2);
  });

  it("defends again once DEFEND_INTERVAL has passed", () => {
    clock_set(T0 + 20_000);
    receive(ARP_OP_REQUEST, PEER_MAC, PROBED, PROBED);
    clock_set(T0 + 20_000 + ARP_DEFEND_INTERVAL_MS);
    receive(ARP_OP_REQUEST, PEER_MAC, PROBED, PROBED);
    expect<u32>(delta(Counter.arp_defend)).toBe(2);
    expect<u8>(arp_probe_state(0)).toBe(ADDR_READY);
    expect<u32>(iface_addr(0)).toBe(PROBED);
  });

  it("answers requests for the address once it is in use", () => {
    receive(ARP_OP_REQUEST, PEER_MAC, ip4(192, 0, 2, 10), PROBED);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
    expect<u32>(OUR_ADDR).not.toBe(PROBED);
  });
});
