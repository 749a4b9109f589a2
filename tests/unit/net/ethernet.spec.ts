import { ETH_FRAME_MAX_BYTES, ETH_QINQ_FRAME_MAX_BYTES, ETH_TAGGED_FRAME_MAX_BYTES } from "../../../assembly/config";
import { Counter } from "../../../assembly/lib/counters";
import { rx_ethernet } from "../../../assembly/net/ethernet";
import { iface_set_qinq_tag, iface_set_up, iface_set_vlan_id, QINQ_ANY } from "../../../assembly/net/iface";
import { checksum } from "../../../assembly/lib/checksum";
import { icmp_emit, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST } from "../../../assembly/wire/icmp";
import { ipv4_emit, IP_PROTO_ICMP } from "../../../assembly/wire/ipv4";
import { clone, first_difference, prefilled } from "../helpers/bytes";
import { captured, delta, net_reset, OUR_ADDR, PEER_ADDR, sent } from "../helpers/net";
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

// S-tag VID 200 (0x88A8), C-tag VID 100, the broadcast ARP request. 50 bytes.
const QINQ_200_100 = memory.data<u8>([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
  0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00, 0x00, 0x64, 0x08, 0x06,
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0x00, 0x02, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
]);

/** QINQ_200_100 with the outer TPID, outer VID and inner VID replaced. */
function qinq(outer_tpid: u32, outer_vid: u32, inner_vid: u32): usize {
  const buf = clone(QINQ_200_100, 50);
  store<u16>(buf + 12, bswap<u16>(<u16>outer_tpid));
  store<u16>(buf + 14, bswap<u16>(<u16>outer_vid));
  store<u16>(buf + 18, bswap<u16>(<u16>inner_vid));
  return buf;
}

/** Tag index of the captured frame: TPID and VID. */
function sent_tpid(index: i32): u32 { return bswap<u16>(load<u16>(captured + 12 + <usize>(index * 4))); }
function sent_vid(index: i32): u32 { return bswap<u16>(load<u16>(captured + 14 + <usize>(index * 4))); }

