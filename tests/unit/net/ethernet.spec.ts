import { ETH_FRAME_MAX_BYTES, ETH_QINQ_FRAME_MAX_BYTES, ETH_TAGGED_FRAME_MAX_BYTES } from "../../../assembly/config";
import { Counter } from "../../../assembly/lib/counters";
import { rx_ethernet } from "../../../assembly/net/ethernet";
import { iface_set_up, iface_set_vlan_id } from "../../../assembly/net/iface";
import { clone, prefilled } from "../helpers/bytes";
import { captured, delta, net_reset, sent } from "../helpers/net";
import { tx_len } from "../helpers/hal";

// Broadcast ARP request from 52:54:00:12:34:56 (192.0.2.10) for 192.0.2.2. 42 bytes.
const ARP_FRAME = memory.data<u8>([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0x00, 0x02, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
]);
// The same request behind a priority tag (802.1Q, PCP 6, VID 0). 46 bytes.
const PRIORITY_TAGGED = memory.data<u8>([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x81, 0x00, 0xc0, 0x00, 0x08, 0x06,
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0x00, 0x02, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
]);
// Tagged for VLAN 100 (TCI 0x0064).
const VLAN_100 = memory.data<u8>([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x81, 0x00, 0x00, 0x64, 0x08, 0x06,
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0x00, 0x02, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
]);
// QinQ: S-tag VID 0, C-tag VID 0, ARP.
const QINQ = memory.data<u8>([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
  0x88, 0xa8, 0x00, 0x00, 0x81, 0x00, 0x00, 0x00, 0x08, 0x06,
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0x00, 0x02, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
]);

/** A writable copy of frame with the 6 destination bytes replaced. */
function to(frame: usize, len: i32, b0: u8, b1: u8, b2: u8, b3: u8, b4: u8, b5: u8): usize {
  const buf = clone(frame, len);
  store<u8>(buf, b0); store<u8>(buf, b1, 1); store<u8>(buf, b2, 2);
  store<u8>(buf, b3, 3); store<u8>(buf, b4, 4); store<u8>(buf, b5, 5);
  return buf;
}

describe("ethernet receive", () => {
  beforeEach(() => {
    net_reset(1000);
  });

  it("hands an untagged ARP frame to ARP, which answers", () => {
    rx_ethernet(0, ARP_FRAME, 42);
    expect<u32>(delta(Counter.eth_rx_frames)).toBe(1);
    expect<u32>(delta(Counter.arp_rx)).toBe(1);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
    expect<i32>(sent()).toBe(1);
  });

  it("accepts frames addressed to our MAC", () => {
    rx_ethernet(0, to(ARP_FRAME, 42, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01), 42);
    expect<u32>(delta(Counter.arp_rx)).toBe(1);
  });

  it("accepts a priority-tagged frame (VLAN 0) and skips the tag", () => {
    rx_ethernet(0, PRIORITY_TAGGED, 46);
    expect<u32>(delta(Counter.arp_rx)).toBe(1);
    expect<u32>(delta(Counter.arp_rx_bad)).toBe(0);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
  });

  it("drops a frame for an unconfigured VLAN", () => {
    rx_ethernet(0, VLAN_100, 46);
    expect<u32>(delta(Counter.eth_rx_vlan_unknown)).toBe(1);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });

  it("drops QinQ frames", () => {
    rx_ethernet(0, QINQ, 50);
    expect<u32>(delta(Counter.eth_rx_qinq)).toBe(1);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });

  it("counts runts: short of the header, or cut inside the tag", () => {
    rx_ethernet(0, ARP_FRAME, 13);
    rx_ethernet(0, PRIORITY_TAGGED, 17);
    rx_ethernet(0, ARP_FRAME, 0);
    expect<u32>(delta(Counter.eth_rx_runt)).toBe(3);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });

  it("hands a header-only frame on, where ARP finds it short", () => {
    rx_ethernet(0, ARP_FRAME, 14);
    expect<u32>(delta(Counter.arp_rx_bad)).toBe(1);
  });

  it("counts giants: untagged above 1514, tagged above 1518", () => {
    const big = prefilled(1600);
    memory.copy(big, ARP_FRAME, 42);
    rx_ethernet(0, big, ETH_FRAME_MAX_BYTES + 1);
    expect<u32>(delta(Counter.eth_rx_giant)).toBe(1);
    rx_ethernet(0, big, ETH_FRAME_MAX_BYTES); // a full-size padded ARP frame is fine
    expect<u32>(delta(Counter.arp_rx)).toBe(1);
    memory.copy(big, PRIORITY_TAGGED, 46);
    rx_ethernet(0, big, ETH_TAGGED_FRAME_MAX_BYTES);
    expect<u32>(delta(Counter.arp_rx)).toBe(2);
    rx_ethernet(0, big, ETH_TAGGED_FRAME_MAX_BYTES + 1);
    expect<u32>(delta(Counter.eth_rx_giant)).toBe(2);
    rx_ethernet(0, big, 100_000);
    expect<u32>(delta(Counter.eth_rx_giant)).toBe(3);
  });

  it("ignores unicast for another MAC", () => {
    rx_ethernet(0, to(ARP_FRAME, 42, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02), 42);
    expect<u32>(delta(Counter.eth_rx_not_for_us)).toBe(1);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });

  it("accepts multicast destinations", () => {
    rx_ethernet(0, to(ARP_FRAME, 42, 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01), 42);
    expect<u32>(delta(Counter.arp_rx)).toBe(1);
  });

  it("counts unknown types", () => {
    const buf = clone(ARP_FRAME, 42);
    store<u8>(buf + 12, 0x86);
    store<u8>(buf + 13, 0xdd); // IPv6
    rx_ethernet(0, buf, 42);
    expect<u32>(delta(Counter.eth_rx_unknown_type)).toBe(1);
  });

  it("drops everything while the interface is down", () => {
    iface_set_up(0, false);
    rx_ethernet(0, ARP_FRAME, 42);
    expect<u32>(delta(Counter.eth_rx_iface_down)).toBe(1);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
    expect<i32>(sent()).toBe(0);
  });
});

