// The module's exports: the one ABI every host implements against (host/abi.ts mirrors it).
// Imports are listed in hal.ts. All state is static; init() lays it out and runs at start.
import { ARP_CACHE_COUNT, ETH_MTU, FEATURE_FORWARDING, FEATURE_HTTP, FRAME_BUFFER_BYTES, IFACE_COUNT, IFACE_MTU_MIN, IO_BUFFER_BYTES, NIC_RX_BATCH, NIC_RX_BATCHES, PROBE_COUNT, PROBE_PAYLOAD_MAX, PROFILE_ID, REASM_SLOT_BYTES, REASM_SLOT_COUNT, TCP_CONNECTION_COUNT, UDP_SOCKET_COUNT } from "./config";
import { enc_revision, ENC_FLAG_FULL_DUPLEX, ENC_FLAG_INT } from "./drivers/enc28j60";
import { counter_names_bytes as names_bytes, counter_names_ptr, counters_count, counters_ptr } from "./lib/counters";
import { pool_reset } from "./lib/pool";
import { ipv4_is_multicast, ipv4_is_unicast, ipv4_mask, IPV4_BROADCAST } from "./wire/ipv4";
import { ETHERTYPE_QINQ, ETHERTYPE_VLAN } from "./wire/ethernet";
import { arp_announce, arp_flush_iface, arp_poll, arp_reset, arp_row as arp_cache_row, arp_row_addr as cache_row_addr, arp_row_iface as cache_row_iface, arp_row_mac } from "./net/arp";
import { arp_probe_forget, arp_probe_poll, arp_probe_reset, arp_probe_start, arp_probe_state, ADDR_NONE, ADDR_READY } from "./net/arp_probe";
import { clock_delay, clock_now, clock_set } from "./net/clock";
import { rx_ethernet } from "./net/ethernet";
import { icmp_poll, icmp_reset } from "./net/icmp";
import {
  probe_code as probe_slot_code, probe_from as probe_slot_from, probe_ident as probe_echo_ident, probe_poll,
  probe_release as probe_slot_release, probe_reply_ttl as probe_slot_reply_ttl, probe_reset, probe_rtt as probe_slot_rtt,
  probe_send as probe_echo_send, probe_sequence as probe_slot_sequence, probe_state as probe_slot_state,
} from "./net/icmp_probe";
import { ipv4_reasm_busy, ipv4_reasm_poll, REASM_MEMORY_BYTES } from "./net/ipv4_reasm";
import { igmp_filter_refresh, igmp_join as igmp_join_group, igmp_leave as igmp_leave_group, igmp_poll, igmp_reset } from "./net/igmp";
import { iface_addr, iface_has_mac, iface_is_up, iface_mtu as iface_mtu_of, iface_prefix, iface_set_addr, iface_set_mac_bytes, iface_set_mtu_bytes, iface_set_up, iface_set_vlan_id, iface_valid, iface_vlan,
  iface_qinq_svid, iface_set_qinq_tag, QINQ_ANY, QINQ_OFF } from "./net/iface";
