// Interface table: address configuration and link state per interface, and the one place
// frames leave the module (tx_frame pads them and hands them to the driver, net/nic.ts).
//
//   per interface: mac[6] (stride 8) | addr | prefix | mask | gateway | up | vlan | qinq svid,
//                  tpid | mtu
//
// 802.1Q: an interface bound to a VLAN ID (1..4094) receives only frames tagged with it and
// sends every frame tagged with it. QinQ (802.1ad) adds a service tag outside that C-tag:
// matched (an S-VID 1..4094: received frames carry it, sent frames get it with the configured
// TPID) or skipped (QINQ_ANY: any outer tag is accepted, frames leave with the C-tag only).
// tx_frame inserts the tags, so every frame handed to it has ETH_TX_HEADROOM_BYTES before it.
import { IFACE_COUNT, ETH_FRAME_MIN_BYTES, ETH_MTU, VLAN_TAG_BYTES } from "../config";
import { copy, fill } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import { eth_emit_tag, ETHERTYPE_VLAN, ETH_TYPE } from "../wire/ethernet";
import { ipv4_mask, IPV4_BROADCAST } from "../wire/ipv4";
import { nic_send } from "./nic";

const macs: usize = memory.data(8 * IFACE_COUNT, 8);
const addrs = new StaticArray<u32>(IFACE_COUNT);
const prefixes = new StaticArray<i32>(IFACE_COUNT);
const masks = new StaticArray<u32>(IFACE_COUNT);
const gateways = new StaticArray<u32>(IFACE_COUNT);
const up = new StaticArray<bool>(IFACE_COUNT);
/** 0 untagged; otherwise the VLAN ID every frame carries. */
const vlans = new StaticArray<u32>(IFACE_COUNT);
/** QinQ outer tag: QINQ_OFF, QINQ_ANY (skipped) or the S-VID 1..4094 (matched). */
const qinq_svids = new StaticArray<i32>(IFACE_COUNT);
/** TPID of the outer tag sent in matched mode (0x88A8, or 0x8100 for pre-802.1ad bridges). */
const qinq_tpids = new StaticArray<u32>(IFACE_COUNT);
/** Largest datagram sent on the interface (net/ipv4_frag.ts fragments to it). */
const mtus = new StaticArray<i32>(IFACE_COUNT);
for (let i = 0; i < IFACE_COUNT; i++) unchecked((mtus[i] = ETH_MTU));

@inline export function iface_valid(iface: i32): bool {
  return iface >= 0 && iface < IFACE_COUNT;
}

@inline export function iface_mac(iface: i32): usize {
  return macs + <usize>(iface << 3);
}

@inline export function iface_addr(iface: i32): u32 { return unchecked(addrs[iface]); }
@inline export function iface_mask(iface: i32): u32 { return unchecked(masks[iface]); }
@inline export function iface_gateway(iface: i32): u32 { return unchecked(gateways[iface]); }
@inline export function iface_is_up(iface: i32): bool { return unchecked(up[iface]); }
@inline export function iface_vlan(iface: i32): u32 { return unchecked(vlans[iface]); }

/** vid 0 = untagged, 1..4094 (0xfff is reserved, 802.1Q 9.6); the caller has checked it. */
export function iface_set_vlan_id(iface: i32, vid: u32): void {
  unchecked((vlans[iface] = vid));
}

@inline export const QINQ_OFF: i32 = 0;
/** Skipped mode: any outer tag accepted and stripped; nothing but the C-tag sent. */
@inline export const QINQ_ANY: i32 = -1;

@inline export function iface_qinq_svid(iface: i32): i32 { return unchecked(qinq_svids[iface]); }
@inline export function iface_qinq_tpid(iface: i32): u32 { return unchecked(qinq_tpids[iface]); }

