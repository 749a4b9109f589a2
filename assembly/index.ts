// The module's exports: the one ABI every host implements against (host/abi.ts mirrors it).
// Imports are listed in hal.ts. All state is static; init() lays it out and runs at start.
import { ARP_CACHE_COUNT, ETH_MTU, FRAME_BUFFER_BYTES, IFACE_MTU_MIN, IFACE_COUNT, IO_BUFFER_BYTES, NIC_RX_BATCH, NIC_RX_BATCHES, PROFILE_ID, TCP_CONNECTION_COUNT } from "./config";
import { enc_revision, ENC_FLAG_FULL_DUPLEX, ENC_FLAG_INT } from "./drivers/enc28j60";
import { counter_names_bytes as names_bytes, counter_names_ptr, counters_count, counters_ptr } from "./lib/counters";
import { pool_reset } from "./lib/pool";
import { ipv4_is_loopback, ipv4_is_multicast, ipv4_is_reserved, ipv4_is_this_network, ipv4_mask, IPV4_BROADCAST } from "./wire/ipv4";
import { arp_announce, arp_flush_iface, arp_poll, arp_reset, arp_row as arp_cache_row, arp_row_addr as cache_row_addr, arp_row_iface as cache_row_iface, arp_row_mac } from "./net/arp";
import { clock_delay, clock_now, clock_set } from "./net/clock";
import { rx_ethernet } from "./net/ethernet";
import { icmp_poll, icmp_reset } from "./net/icmp";
import { iface_addr, iface_has_mac, iface_is_up, iface_mtu as iface_mtu_of, iface_set_addr, iface_set_mac_bytes, iface_set_mtu_bytes, iface_set_up, iface_valid } from "./net/iface";
import { ipv4_reset } from "./net/ipv4";
import { ipv4_set_forwarding } from "./net/ipv4_forward";
import {
  route_add as route_table_add, route_del as route_table_del, route_reset, route_row as route_table_row,
  route_row_dst as table_row_dst, route_row_gateway as table_row_gateway, route_row_iface as table_row_iface,
  route_row_metric as table_row_metric, route_row_prefix as table_row_prefix, ROUTE_ROW_COUNT,
} from "./net/route";
import { nic_enc_iface, nic_rx_buffer } from "./net/nic";
import { nic_enc_attach, nic_enc_done, nic_enc_poll, nic_enc_receive, nic_enc_status } from "./net/nic_enc28j60";
import { EADDRINUSE, EINVAL } from "./socket/errno";
import {
  udp_socket_bind, udp_socket_close, udp_socket_open, udp_socket_pending, udp_socket_port,
  udp_socket_recvfrom, udp_socket_sendto,
} from "./socket/udp";
import { udp_echo_poll, udp_echo_start } from "./app/udp_echo";
import { tcp_service_start, tcp_services_poll, tcp_services_reset } from "./app/tcp_services";
import { http_poll, http_reset, http_start } from "./app/http";
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
  ipv4_reset();
  icmp_reset(clock_now());
  tcp_reset(clock_now());
  tcp_services_reset();
  http_reset();
  route_reset();
  ipv4_set_forwarding(false);
  for (let i = 0; i < IFACE_COUNT; i++) {
    iface_set_up(i, false);
    iface_set_addr(i, 0, 0, 0);
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

function unusable_unicast(addr: u32): bool {
  return ipv4_is_this_network(addr) || ipv4_is_loopback(addr) || ipv4_is_multicast(addr) ||
    ipv4_is_reserved(addr) || addr == IPV4_BROADCAST;
}

/** Address with prefix length and optional gateway (0 = none); the gateway must be on-link. */
export function iface_set_ipv4(iface: i32, addr: u32, prefix: i32, gateway: u32): i32 {
  if (!iface_valid(iface) || prefix < 0 || prefix > 32 || unusable_unicast(addr)) return EINVAL;
  const mask = ipv4_mask(prefix);
  // The subnet's own network and broadcast addresses are not host addresses (except /31, /32).
  if (prefix < 31 && ((addr & ~mask) == 0 || (addr | mask) == IPV4_BROADCAST)) return EINVAL;
  if (gateway != 0 && (unusable_unicast(gateway) || gateway == addr || (gateway & mask) != (addr & mask))) return EINVAL;
  arp_flush_iface(iface);
  iface_set_addr(iface, addr, prefix, gateway);
  if (iface_is_up(iface) && nic_status(iface) == 1) arp_announce(iface);
  return 0;
}

export function iface_up(iface: i32): i32 {
  if (!iface_valid(iface)) return EINVAL;
  iface_set_up(iface, true);
  // Without carrier the announcement waits for the link (net/nic_enc28j60.ts).
  if (iface_addr(iface) != 0 && nic_status(iface) == 1) arp_announce(iface);
  return 0;
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

/** Forwarding between interfaces (RFC 1812): off (0, default) or on. */
export function ip_forwarding(on: i32): void { ipv4_set_forwarding(on != 0); }

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
  icmp_poll(now_ms);
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
  udp_echo_poll();
  tcp_services_poll();
  http_poll();
  tcp_flush();
}

export function service_udp_echo(port: u32): i32 {
  if (port > 0xffff) return EINVAL;
  return udp_echo_start(port);
}

/** HTTP/1.1 server (app/http.ts) on port (0 = stop). */
export function service_http(port: u32): i32 {
  if (port > 0xffff) return EINVAL;
  return http_start(port);
}

/** TCP service kind 1 echo, 2 discard, 3 chargen on port (0 = stop). */
export function service_tcp(kind: i32, port: u32): i32 {
  if (port > 0xffff) return EINVAL;
  return tcp_service_start(kind, port, TCP_CONNECTION_COUNT);
}

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
