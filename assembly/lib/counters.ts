// Every drop reason and traffic count the host can read, in one table. Layers bump a
// counter by its name here; wire/ validators return a counter as their rejection reason, so
// each bad-input path ends in exactly one place: a counter, never a trap.
//
// Keep Counter and NAMES in the same order (a host test checks the lengths agree).

export enum Counter {
  OK = 0, // not a counter: "no drop" from validators
  eth_rx_frames,
  eth_rx_runt,
  eth_rx_giant,
  eth_rx_not_for_us,
  eth_rx_unknown_type,
  eth_rx_vlan_unknown,
  eth_rx_iface_down,
  eth_tx_frames,
  eth_tx_failed,
  arp_rx,
  arp_rx_bad,
  arp_rx_bad_sender,
  arp_rx_not_for_us,
  arp_tx_request,
  arp_tx_reply,
  arp_cache_full,
  arp_queue_full,
  arp_resolve_failed,
  arp_queue_dropped,
  ipv4_rx,
  ipv4_rx_short,
  ipv4_rx_bad_version,
  ipv4_rx_bad_header_length,
  ipv4_rx_bad_total_length,
  ipv4_rx_bad_checksum,
  ipv4_rx_martian_source,
  ipv4_rx_martian_destination,
  ipv4_rx_not_for_us,
  ipv4_rx_fragment,
  ipv4_rx_multicast_not_joined,
  ipv4_rx_unknown_protocol,
  ipv4_tx,
  ipv4_tx_no_route,
  ipv4_tx_fragmented,
  ipv4_tx_fragments,
  ipv4_tx_frag_df_refused,
  ipv4_tx_frag_unresolved,
  ipv4_fwd_forwarded,
  ipv4_fwd_fragmented,
  ipv4_fwd_ttl_exceeded,
  ipv4_fwd_no_route,
  ipv4_fwd_frag_needed,
  ipv4_fwd_frag_options,
  ipv4_fwd_not_forwardable,
  ipv4_fwd_host_unreachable,
  ipv4_fwd_no_buffer,
  tx_no_buffer,
  icmp_rx,
  icmp_rx_short,
  icmp_rx_bad_checksum,
  icmp_rx_echo_request,
  icmp_rx_echo_broadcast_ignored,
  icmp_rx_other_type,
  icmp_tx_echo_reply,
  icmp_tx_unreachable,
  icmp_tx_time_exceeded,
  icmp_tx_rate_limited,
  udp_rx,
  udp_rx_short,
  udp_rx_bad_length,
  udp_rx_bad_checksum,
  udp_rx_no_socket,
  udp_rx_ring_full,
  udp_tx,
  tcp_rx,
  tcp_rx_short,
  tcp_rx_bad_header_length,
  tcp_rx_bad_checksum,
  tcp_rx_bad_option,
  tcp_rx_no_socket,
  tcp_rx_not_acceptable,
  tcp_rx_paws_rejected,
  tcp_rx_bad_ack,
  tcp_rx_rst,
  tcp_rx_out_of_order,
  tcp_rx_out_of_order_dropped,
  tcp_rx_after_close,
  tcp_syn_backlog_full,
  tcp_syn_no_connection,
  tcp_tx_segments,
  tcp_tx_rst,
  tcp_tx_challenge_ack,
  tcp_tx_challenge_ack_limited,
  tcp_tx_retransmits,
  tcp_tx_fast_retransmits,
  tcp_tx_window_probes,
  tcp_rto_expired,
  tcp_connections_timed_out,
  tcp_connections_reset,
  tcp_time_wait_recycled,
  tcp_keepalive_dropped,
  enc_rx_bad_status,
  enc_rx_overflow,
  enc_rx_resets,
  enc_rx_too_long,
  enc_rx_next_mismatch,
  enc_tx_errors,
  enc_tx_retries,
  enc_tx_timeouts,
  enc_link_changes,
  enc_mii_timeouts,
  enc_init_failed,
  COUNT,
}