import { ipv4_reset, ALL_HOSTS_GROUP } from "./net/ipv4";
import { ipv4_set_forwarding } from "./net/ipv4_forward";
import {
  route_add as route_table_add, route_del as route_table_del, route_reset, route_row as route_table_row,
  route_row_dst as table_row_dst, route_row_gateway as table_row_gateway, route_row_iface as table_row_iface,
  route_row_metric as table_row_metric, route_row_prefix as table_row_prefix, ROUTE_ROW_COUNT,
} from "./net/route";
import { nic_enc_iface, nic_rx_buffer } from "./net/nic";
import { nic_enc_attach, nic_enc_done, nic_enc_poll, nic_enc_receive, nic_enc_status } from "./net/nic_enc28j60";
import { EADDRINUSE, EADDRNOTAVAIL, EINVAL, ENOBUFS, ENOSYS } from "./socket/errno";
import {
  udp_socket_bind, udp_socket_close, udp_socket_open, udp_socket_pending, udp_socket_port,
  udp_socket_recvfrom, udp_socket_sendto,
} from "./socket/udp";
import { udp_echo_poll, udp_echo_start } from "./app/udp_echo";
import { tcp_service_start, tcp_services_poll, tcp_services_reset } from "./app/tcp_services";
import { http_poll, http_reset, http_start } from "./app/http";
import {
  dns_lookup_cancel, dns_lookup_start, dns_lookup_status, dns_poll, dns_primary_server, dns_reset, dns_result_addr,
  dns_result_ttl, dns_secondary_server, dns_set_servers as set_dns_servers,
} from "./app/dns";
import {
  dhcp_dns_server as lease_dns_server, dhcp_iface as client_iface, dhcp_lease_addr as lease_addr, dhcp_lease_prefix as lease_prefix,
  dhcp_lease_router as lease_router, dhcp_lease_seconds as lease_seconds, dhcp_lease_server as lease_server, dhcp_poll, dhcp_reset,
  dhcp_start as client_start, dhcp_state as client_state, dhcp_stop as client_stop,
} from "./app/dhcp";
import { tcp_flush, tcp_poll, tcp_reset } from "./net/tcp/index";
import { tcp_set_refuse_with_rst as tcp_set_refuse } from "./net/tcp/input";
import { time_wait_set_msl } from "./net/tcp/timewait";
import {
  tcp_slot_state as tcp_socket_slot_state, tcp_socket_abort, tcp_socket_accept, tcp_socket_close, tcp_socket_connect,
  tcp_socket_error, tcp_socket_events, tcp_socket_listen, tcp_socket_local_port, tcp_socket_open, tcp_socket_peer_addr,
  tcp_socket_peer_port, tcp_socket_recv, tcp_socket_recv_available, tcp_socket_send, tcp_socket_send_space,
  tcp_socket_set_keepalive, tcp_socket_set_nodelay, tcp_socket_shutdown, tcp_socket_state,
} from "./socket/tcp";

/** Bumped whenever an export or import changes meaning. */
const ABI_VERSION: u32 = 3;

const io: usize = memory.data(IO_BUFFER_BYTES, 8);
const peer: usize = memory.data(8, 4);

export function abi_version(): u32 { return ABI_VERSION; }
export function profile(): i32 { return PROFILE_ID; }
export function iface_count(): i32 { return IFACE_COUNT; }

/** Resets every table to its start-up state (also run when the module starts). */
export function init(): void {
  pool_reset();
  arp_reset();
  arp_probe_reset();
  ipv4_reset();
  icmp_reset(clock_now());
  probe_reset();
  igmp_reset();
  tcp_reset(clock_now());
  tcp_services_reset();
  if (FEATURE_HTTP) http_reset();
  dns_reset();
  dhcp_reset();
  route_reset();
  ipv4_set_forwarding(false);
  for (let i = 0; i < IFACE_COUNT; i++) {
    iface_set_up(i, false);
    iface_set_addr(i, 0, 0, 0);
    iface_set_vlan_id(i, 0);
    iface_set_qinq_tag(i, QINQ_OFF, 0);
    iface_set_mtu_bytes(i, ETH_MTU);
  }
}
init();

// ---- Interfaces ----

export function iface_set_mac(iface: i32, hi16: u32, lo32: u32): i32 {
  if (!iface_valid(iface) || hi16 > 0xffff) return EINVAL;
  // Group (multicast) and all-zero addresses cannot name an interface.
  if ((hi16 & 0x0100) != 0 || (hi16 | lo32) == 0) return EINVAL;
  iface_set_mac_bytes(iface, hi16, lo32);
  return 0;
}

function invalid_ipv4(iface: i32, addr: u32, prefix: i32, gateway: u32): bool {
  if (!iface_valid(iface) || prefix < 0 || prefix > 32 || !ipv4_is_unicast(addr)) return true;
  const mask = ipv4_mask(prefix);
  // The subnet's own network and broadcast addresses are not host addresses (except /31, /32).
  if (prefix < 31 && ((addr & ~mask) == 0 || (addr | mask) == IPV4_BROADCAST)) return true;
  return gateway != 0 && (!ipv4_is_unicast(gateway) || gateway == addr || (gateway & mask) != (addr & mask));
}