describe("QinQ matched: S-VID 200 (sent as 0x88A8), C-VID 100", () => {
  beforeEach(() => {
    net_reset(1000);
    iface_set_vlan_id(0, 100);
    iface_set_qinq_tag(0, 200, 0x88a8);
  });

  it("takes S-tag 200 + C-tag 100 and answers double-tagged, 68 bytes (60 padded, then 8)", () => {
    rx_ethernet(0, QINQ_200_100, 50);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
    expect<i32>(sent()).toBe(1);
    expect<i32>(tx_len()).toBe(68);
    expect<u32>(sent_tpid(0)).toBe(0x88a8);
    expect<u32>(sent_vid(0)).toBe(200);
    expect<u32>(sent_tpid(1)).toBe(0x8100);
    expect<u32>(sent_vid(1)).toBe(100);
    expect<u32>(sent_tpid(2)).toBe(0x0806);
    expect<u8>(load<u8>(captured + 0)).toBe(0x52); // addresses moved intact in front of the tags
    expect<u8>(load<u8>(captured + 5)).toBe(0x56);
    expect<u8>(load<u8>(captured + 6)).toBe(0x02);
    expect<u8>(load<u8>(captured + 11)).toBe(0x01);
    expect<u8>(load<u8>(captured + 22 + 7)).toBe(0x02); // ARP op: reply
  });

  it("takes a pre-802.1ad outer tag (0x8100) with VID 200 as well", () => {
    rx_ethernet(0, qinq(0x8100, 200, 100), 50);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
    expect<u32>(sent_tpid(0)).toBe(0x88a8); // we send what we were configured with
  });

  it("sends the outer tag with TPID 0x8100 when so configured", () => {
    iface_set_qinq_tag(0, 200, 0x8100);
    rx_ethernet(0, QINQ_200_100, 50);
    expect<i32>(tx_len()).toBe(68);
    expect<u32>(sent_tpid(0)).toBe(0x8100);
    expect<u32>(sent_vid(0)).toBe(200);
    expect<u32>(sent_tpid(1)).toBe(0x8100);
    expect<u32>(sent_vid(1)).toBe(100);
  });

  it("drops another S-VID, and a frame without the outer tag, as outer unknown", () => {
    rx_ethernet(0, qinq(0x88a8, 201, 100), 50);
    rx_ethernet(0, qinq(0x88a8, 0, 100), 50);
    rx_ethernet(0, VLAN_100, 46);
    expect<u32>(delta(Counter.eth_rx_qinq_outer_unknown)).toBe(3);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
    expect<i32>(sent()).toBe(0);
  });

  it("drops another C-VID, or an S-tag where the C-tag belongs, as inner unknown", () => {
    rx_ethernet(0, qinq(0x88a8, 200, 101), 50);
    rx_ethernet(0, qinq(0x88a8, 200, 0), 50);
    const s_in_s = qinq(0x88a8, 200, 100);
    store<u8>(s_in_s + 16, 0x88); store<u8>(s_in_s + 17, 0xa8);
    rx_ethernet(0, s_in_s, 50);
    expect<u32>(delta(Counter.eth_rx_qinq_inner_unknown)).toBe(3);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });

  it("drops untagged frames", () => {
    rx_ethernet(0, ARP_FRAME, 42);
    expect<u32>(delta(Counter.eth_rx_vlan_untagged)).toBe(1);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });

  it("refuses a third tag", () => {
    const triple = prefilled(60);
    memory.copy(triple, QINQ_200_100, 20);
    store<u16>(triple + 20, bswap<u16>(0x8100));
    store<u16>(triple + 22, bswap<u16>(100));
    memory.copy(triple + 24, QINQ_200_100 + 20, 30);
    rx_ethernet(0, triple, 54);
    expect<u32>(delta(Counter.eth_rx_qinq_triple)).toBe(1);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });

  it("counts a double-tagged frame cut inside the C-tag or the type after it as a runt", () => {
    for (let len = 18; len < 22; len++) rx_ethernet(0, QINQ_200_100, len);
    expect<u32>(delta(Counter.eth_rx_runt)).toBe(4);
    rx_ethernet(0, QINQ_200_100, 22); // header only: ARP finds it short
    expect<u32>(delta(Counter.arp_rx_bad)).toBe(1);
  });

  it("takes a full-size 1522-byte double-tagged frame; 1523 bytes is a giant", () => {
    const big = prefilled(1600);
    memory.copy(big, QINQ_200_100, 50);
    rx_ethernet(0, big, ETH_QINQ_FRAME_MAX_BYTES);
    expect<u32>(delta(Counter.arp_rx)).toBe(1);
    rx_ethernet(0, big, ETH_QINQ_FRAME_MAX_BYTES + 1);
    expect<u32>(delta(Counter.eth_rx_giant)).toBe(1);
  });

  it("answers a 1500-byte echo request with a 1522-byte double-tagged frame", () => {
    rx_ethernet(0, QINQ_200_100, 50); // the peer's MAC is learnt from its request
    const frame = prefilled(1600);
    memory.copy(frame, QINQ_200_100 + 6, 6); // to us: 02:00:00:00:00:01
    store<u16>(frame, bswap<u16>(0x0200)); store<u32>(frame + 2, bswap<u32>(1));
    memory.copy(frame + 6, QINQ_200_100 + 6, 16);
    store<u16>(frame + 20, bswap<u16>(0x0800));
    const ip = frame + 22;
    const icmp = ip + 20;
    for (let i = 8; i < 1480; i++) store<u8>(icmp + <usize>i, <u8>(i * 7));
    icmp_emit(icmp, 1480, ICMP_ECHO_REQUEST, 0, 0x00010002);
    ipv4_emit(ip, 1500, 77, false, 64, IP_PROTO_ICMP, PEER_ADDR, OUR_ADDR);
    rx_ethernet(0, frame, 1522);
    expect<u32>(delta(Counter.icmp_tx_echo_reply)).toBe(1);
    expect<i32>(tx_len()).toBe(1522);
    expect<u32>(sent_tpid(0)).toBe(0x88a8);
    expect<u32>(sent_vid(0)).toBe(200);
    expect<u32>(sent_vid(1)).toBe(100);
    expect<u32>(sent_tpid(2)).toBe(0x0800);
    expect<u8>(load<u8>(captured + 42)).toBe(<u8>ICMP_ECHO_REPLY);
    expect<u32>(checksum(captured + 42, 1480)).toBe(0);
    expect<i32>(first_difference(captured + 50, icmp + 8, 1472)).toBe(-1);
  });
});

