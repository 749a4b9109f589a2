// Ethernet receive: size limits, destination filter, 802.1Q tags, and dispatch by type.
import { ETH_FRAME_MAX_BYTES, ETH_HEADER_BYTES, ETH_TAGGED_FRAME_MAX_BYTES, VLAN_TAG_BYTES } from "../config";
import { equal } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import {
  eth_check, eth_is_broadcast, eth_is_multicast, eth_type, vlan_check, vlan_id, vlan_inner_type,
  ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_QINQ, ETHERTYPE_VLAN, ETH_DST,
} from "../wire/ethernet";
import { rx_arp } from "./arp";
import { iface_is_up, iface_mac } from "./iface";
import { rx_ipv4 } from "./ipv4";

function for_us(iface: i32, frame: usize): bool {
  const dst = frame + ETH_DST;
  return eth_is_broadcast(dst) || eth_is_multicast(dst) || equal(dst, iface_mac(iface), 6);
}

/** One received frame (no FCS). len may exceed what the buffer holds: then it is a giant. */
export function rx_ethernet(iface: i32, frame: usize, len: i32): void {
  count(Counter.eth_rx_frames);
  if (!iface_is_up(iface)) { count(Counter.eth_rx_iface_down); return; }
  const reason = eth_check(len);
  if (reason != Counter.OK) { count(reason); return; }
  if (len > ETH_TAGGED_FRAME_MAX_BYTES) { count(Counter.eth_rx_giant); return; }
  if (!for_us(iface, frame)) { count(Counter.eth_rx_not_for_us); return; }
  let type = eth_type(frame);
  let header = ETH_HEADER_BYTES;
  if (type == ETHERTYPE_VLAN) {
    const tag = vlan_check(frame, len);
    if (tag != Counter.OK) { count(tag); return; }
    // VLAN 0 is a priority tag on an untagged interface (802.1Q 9.6); others need VLAN config.
    if (vlan_id(frame) != 0) { count(Counter.eth_rx_vlan_unknown); return; }
    type = vlan_inner_type(frame);
    header += VLAN_TAG_BYTES;
  } else if (type == ETHERTYPE_QINQ) {
    count(Counter.eth_rx_vlan_unknown);
    return;
  } else if (len > ETH_FRAME_MAX_BYTES) {
    count(Counter.eth_rx_giant);
    return;
  }
  const payload = frame + <usize>header;
  if (type == ETHERTYPE_IPV4) rx_ipv4(iface, payload, len - header);
  else if (type == ETHERTYPE_ARP) rx_arp(iface, payload, len - header);
  else count(Counter.eth_rx_unknown_type);
}
