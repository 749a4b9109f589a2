// Ethernet receive: size limits, destination filter, 802.1Q tags, and dispatch by type.
import { ETH_FRAME_MAX_BYTES, ETH_HEADER_BYTES, ETH_QINQ_FRAME_MAX_BYTES, ETH_TAGGED_FRAME_MAX_BYTES, VLAN_TAG_BYTES } from "../config";
import { equal } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import {
  eth_check, eth_is_broadcast, eth_is_multicast, eth_type, vlan_check, vlan_id, vlan_inner_type, vlan_is_double,
  ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_QINQ, ETHERTYPE_VLAN, ETH_DST,
} from "../wire/ethernet";
import { rx_arp } from "./arp";
import { iface_is_up, iface_mac, iface_vlan } from "./iface";
import { rx_ipv4 } from "./ipv4";

function for_us(iface: i32, frame: usize): bool {
  const dst = frame + ETH_DST;
  return eth_is_broadcast(dst) || eth_is_multicast(dst) || equal(dst, iface_mac(iface), 6);
}

/**
 * The tag check for a bound or untagged interface: a bound interface takes only its VID; an
 * untagged one takes untagged and priority-tagged (VID 0, 802.1Q 9.6) frames. vid < 0 = no tag.
 */
function vlan_reason(iface: i32, vid: i32): Counter {
  const bound = <i32>iface_vlan(iface);
  if (vid == bound || (bound == 0 && vid <= 0)) return Counter.OK;
  return vid <= 0 ? Counter.eth_rx_vlan_untagged : Counter.eth_rx_vlan_unknown;
}

/**
 * One received frame (no FCS). len may exceed what the buffer holds: then it is a giant.
 * QinQ (an outer 802.1ad S-tag, or two stacked 802.1Q tags) is recognised and dropped with
 * eth_rx_qinq whatever the binding: a host terminates at most one tag, and the S-tag belongs
 * to the provider's bridges. Frames up to ETH_QINQ_FRAME_MAX_BYTES (= FRAME_BUFFER_BYTES) are
 * read; the size limit of each kind (untagged, tagged, QinQ) is applied once the tags are known.
 */
export function rx_ethernet(iface: i32, frame: usize, len: i32): void {
  count(Counter.eth_rx_frames);
  if (!iface_is_up(iface)) { count(Counter.eth_rx_iface_down); return; }
  const reason = eth_check(len);
  if (reason != Counter.OK) { count(reason); return; }
  if (len > ETH_QINQ_FRAME_MAX_BYTES) { count(Counter.eth_rx_giant); return; }
  if (!for_us(iface, frame)) { count(Counter.eth_rx_not_for_us); return; }
  let type = eth_type(frame);
  let header = ETH_HEADER_BYTES;
  let vid: i32 = -1;
  if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
    const tag = vlan_check(frame, len);
    if (tag != Counter.OK) { count(tag); return; }
    if (vlan_is_double(frame)) { count(Counter.eth_rx_qinq); return; }
    if (len > ETH_TAGGED_FRAME_MAX_BYTES) { count(Counter.eth_rx_giant); return; }
    vid = <i32>vlan_id(frame);
    type = vlan_inner_type(frame);
    header += VLAN_TAG_BYTES;
  } else if (len > ETH_FRAME_MAX_BYTES) {
    count(Counter.eth_rx_giant);
    return;
  }
  const tagging = vlan_reason(iface, vid);
  if (tagging != Counter.OK) { count(tagging); return; }
  const payload = frame + <usize>header;
  if (type == ETHERTYPE_IPV4) rx_ipv4(iface, payload, len - header);
  else if (type == ETHERTYPE_ARP) rx_arp(iface, payload, len - header);
  else count(Counter.eth_rx_unknown_type);
}