describe("QinQ skipped: any outer tag, C-VID 100", () => {
  beforeEach(() => {
    net_reset(1000);
    iface_set_vlan_id(0, 100);
    iface_set_qinq_tag(0, QINQ_ANY, 0);
  });

  it("takes any S-VID, or none, when the C-tag is 100, and answers with the C-tag only", () => {
    rx_ethernet(0, qinq(0x88a8, 7, 100), 50);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(1);
    expect<i32>(tx_len()).toBe(64);
    expect<u32>(sent_tpid(0)).toBe(0x8100);
    expect<u32>(sent_vid(0)).toBe(100);
    expect<u32>(sent_tpid(1)).toBe(0x0806);
    rx_ethernet(0, qinq(0x8100, 4094, 100), 50);
    rx_ethernet(0, VLAN_100, 46);
    expect<u32>(delta(Counter.arp_tx_reply)).toBe(3);
  });

  it("drops another C-VID, or an S-tag alone, as inner unknown; untagged as untagged", () => {
    rx_ethernet(0, qinq(0x88a8, 7, 101), 50);
    const other = clone(VLAN_100, 46);
    store<u8>(other + 15, 101);
    rx_ethernet(0, other, 46);
    const s_only = clone(VLAN_100, 46);
    store<u8>(s_only + 12, 0x88); store<u8>(s_only + 13, 0xa8);
    rx_ethernet(0, s_only, 46);
    expect<u32>(delta(Counter.eth_rx_qinq_inner_unknown)).toBe(3);
    rx_ethernet(0, ARP_FRAME, 42);
    expect<u32>(delta(Counter.eth_rx_vlan_untagged)).toBe(1);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });

  it("refuses a third tag and counts giants by the tags present", () => {
    const big = prefilled(1600);
    memory.copy(big, VLAN_100, 46);
    rx_ethernet(0, big, ETH_TAGGED_FRAME_MAX_BYTES + 1);
    expect<u32>(delta(Counter.eth_rx_giant)).toBe(1);
    memory.copy(big, QINQ_200_100, 20);
    store<u16>(big + 20, bswap<u16>(0x88a8));
    rx_ethernet(0, big, 60);
    expect<u32>(delta(Counter.eth_rx_qinq_triple)).toBe(1);
  });
});

describe("double tags on interfaces without QinQ", () => {
  beforeEach(() => {
    net_reset(1000);
  });

  it("counts them as eth_rx_qinq, untagged or bound, and an S-tag alone too", () => {
    rx_ethernet(0, QINQ_200_100, 50);
    iface_set_vlan_id(0, 100);
    rx_ethernet(0, QINQ_200_100, 50);
    const s_only = clone(VLAN_100, 46);
    store<u8>(s_only + 12, 0x88); store<u8>(s_only + 13, 0xa8);
    rx_ethernet(0, s_only, 46);
    expect<u32>(delta(Counter.eth_rx_qinq)).toBe(3);
    expect<u32>(delta(Counter.arp_rx)).toBe(0);
  });

  it("refuses three tags with their own counter", () => {
    const triple = prefilled(60);
    memory.copy(triple, QINQ_200_100, 20);
    store<u16>(triple + 20, bswap<u16>(0x8100));
    rx_ethernet(0, triple, 60);
    expect<u32>(delta(Counter.eth_rx_qinq_triple)).toBe(1);
    expect<u32>(delta(Counter.eth_rx_qinq)).toBe(0);
  });
});