/** Address with prefix length and optional gateway (0 = none); the gateway must be on-link. */
export function iface_set_ipv4(iface: i32, addr: u32, prefix: i32, gateway: u32): i32 {
  if (invalid_ipv4(iface, addr, prefix, gateway)) return EINVAL;
  arp_probe_forget(iface);
  arp_flush_iface(iface);
  iface_set_addr(iface, addr, prefix, gateway);
  if (iface_is_up(iface) && nic_status(iface) == 1) arp_announce(iface);
  return 0;
}

/**
 * As iface_set_ipv4, but the address is first probed for conflicts (RFC 5227: about 4-7 s with
 * the interface up) and only then applied and announced; iface_addr_state tells the outcome.
 * The interface's current address is removed at once.
 */
export function iface_set_ipv4_probed(iface: i32, addr: u32, prefix: i32, gateway: u32): i32 {
  if (invalid_ipv4(iface, addr, prefix, gateway)) return EINVAL;
  arp_probe_start(iface, addr, prefix, gateway);
  return 0;
}

/** 0 no address, 1 probing, 2 in use, 3 conflict (probing failed, or given up after a defence). */
export function iface_addr_state(iface: i32): i32 {
  if (!iface_valid(iface)) return EINVAL;
  const state = arp_probe_state(iface);
  if (state != ADDR_NONE) return state;
  return iface_addr(iface) != 0 ? ADDR_READY : ADDR_NONE;
}

export function iface_up(iface: i32): i32 {
  if (!iface_valid(iface)) return EINVAL;
  iface_set_up(iface, true);
  // Without carrier the announcement waits for the link (net/nic_enc28j60.ts).
  if (iface_addr(iface) != 0 && nic_status(iface) == 1) arp_announce(iface);
  return 0;
}

// ---- 802.1Q ----

/**
 * Binds iface to VLAN vid (1..4094; 0 = untagged, the default): it then accepts only frames
 * tagged vid and tags every frame it sends. Double-tagged frames are counted (eth_rx_qinq), never
 * taken, unless iface_set_qinq configured an outer tag. EINVAL for vid 0 while QinQ is on.
 */
export function iface_set_vlan(iface: i32, vid: i32): i32 {
  if (!iface_valid(iface) || vid < 0 || vid > 4094) return EINVAL;
  if (vid == 0 && iface_qinq_svid(iface) != QINQ_OFF) return EINVAL;
  // Neighbours learnt on the old VLAN are not reachable on the new one.
  if (<u32>vid != iface_vlan(iface)) arp_flush_iface(iface);
  iface_set_vlan_id(iface, <u32>vid);
  return 0;
}

/** The interface's IPv4 address and prefix as in use now (static, probed or leased); 0 = none. */
export function iface_ipv4(iface: i32): u32 { return iface_valid(iface) ? iface_addr(iface) : 0; }
export function iface_ipv4_prefix(iface: i32): i32 { return iface_valid(iface) ? iface_prefix(iface) : EINVAL; }

export function iface_get_vlan(iface: i32): i32 {
  return iface_valid(iface) ? <i32>iface_vlan(iface) : EINVAL;
}

// ---- QinQ (802.1ad) ----

/**
 * Gives iface, already bound to a C-VID with iface_set_vlan (else EINVAL), an outer service tag:
 *   svid 1..4094  matched: a received frame must carry an outer tag with svid, then the C-tag;
 *                 every frame is sent with both, the outer one with TPID tpid (0x88A8, the
 *                 802.1ad S-tag, or 0x8100 for bridges older than 802.1ad; 0 means 0x88A8).
 *   svid -1       skipped: any outer tag (or none) is accepted and stripped, the C-tag decides;
 *                 frames are sent with the C-tag only (tpid must be 0). Receive-only because an
 *                 S-VID is the provider's service identifier: not knowing ours, we leave the S-tag
 *                 to the provider edge, which pushes it on C-tagged frames (802.1ad C-tagged
 *                 service interface); an S-VID copied from received frames could name another
 *                 customer's service.
 *   svid 0        off (tpid must be 0).
 * Three tags are always refused (eth_rx_qinq_triple).
 */