describe("ethernet receive on an interface bound to VLAN 100", () => {
  beforeEach(() => {
    net_reset(1000);
    iface_set_vlan_id(0, 100);
  });

  it("accepts frames tagged 100 and tags the reply with 100", () => {
    rx_ethernet(0, VLAN_100, 46);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
    expect<i32>(sent()).toBe(1);
    expect<i32>(tx_len()).toBe(64); // padded to 60, then the 4-byte tag
    expect<u8>(load<u8>(captured + 12)).toBe(0x81);
    expect<u8>(load<u8>(captured + 13)).toBe(0x00);
    expect<u8>(load<u8>(captured + 14)).toBe(0x00);
    expect<u8>(load<u8>(captured + 15)).toBe(0x64);
    expect<u8>(load<u8>(captured + 16)).toBe(0x08);
    expect<u8>(load<u8>(captured + 17)).toBe(0x06);
    // addresses moved intact in front of the tag
    expect<u8>(load<u8>(captured + 0)).toBe(0x52);
    expect<u8>(load<u8>(captured + 5)).toBe(0x56);
    expect<u8>(load<u8>(captured + 6)).toBe(0x02);
    expect<u8>(load<u8>(captured + 11)).toBe(0x01);
    expect<u8>(load<u8>(captured + 18 + 7)).toBe(0x02); // ARP op: reply
  });

  it("drops untagged and priority-tagged frames", () => {
    rx_ethernet(0, ARP_FRAME, 42);
    rx_ethernet(0, PRIORITY_TAGGED, 46);
    expect<u32>(delta(Counter.eth_rx_vlan_untagged)).toBe(2);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
    expect<i32>(sent()).toBe(0);
  });

  it("drops frames of another VLAN", () => {
    const other = clone(VLAN_100, 46);
    store<u8>(other + 15, 101);
    rx_ethernet(0, other, 46);
    expect<u32>(delta(Counter.eth_rx_vlan_unknown)).toBe(1);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });

  it("never takes a QinQ frame whose inner tag is 100 for its own", () => {
    const stacked = clone(QINQ, 50);
    store<u8>(stacked + 12, 0x81); store<u8>(stacked + 13, 0x00); // 0x8100 outer, 0x8100 inner
    store<u8>(stacked + 15, 100); store<u8>(stacked + 19, 100);
    rx_ethernet(0, stacked, 50);
    store<u8>(stacked + 12, 0x88); store<u8>(stacked + 13, 0xa8); // 802.1ad S-tag outer
    rx_ethernet(0, stacked, 50);
    expect<u32>(delta(Counter.eth_rx_qinq)).toBe(2);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });
});

describe("QinQ sizes", () => {
  beforeEach(() => {
    net_reset(1000);
  });

  it("counts a full-size double-tagged frame as QinQ, one byte more as a giant", () => {
    const big = prefilled(1600);
    memory.copy(big, QINQ, 50);
    rx_ethernet(0, big, ETH_QINQ_FRAME_MAX_BYTES);
    expect<u32>(delta(Counter.eth_rx_qinq)).toBe(1);
    rx_ethernet(0, big, ETH_QINQ_FRAME_MAX_BYTES + 1);
    expect<u32>(delta(Counter.eth_rx_giant)).toBe(1);
  });

  it("counts an outer tag cut short as a runt", () => {
    rx_ethernet(0, QINQ, 17);
    expect<u32>(delta(Counter.eth_rx_runt)).toBe(1);
    expect<u32>(delta(Counter.eth_rx_qinq)).toBe(0);
  });
});