/** svid QINQ_OFF, QINQ_ANY or 1..4094 on an interface bound to a C-VID; the caller has checked. */
export function iface_set_qinq_tag(iface: i32, svid: i32, tpid: u32): void {
  unchecked((qinq_svids[iface] = svid));
  unchecked((qinq_tpids[iface] = tpid));
}

@inline export function iface_mtu(iface: i32): i32 { return unchecked(mtus[iface]); }
@inline export function iface_prefix(iface: i32): i32 { return unchecked(prefixes[iface]); }

export function iface_set_mtu_bytes(iface: i32, mtu: i32): void {
  unchecked((mtus[iface] = mtu));
}

/** A MAC has been set (iface_set_mac refuses all-zero addresses). */
export function iface_has_mac(iface: i32): bool {
  const mac = iface_mac(iface);
  return (load<u16>(mac) | load<u32>(mac, 2)) != 0;
}

export function iface_set_mac_bytes(iface: i32, hi16: u32, lo32: u32): void {
  const mac = iface_mac(iface);
  store<u8>(mac, <u8>(hi16 >> 8));
  store<u8>(mac, <u8>hi16, 1);
  store<u32>(mac, bswap<u32>(lo32), 2);
}

export function iface_set_addr(iface: i32, addr: u32, prefix: i32, gateway: u32): void {
  unchecked((addrs[iface] = addr));
  unchecked((prefixes[iface] = prefix));
  unchecked((masks[iface] = ipv4_mask(prefix)));
  unchecked((gateways[iface] = gateway));
}

export function iface_set_up(iface: i32, is_up: bool): void {
  unchecked((up[iface] = is_up));
}

/** dst is on the interface's own subnet. */
export function iface_on_link(iface: i32, dst: u32): bool {
  const mask = iface_mask(iface);
  return iface_addr(iface) != 0 && (dst & mask) == (iface_addr(iface) & mask);
}

/** The subnet's directed broadcast address (none for /31 and /32, RFC 3021). */
export function iface_is_directed_broadcast(iface: i32, dst: u32): bool {
  const prefix = unchecked(prefixes[iface]);
  if (prefix >= 31 || iface_addr(iface) == 0) return false;
  const mask = iface_mask(iface);
  return iface_on_link(iface, dst) && (dst | mask) == IPV4_BROADCAST;
}

/** Any up interface owns this address (weak host model, RFC 1122 3.3.4.2). */
export function iface_owns_addr(addr: u32): bool {
  for (let i = 0; i < IFACE_COUNT; i++) {
    if (iface_is_up(i) && iface_addr(i) == addr && addr != 0) return true;
  }
  return false;
}

/**
 * Pads to the minimum frame size, tags it with the interface's VLAN, and with its S-VID in
 * matched QinQ mode (moving the addresses into the headroom before frame), and hands it to the
 * interface's driver. The padding comes first, so a frame still has 60 bytes once a bridge has
 * stripped its tags; a padded tagged frame is 64 bytes, a double-tagged one 68.
 */
export function tx_frame(iface: i32, frame: usize, len: i32): void {
  if (len < ETH_FRAME_MIN_BYTES) {
    fill(frame + <usize>len, 0, ETH_FRAME_MIN_BYTES - len);
    len = ETH_FRAME_MIN_BYTES;
  }
  const vid = iface_vlan(iface);
  if (vid != 0) {
    const svid = iface_qinq_svid(iface);
    const tags = svid > 0 ? 2 : 1;
    const room = tags * VLAN_TAG_BYTES;
    frame -= <usize>room;
    copy(frame, frame + <usize>room, <i32>ETH_TYPE);
    if (svid > 0) eth_emit_tag(frame, 0, iface_qinq_tpid(iface), <u32>svid);
    eth_emit_tag(frame, tags - 1, ETHERTYPE_VLAN, vid);
    len += room;
  }
  if (nic_send(iface, frame, len) < 0) count(Counter.eth_tx_failed);
  else count(Counter.eth_tx_frames);
}