export function iface_set_qinq(iface: i32, svid: i32, tpid: i32): i32 {
  if (!iface_valid(iface) || (iface_vlan(iface) == 0 && svid != QINQ_OFF)) return EINVAL;
  if (svid < QINQ_ANY || svid > 4094) return EINVAL;
  if (svid > 0 && tpid == 0) tpid = <i32>ETHERTYPE_QINQ;
  if (svid > 0 ? tpid != <i32>ETHERTYPE_QINQ && tpid != <i32>ETHERTYPE_VLAN : tpid != 0) return EINVAL;
  // Neighbours learnt in another service VLAN are not reachable in this one.
  if (svid != iface_qinq_svid(iface)) arp_flush_iface(iface);
  iface_set_qinq_tag(iface, svid, <u32>tpid);
  return 0;
}

/** The outer tag setting: 0 off, -1 skipped, else the S-VID. */
export function iface_get_qinq(iface: i32): i32 {
  return iface_valid(iface) ? iface_qinq_svid(iface) : EINVAL;
}

// ---- Multicast (IGMPv2, net/igmp.ts) ----

/**
 * Joins group on iface: reported to routers (IGMPv2), received by the stack, passed by the NIC's
 * filter. Memberships are reference-counted (one leave per join); UDP sockets bound to the
 * wildcard address or to the group receive its datagrams on their port. 224.0.0.1 is always
 * joined. EINVAL for a non-multicast group, ENOBUFS when the group table is full.
 */
export function igmp_join(iface: i32, group: u32): i32 {
  if (!iface_valid(iface) || !ipv4_is_multicast(group)) return EINVAL;
  if (group == ALL_HOSTS_GROUP) return 0;
  return igmp_join_group(iface, group) ? 0 : ENOBUFS;
}

/** Drops one reference to a membership; the last one sends a leave. EADDRNOTAVAIL if none. */
export function igmp_leave(iface: i32, group: u32): i32 {
  if (!iface_valid(iface) || !ipv4_is_multicast(group)) return EINVAL;
  if (group == ALL_HOSTS_GROUP) return 0;
  return igmp_leave_group(iface, group) ? 0 : EADDRNOTAVAIL;
}

// ---- Routing, forwarding, MTU (net/route.ts, net/ipv4_forward.ts, net/ipv4_frag.ts) ----

/**
 * Largest datagram the interface sends (default 1500); longer ones leave in fragments.
 * IFACE_MTU_MIN (576) ..ETH_MTU (1500, the Ethernet limit of TAP and ENC28J60), else EINVAL.
 */
export function iface_set_mtu(iface: i32, mtu: i32): i32 {
  if (!iface_valid(iface) || mtu < IFACE_MTU_MIN || mtu > ETH_MTU) return EINVAL;
  iface_set_mtu_bytes(iface, mtu);
  return 0;
}
export function iface_mtu(iface: i32): i32 { return iface_valid(iface) ? iface_mtu_of(iface) : EINVAL; }

/**
 * Static route to dst/prefix via gateway (0: directly on iface) on iface (-1: the interface
 * whose subnet holds the gateway), metric breaking ties between equal prefixes (lower wins).
 * EINVAL (bad prefix, host bits set, bad interface), ENETUNREACH (gateway not on a connected
 * subnet), EEXIST (same dst, prefix, metric), ENOSPC (table full).
 */
