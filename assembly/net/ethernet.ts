// Ethernet receive: size limits, destination filter, 802.1Q tags and QinQ, dispatch by type.
import { ETH_FRAME_MAX_BYTES, ETH_QINQ_FRAME_MAX_BYTES, VLAN_TAG_BYTES } from "../config";
import { equal } from "../lib/bytes";
import { Counter, count } from "../lib/counters";
import {
  eth_check, eth_header_bytes, eth_is_broadcast, eth_is_multicast, eth_payload_type, eth_tag_count, eth_tag_type,
  eth_tag_vid, eth_tags_check, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_QINQ, ETHERTYPE_VLAN, ETH_DST,
} from "../wire/ethernet";
import { rx_arp } from "./arp";
import { iface_is_up, iface_mac, iface_qinq_svid, iface_vlan, QINQ_ANY, QINQ_OFF } from "./iface";
import { rx_ipv4 } from "./ipv4";

function for_us(iface: i32, frame: usize): bool {
  const dst = frame + ETH_DST;
  return eth_is_broadcast(dst) || eth_is_multicast(dst) || equal(dst, iface_mac(iface), 6);
}

/**
 * Tags on an interface without QinQ: a bound interface takes only its VID; an untagged one takes
 * untagged and priority-tagged (VID 0, 802.1Q 9.6) frames. Two tags, or an S-tag (0x88A8) alone,
 * are provider tagging this interface was not told about: eth_rx_qinq, never taken as untagged.
 */
function vlan_reason(iface: i32, frame: usize, tags: i32): Counter {
  if (tags == 2 || (tags == 1 && eth_tag_type(frame, 0) == ETHERTYPE_QINQ)) return Counter.eth_rx_qinq;
  const vid = tags == 0 ? -1 : <i32>eth_tag_vid(frame, 0);
  const bound = <i32>iface_vlan(iface);
  if (vid == bound || (bound == 0 && vid <= 0)) return Counter.OK;
  return vid <= 0 ? Counter.eth_rx_vlan_untagged : Counter.eth_rx_vlan_unknown;
}

/**
 * Tags on a QinQ interface (it is bound to a C-VID). Matched: two tags, the outer carrying the
 * S-VID (else eth_rx_qinq_outer_unknown, a missing outer tag included). Skipped: any outer tag,
 * or none. Then the innermost tag must be a C-tag (0x8100) with the interface's VID (else
 * eth_rx_qinq_inner_unknown). Untagged frames are eth_rx_vlan_untagged.
 */
function qinq_reason(iface: i32, frame: usize, tags: i32): Counter {
  if (tags == 0) return Counter.eth_rx_vlan_untagged;
  const svid = iface_qinq_svid(iface);
  if (svid != QINQ_ANY && (tags != 2 || <i32>eth_tag_vid(frame, 0) != svid)) return Counter.eth_rx_qinq_outer_unknown;
  const inner = tags - 1;
  if (eth_tag_type(frame, inner) != ETHERTYPE_VLAN || eth_tag_vid(frame, inner) != iface_vlan(iface)) {
    return Counter.eth_rx_qinq_inner_unknown;
  }
  return Counter.OK;
}

/**
 * One received frame (no FCS). len may exceed what the buffer holds: then it is a giant.
 * Frames up to ETH_QINQ_FRAME_MAX_BYTES (= FRAME_BUFFER_BYTES) are read; the size limit of each
 * kind (untagged, one tag, two tags) is applied once the tags are known; a third tag is refused.
 */
export function rx_ethernet(iface: i32, frame: usize, len: i32): void {
  count(Counter.eth_rx_frames);
  if (!iface_is_up(iface)) { count(Counter.eth_rx_iface_down); return; }
  const reason = eth_check(len);
  if (reason != Counter.OK) { count(reason); return; }
  if (len > ETH_QINQ_FRAME_MAX_BYTES) { count(Counter.eth_rx_giant); return; }
  if (!for_us(iface, frame)) { count(Counter.eth_rx_not_for_us); return; }
  const stack = eth_tags_check(frame, len);
  if (stack != Counter.OK) { count(stack); return; }
  const tags = eth_tag_count(frame);
  if (len > ETH_FRAME_MAX_BYTES + tags * VLAN_TAG_BYTES) { count(Counter.eth_rx_giant); return; }
  const tagging = iface_qinq_svid(iface) == QINQ_OFF ? vlan_reason(iface, frame, tags) : qinq_reason(iface, frame, tags);
  if (tagging != Counter.OK) { count(tagging); return; }
  const header = eth_header_bytes(tags);
  const payload = frame + <usize>header;
  const type = eth_payload_type(frame, tags);
  if (type == ETHERTYPE_IPV4) rx_ipv4(iface, payload, len - header);
  else if (type == ETHERTYPE_ARP) rx_arp(iface, payload, len - header);
  else count(Counter.eth_rx_unknown_type);
}