// One literal, so the names sit in the data segment and nothing is built at start-up.
// prettier-ignore
const NAMES = "eth_rx_frames\neth_rx_runt\neth_rx_giant\neth_rx_not_for_us\neth_rx_unknown_type\neth_rx_vlan_unknown\neth_rx_iface_down\neth_tx_frames\neth_tx_failed\narp_rx\narp_rx_bad\narp_rx_bad_sender\narp_rx_not_for_us\narp_tx_request\narp_tx_reply\narp_cache_full\narp_queue_full\narp_resolve_failed\narp_queue_dropped\nipv4_rx\nipv4_rx_short\nipv4_rx_bad_version\nipv4_rx_bad_header_length\nipv4_rx_bad_total_length\nipv4_rx_bad_checksum\nipv4_rx_martian_source\nipv4_rx_martian_destination\nipv4_rx_not_for_us\nipv4_rx_fragment\nipv4_rx_multicast_not_joined\nipv4_rx_unknown_protocol\nipv4_tx\nipv4_tx_no_route\nipv4_tx_fragmented\nipv4_tx_fragments\nipv4_tx_frag_df_refused\nipv4_tx_frag_unresolved\nipv4_fwd_forwarded\nipv4_fwd_fragmented\nipv4_fwd_ttl_exceeded\nipv4_fwd_no_route\nipv4_fwd_frag_needed\nipv4_fwd_frag_options\nipv4_fwd_not_forwardable\nipv4_fwd_host_unreachable\nipv4_fwd_no_buffer\ntx_no_buffer\nicmp_rx\nicmp_rx_short\nicmp_rx_bad_checksum\nicmp_rx_echo_request\nicmp_rx_echo_broadcast_ignored\nicmp_rx_other_type\nicmp_tx_echo_reply\nicmp_tx_unreachable\nicmp_tx_time_exceeded\nicmp_tx_rate_limited\nudp_rx\nudp_rx_short\nudp_rx_bad_length\nudp_rx_bad_checksum\nudp_rx_no_socket\nudp_rx_ring_full\nudp_tx\ntcp_rx\ntcp_rx_short\ntcp_rx_bad_header_length\ntcp_rx_bad_checksum\ntcp_rx_bad_option\ntcp_rx_no_socket\ntcp_rx_not_acceptable\ntcp_rx_paws_rejected\ntcp_rx_bad_ack\ntcp_rx_rst\ntcp_rx_out_of_order\ntcp_rx_out_of_order_dropped\ntcp_rx_after_close\ntcp_syn_backlog_full\ntcp_syn_no_connection\ntcp_tx_segments\ntcp_tx_rst\ntcp_tx_challenge_ack\ntcp_tx_challenge_ack_limited\ntcp_tx_retransmits\ntcp_tx_fast_retransmits\ntcp_tx_window_probes\ntcp_rto_expired\ntcp_connections_timed_out\ntcp_connections_reset\ntcp_time_wait_recycled\ntcp_keepalive_dropped\nenc_rx_bad_status\nenc_rx_overflow\nenc_rx_resets\nenc_rx_too_long\nenc_rx_next_mismatch\nenc_tx_errors\nenc_tx_retries\nenc_tx_timeouts\nenc_link_changes\nenc_mii_timeouts\nenc_init_failed";

const values = new StaticArray<u32>(Counter.COUNT);

@inline export function count(counter: Counter): void {
  unchecked((values[counter] = unchecked(values[counter]) + 1));
}

export function counter_value(counter: Counter): u32 {
  return unchecked(values[counter]);
}

/** Address of the first real counter (index 1); Counter.OK is not exposed. */
export function counters_ptr(): usize {
  return changetype<usize>(values) + sizeof<u32>();
}

export function counters_count(): i32 {
  return Counter.COUNT - 1;
}

export function counter_names_ptr(): usize {
  return changetype<usize>(NAMES);
}

export function counter_names_bytes(): i32 {
  return NAMES.length << 1;
}