export function route_add(dst: u32, prefix: i32, gateway: u32, iface: i32, metric: u32): i32 {
  return route_table_add(dst, prefix, gateway, iface, metric);
}
/** Removes the static route dst/prefix (via gateway, or any gateway when 0); ESRCH if none. */
export function route_del(dst: u32, prefix: i32, gateway: u32): i32 { return route_table_del(dst, prefix, gateway); }
export function route_capacity(): i32 { return ROUTE_ROW_COUNT; }
/** Kind of row i: 0 none, 1 connected, 2 default (interface gateway), 3 static; route_row_* read it. */
export function route_row(i: i32): i32 { return route_table_row(i); }
export function route_row_dst(): u32 { return table_row_dst(); }
export function route_row_prefix(): i32 { return table_row_prefix(); }
export function route_row_gateway(): u32 { return table_row_gateway(); }
export function route_row_iface(): i32 { return table_row_iface(); }
export function route_row_metric(): u32 { return table_row_metric(); }

/**
 * Forwarding between interfaces (RFC 1812): off (0, default) or on; 0, or ENOSYS when on is
 * asked of a profile without it (config.ts FEATURE_FORWARDING: one interface, tiny).
 */
export function ip_forwarding(on: i32): i32 {
  if (!FEATURE_FORWARDING) return on != 0 ? ENOSYS : 0;
  ipv4_set_forwarding(on != 0);
  return 0;
}

// ---- Drivers ----

/**
 * Serves iface with the ENC28J60 on the SPI bus instead of hal.nic_tx/rx(): the chip is reset
 * and set up from the following polls (with the interface's MAC, so set it first). flags: bit 0
 * full duplex (the partner must be forced to full duplex too: the chip has no autonegotiation),
 * bit 1 the chip's INT pin wakes the host (otherwise poll() asks to be called every ms).
 * EADDRINUSE if another interface already has the chip (one chip select).
 */
export function nic_attach_enc28j60(iface: i32, flags: i32): i32 {
  if (!iface_valid(iface) || (flags & ~(ENC_FLAG_FULL_DUPLEX | ENC_FLAG_INT)) != 0) return EINVAL;
  if (!iface_has_mac(iface)) return EINVAL;
  const owner = nic_enc_iface();
  if (owner >= 0 && owner != iface) return EADDRINUSE;
  nic_enc_attach(iface, flags);
  igmp_filter_refresh(iface);
  return 0;
}

/** 0 initialising, 1 carrier up, 2 no carrier, < 0 the driver's error (ENC28J60 init failed). A
 *  frame nic's carrier is the host's business: 1. */
export function nic_status(iface: i32): i32 {
  if (!iface_valid(iface)) return EINVAL;
  return iface == nic_enc_iface() ? nic_enc_status() : 1;
}

/** ENC28J60 silicon revision (EREVID) read at initialisation; 0 before. */
export function nic_enc28j60_revision(): u32 { return enc_revision(); }

export function iface_down(iface: i32): i32 {
  if (!iface_valid(iface)) return EINVAL;
  iface_set_up(iface, false);
  arp_flush_iface(iface);
  return 0;
}

// ---- Time and frames ----

/** Runs timers and services at the host's time; returns ms until the next poll is wanted. */
export function poll(now_ms: u32): u32 {
  clock_set(now_ms);
  arp_poll(now_ms);
  arp_probe_poll(now_ms);
  icmp_poll(now_ms);
  probe_poll(now_ms);
  ipv4_reasm_poll(now_ms);
  igmp_poll(now_ms);
  tcp_poll(now_ms);
  const chip = nic_enc_poll(now_ms);
  run_services();
  if (chip) {
    // Frames from the chip in small batches, each followed by the services and TCP output, so
    // replies go out while later frames are still arriving.
    let more = false;
    for (let batch = 0; batch < NIC_RX_BATCHES; batch++) {
      const taken = nic_enc_receive();
      if (taken > 0) run_services();
      more = taken == NIC_RX_BATCH;
      if (!more) break;
    }
    nic_enc_done(now_ms, more);
  }
  return clock_delay();
}

export function rx_buffer(iface: i32): usize {
  return iface_valid(iface) ? nic_rx_buffer(iface) : 0;
}

export function frame_max(): i32 { return FRAME_BUFFER_BYTES; }

/**
 * Processes the frame in rx_buffer(iface) at the time of the last poll; len > frame_max()
 * reports a giant without reading it. Returns ms until the next poll is wanted, like poll.
 */
export function rx(iface: i32, len: i32): u32 {
  if (iface_valid(iface)) {
    rx_ethernet(iface, rx_buffer(iface), len < 0 ? 0 : len);
    run_services();
  }
  return clock_delay();
}

// ---- UDP sockets, payloads through the io buffer ----

export function io_buffer(): usize { return io; }
export function io_buffer_size(): i32 { return IO_BUFFER_BYTES; }

export function udp_open(): i32 { return udp_socket_open(); }
export function udp_bind(handle: i32, addr: u32, port: u32): i32 { return udp_socket_bind(handle, addr, port); }
export function udp_local_port(handle: i32): i32 { return udp_socket_port(handle); }
export function udp_close(handle: i32): i32 { return udp_socket_close(handle); }
export function udp_pending(handle: i32): i32 { return udp_socket_pending(handle); }
/** Handles are 0..udp_capacity()-1 (for socket listings: udp_local_port is EBADF when closed). */
export function udp_capacity(): i32 { return UDP_SOCKET_COUNT; }

export function udp_sendto(handle: i32, addr: u32, port: u32, len: i32): i32 {
  if (len < 0 || len > IO_BUFFER_BYTES) return EINVAL;
  return udp_socket_sendto(handle, addr, port, io, len);
}

export function udp_recvfrom(handle: i32): i32 {
  return udp_socket_recvfrom(handle, io, IO_BUFFER_BYTES, peer);
}
export function udp_peer_addr(): u32 { return load<u32>(peer); }
export function udp_peer_port(): u32 { return load<u32>(peer, 4); }

// ---- TCP sockets, payloads through the io buffer (socket/tcp.ts has the semantics) ----

export function tcp_open(): i32 { return tcp_socket_open(); }
export function tcp_listen(handle: i32, addr: u32, port: u32, backlog: i32): i32 { return tcp_socket_listen(handle, addr, port, backlog); }
export function tcp_accept(handle: i32): i32 { return tcp_socket_accept(handle); }
export function tcp_connect(handle: i32, addr: u32, port: u32): i32 { return tcp_socket_connect(handle, addr, port); }
/** Queues up to len bytes from io_buffer(); returns how many were taken. */
export function tcp_send(handle: i32, len: i32): i32 {
  if (len < 0 || len > IO_BUFFER_BYTES) return EINVAL;
  return tcp_socket_send(handle, io, len);
}
/** Reads up to io_buffer_size() bytes into io_buffer(); 0 = end of stream. */
export function tcp_recv(handle: i32): i32 { return tcp_socket_recv(handle, io, IO_BUFFER_BYTES); }
export function tcp_shutdown(handle: i32): i32 { return tcp_socket_shutdown(handle); }
export function tcp_close(handle: i32): i32 { return tcp_socket_close(handle); }
export function tcp_abort(handle: i32): i32 { return tcp_socket_abort(handle); }
export function tcp_events(handle: i32): u32 { return tcp_socket_events(handle); }
export function tcp_error(handle: i32): i32 { return tcp_socket_error(handle); }
export function tcp_state(handle: i32): i32 { return tcp_socket_state(handle); }
export function tcp_set_nodelay(handle: i32, on: i32): i32 { return tcp_socket_set_nodelay(handle, on != 0); }
export function tcp_set_keepalive(handle: i32, on: i32): i32 { return tcp_socket_set_keepalive(handle, on != 0); }
export function tcp_send_space(handle: i32): i32 { return tcp_socket_send_space(handle); }
export function tcp_recv_available(handle: i32): i32 { return tcp_socket_recv_available(handle); }
export function tcp_peer_addr(handle: i32): u32 { return tcp_socket_peer_addr(handle); }
export function tcp_peer_port(handle: i32): u32 { return tcp_socket_peer_port(handle); }
export function tcp_local_port(handle: i32): u32 { return tcp_socket_local_port(handle); }
export function tcp_capacity(): i32 { return TCP_CONNECTION_COUNT; }
/** State of slot i (0 = free), for connection listings. */
export function tcp_slot_state(i: i32): i32 { return tcp_socket_slot_state(i); }
/** MSL in ms (TIME-WAIT lasts 2 MSL). */
export function tcp_set_msl(ms: u32): i32 {
  if (ms == 0 || ms > 600_000) return EINVAL;
  time_wait_set_msl(ms);
  return 0;
}
/** A SYN the stack has no room for gets a RST (1, default) or is dropped silently (0). */
export function tcp_set_refuse_with_rst(on: i32): void { tcp_set_refuse(on != 0); }

// ---- Services ----

/** The built-in applications, then the TCP output their work and the arrivals call for. */
function run_services(): void {
  dhcp_poll();
  udp_echo_poll();
  tcp_services_poll();
  if (FEATURE_HTTP) http_poll();
  dns_poll();
  tcp_flush();
}

export function service_udp_echo(port: u32): i32 {
  if (port > 0xffff) return EINVAL;
  return udp_echo_start(port);
}

/** HTTP/1.1 server (app/http.ts) on port (0 = stop); ENOSYS where compiled out (FEATURE_HTTP: tiny). */
export function service_http(port: u32): i32 {
  if (!FEATURE_HTTP) return ENOSYS;
  if (port > 0xffff) return EINVAL;
  return http_start(port);
}

/** TCP service kind 1 echo, 2 discard, 3 chargen on port (0 = stop). */
export function service_tcp(kind: i32, port: u32): i32 {
  if (port > 0xffff) return EINVAL;
  return tcp_service_start(kind, port, TCP_CONNECTION_COUNT);
}

// ---- Ping and traceroute probes (net/icmp_probe.ts) ----
// The host sends one echo request per probe_send, at its own pace, and reads the slot once its
// state is no longer PENDING (an answer arrived, or a poll found the timeout passed; the module
// asks to be polled at the deadline), then releases it.

/** An echo request of size data bytes (0..probe_payload_max()) with this TTL to dst; the slot or an errno. */
export function probe_send(dst: u32, size: i32, ttl: u32, timeout_ms: u32): i32 {
  // The echo data is generated in the io buffer (PROBE_PAYLOAD_MAX <= IO_BUFFER_BYTES), which
  // holds nothing for the host during this call.
  return probe_echo_send(dst, size, ttl, timeout_ms, io);
}
export function probe_capacity(): i32 { return PROBE_COUNT; }
export function probe_payload_max(): i32 { return PROBE_PAYLOAD_MAX; }
/** 0 free, 1 pending, 2 echo reply, 3 time exceeded, 4 destination unreachable, 5 timed out. */
export function probe_state(slot: i32): i32 { return probe_slot_state(slot); }
export function probe_rtt(slot: i32): u32 { return probe_slot_rtt(slot); }
export function probe_from(slot: i32): u32 { return probe_slot_from(slot); }
export function probe_code(slot: i32): u32 { return probe_slot_code(slot); }
export function probe_reply_ttl(slot: i32): u32 { return probe_slot_reply_ttl(slot); }
export function probe_sequence(slot: i32): u32 { return probe_slot_sequence(slot); }
export function probe_ident(): u32 { return probe_echo_ident(); }
export function probe_release(slot: i32): i32 { return probe_slot_release(slot); }

// ---- DNS resolver (app/dns.ts), names through the io buffer ----

/** Servers the resolver asks (0 = none); secondary alone is taken as the primary. */
export function dns_set_servers(primary: u32, secondary: u32): i32 {
  if ((primary != 0 && !ipv4_is_unicast(primary)) || (secondary != 0 && !ipv4_is_unicast(secondary))) return EINVAL;
  set_dns_servers(primary, secondary);
  return 0;
}
export function dns_server(index: i32): u32 { return index == 0 ? dns_primary_server() : index == 1 ? dns_secondary_server() : 0; }

/**
 * Starts an A lookup of the dotted name in the first len bytes of io_buffer(). Returns a handle,
 * or EINVAL (bad name), EAGAIN (lookup table full), ENETUNREACH (no server and not cached).
 */
export function dns_resolve(len: i32): i32 {
  if (len < 0 || len > IO_BUFFER_BYTES) return EINVAL;
  return dns_lookup_start(io, len);
}
/** 0 pending; final: 1 address, 2 NXDOMAIN, 3 no address, 4 timeout, 5 server failure (the
 *  handle is then released and dns_result_* hold the answer); EBADF. */
export function dns_status(handle: i32): i32 { return dns_lookup_status(handle); }
export function dns_result_address(): u32 { return dns_result_addr(); }
export function dns_result_ttl_s(): u32 { return dns_result_ttl(); }
export function dns_cancel(handle: i32): i32 { return dns_lookup_cancel(handle); }

// ---- IPv4 reassembly ----

/** Datagrams the module reassembles at once. */
export function reasm_slots(): i32 { return REASM_SLOT_COUNT; }
/** Largest payload (after the IP header) one slot reassembles. */
export function reasm_slot_bytes(): i32 { return REASM_SLOT_BYTES; }
/** Static memory all slots take, bookkeeping included. */
export function reasm_memory_bytes(): i32 { return REASM_MEMORY_BYTES; }
/** Slots holding a datagram in progress (or a refused one, until it times out). */
export function reasm_busy(): i32 { return ipv4_reasm_busy(); }

// ---- DHCP client (app/dhcp.ts) ----

/** Starts the DHCP client on iface (one interface at a time; a running client is stopped). */
export function dhcp_start(iface: i32): i32 { return client_start(iface); }
/** Releases the lease (if any), removes its address and stops the client. */
export function dhcp_stop(): void { client_stop(); }
/** 0 stopped, 1 selecting, 2 requesting, 3 probing, 4 bound, 5 renewing, 6 rebinding, 7 declined (waiting). */
export function dhcp_state(): i32 { return client_state(); }
export function dhcp_iface(): i32 { return client_iface(); }
/** The lease (0 until bound): address, prefix, router, server, lease time in seconds. */
export function dhcp_lease_addr(): u32 { return lease_addr(); }
export function dhcp_lease_prefix(): i32 { return lease_prefix(); }
export function dhcp_lease_router(): u32 { return lease_router(); }
export function dhcp_lease_server(): u32 { return lease_server(); }
export function dhcp_lease_seconds(): u32 { return lease_seconds(); }
/** The lease's DNS server i (0 or 1) on iface, 0 when none. */
export function dhcp_dns_server(iface: i32, i: i32): u32 { return lease_dns_server(iface, i); }

// ---- Observability ----

export function counters(): usize { return counters_ptr(); }
export function counter_count(): i32 { return counters_count(); }
export function counter_names(): usize { return counter_names_ptr(); }
export function counter_names_bytes(): i32 { return names_bytes(); }

export function arp_capacity(): i32 { return ARP_CACHE_COUNT; }
export function arp_row(i: i32): i32 { return arp_cache_row(i); }
export function arp_row_iface(): i32 { return cache_row_iface(); }
export function arp_row_addr(): u32 { return cache_row_addr(); }
export function arp_row_mac_hi(): u32 {
  const mac = arp_row_mac();
  return mac == 0 ? 0 : (<u32>load<u8>(mac) << 8) | load<u8>(mac, 1);
}
export function arp_row_mac_lo(): u32 {
  const mac = arp_row_mac();
  return mac == 0 ? 0 : bswap<u32>(load<u32>(mac, 2));
}

/** Heap probe: advances by a fixed step per call unless something else allocated since. */
export function heap_top(): usize { return heap.alloc(0); }
