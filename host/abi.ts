// The host <-> module contract (ABI version 3). assembly/index.ts implements the exports;
// every host (this runtime, a board's native glue) implements the imports.
//
// Conventions
// - Addresses are IPv4 in host order as u32 (192.0.2.1 = 0xC0000201).
// - Time is a u32 millisecond clock chosen by the host; it may wrap.
// - Calls that can fail return a negative error code (see Errno); >= 0 is success.
// - Payloads cross the boundary through the module's io buffer (io_buffer()).

export const ABI_VERSION = 3;

/** Exports of build/netstack-<profile>.wasm. */
export interface NetstackExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  /** Profile id: 0 tiny, 1 default, 2 desktop. */
  profile(): number;
  /** Number of interfaces this build supports. */
  iface_count(): number;
  /** MAC as two halves: hi = first 2 bytes, lo = last 4 bytes (big-endian). */
  iface_set_mac(iface: number, hi16: number, lo32: number): number;
  /** Address, prefix length (0..32) and default gateway (0 = none). */
  iface_set_ipv4(iface: number, addr: number, prefix: number, gateway: number): number;
  /** Link up: starts using the interface and announces it (gratuitous ARP). */
  iface_up(iface: number): number;
  iface_down(iface: number): number;
  /** Serves iface with the ENC28J60 on the SPI imports; flags bit 0 full duplex, bit 1 INT wakes the host. */
  nic_attach_enc28j60(iface: number, flags: number): number;
  /** 0 initialising, 1 carrier up, 2 no carrier, < 0 a driver error (ENC_ERR_*). */
  nic_status(iface: number): number;
  /** ENC28J60 EREVID read at initialisation (0x06 = B7); 0 before. */
  nic_enc28j60_revision(): number;
  /**
   * Runs timers with the host's clock; returns milliseconds until it wants the next poll
   * (at most 1000). A delay, not an absolute deadline, so the host never has to reason
   * about the u32 clock wrapping.
   */
  poll(now_ms: number): number;
  /** Where the host writes one received frame (no FCS) of up to frame_max() bytes. */
  rx_buffer(iface: number): number;
  frame_max(): number;
  /**
   * Processes the frame the host wrote into rx_buffer(iface), at the clock of the last poll.
   * len > frame_max() reports a giant. Returns ms until the next poll is wanted, like poll().
   */
  rx(iface: number, len: number): number;
  io_buffer(): number;
  io_buffer_size(): number;
  /** UDP: handle >= 0 or a negative Errno. */
  udp_open(): number;
  /** addr 0 = any local address; port 0 = pick an ephemeral port. */
  udp_bind(handle: number, addr: number, port: number): number;
  udp_local_port(handle: number): number;
  /** Sends len bytes from io_buffer() as one datagram. Returns len or an Errno. */
  udp_sendto(handle: number, addr: number, port: number, len: number): number;
  /** Copies the next queued datagram into io_buffer(); returns its length, or Errno.EAGAIN. */
  udp_recvfrom(handle: number): number;
  /** Source of the datagram returned by the last udp_recvfrom. */
  udp_peer_addr(): number;
  udp_peer_port(): number;
  /** Datagrams waiting in the socket's ring. */
  udp_pending(handle: number): number;
  udp_close(handle: number): number;
  /** UDP handles are 0..udp_capacity()-1 (udp_local_port is EBADF for a closed one). */
  udp_capacity(): number;
  /** Built-in services inside the module (they run on boards too). port 0 = off. */
  service_udp_echo(port: number): number;
  /** HTTP/1.1 server with a status page (app/http.ts). port 0 = off. */
  service_http(port: number): number;
  /** TCP service: kind 1 echo, 2 discard, 3 chargen. port 0 = off. */
  service_tcp(kind: number, port: number): number;
  /** TCP sockets (socket/tcp.ts documents each call). Handles >= 0, errors are Errno. */
  tcp_open(): number;
  tcp_listen(handle: number, addr: number, port: number, backlog: number): number;
  tcp_accept(handle: number): number;
  /** 0 = handshake under way; watch tcp_events for CONNECTED or ERROR. */
  tcp_connect(handle: number, addr: number, port: number): number;
  /** Queues up to len bytes from io_buffer(); returns bytes taken or Errno (EAGAIN when full). */
  tcp_send(handle: number, len: number): number;
  /** Reads into io_buffer(); returns bytes, 0 at end of stream, or Errno (EAGAIN). */
  tcp_recv(handle: number): number;
  tcp_shutdown(handle: number): number;
  tcp_close(handle: number): number;
  tcp_abort(handle: number): number;
  /** TcpEvent bits. */
  tcp_events(handle: number): number;
  tcp_error(handle: number): number;
  tcp_state(handle: number): number;
  tcp_set_nodelay(handle: number, on: number): number;
  tcp_set_keepalive(handle: number, on: number): number;
  tcp_send_space(handle: number): number;
  tcp_recv_available(handle: number): number;
  tcp_peer_addr(handle: number): number;
  tcp_peer_port(handle: number): number;
  tcp_local_port(handle: number): number;
  tcp_capacity(): number;
  tcp_slot_state(i: number): number;
  tcp_set_msl(ms: number): number;
  tcp_set_refuse_with_rst(on: number): void;
  /**
   * Ping/traceroute probes (net/icmp_probe.ts): one ICMP echo request per probe_send, with
   * size data bytes (0..probe_payload_max()), a TTL and a timeout; returns a slot or an Errno
   * (EINVAL, ENETUNREACH, ENOBUFS when all probe_capacity() slots are taken). The slot's
   * state (ProbeState) leaves PENDING when an answer arrives or a poll passes the deadline;
   * the host then reads it and calls probe_release. The send time is the clock of the last
   * poll, so poll just before. The echo data is generated in io_buffer() (whatever the host
   * left there is overwritten); a request larger than the MTU leaves in fragments.
   */
  probe_send(dst: number, size: number, ttl: number, timeout_ms: number): number;
  probe_capacity(): number;
  probe_payload_max(): number;
  probe_state(slot: number): number;
  /** ms from send to answer. */
  probe_rtt(slot: number): number;
  /** Who answered (the destination, or the router or host that sent the error). */
  probe_from(slot: number): number;
  /** ICMP code of an error answer. */
  probe_code(slot: number): number;
  /** TTL of the datagram carrying the answer. */
  probe_reply_ttl(slot: number): number;
  probe_sequence(slot: number): number;
  /** The echo identifier of this stack's probes. */
  probe_ident(): number;
  probe_release(slot: number): number;
  /** DNS resolver (app/dns.ts): the servers asked (0 = none); EINVAL for an unusable address. */
  dns_set_servers(primary: number, secondary: number): number;
  /** Server 0 (primary) or 1 (secondary); 0 = none. */
  dns_server(index: number): number;
  /**
   * Starts an A lookup of the dotted name in the first len bytes of io_buffer(): a handle, or
   * EINVAL (bad name), EAGAIN (lookup table full), ENETUNREACH (no server and not cached).
   */
  dns_resolve(len: number): number;
  /** DnsStatus; a final status releases the handle and fills dns_result_*. EBADF for a dead handle. */
  dns_status(handle: number): number;
  dns_result_address(): number;
  /** Seconds the answer stays valid (what is left of the cached TTL for a cache hit). */
  dns_result_ttl_s(): number;
  dns_cancel(handle: number): number;
  /** IPv4 reassembly: slots, payload bytes per slot, static bytes they take, slots in use. */
  reasm_slots(): number;
  reasm_slot_bytes(): number;
  reasm_memory_bytes(): number;
  reasm_busy(): number;
  /** Drop and traffic counters: counters() points at counter_count() u32 values. */
  counters(): number;
  counter_count(): number;
  /** Names of the counters, ASCII (counter_names_bytes() bytes), one per line, in counter order. */
  counter_names(): number;
  counter_names_bytes(): number;
  /**
   * ARP cache row i (0 <= i < arp_capacity()): returns the state (0 = free) and fills
   * arp_row_*; like `ip neigh`.
   */
  arp_capacity(): number;
  arp_row(i: number): number;
  arp_row_iface(): number;
  arp_row_addr(): number;
  arp_row_mac_hi(): number;
  arp_row_mac_lo(): number;
  /** 802.1Q: bind iface to VLAN vid (1..4094; 0 = untagged). EINVAL otherwise. */
  iface_set_vlan(iface: number, vid: number): number;
  iface_get_vlan(iface: number): number;
  /** The address in use now (static, probed or leased), 0 = none, and its prefix length. */
  iface_ipv4(iface: number): number;
  iface_ipv4_prefix(iface: number): number;
  /**
   * QinQ (802.1ad) on an interface bound with iface_set_vlan: svid 1..4094 matched (received
   * frames carry that outer tag; sent frames get it with TPID tpid, 0x88a8 or 0x8100, 0 =
   * 0x88a8), -1 skipped (any outer tag accepted; sent frames carry the C-tag only; tpid 0),
   * 0 off. EINVAL otherwise, or on an interface without a C-VID.
   */
  iface_set_qinq(iface: number, svid: number, tpid: number): number;
  /** 0 off, -1 skipped, else the S-VID. */
  iface_get_qinq(iface: number): number;
  /** IGMPv2 membership of iface in group, reference-counted (EINVAL, ENOBUFS when full). */
  igmp_join(iface: number, group: number): number;
  /** Drops one reference; the last sends a leave. EADDRNOTAVAIL when not a member. */
  igmp_leave(iface: number, group: number): number;
  // ---- Address conflict detection (net/arp_probe.ts) and the DHCP client (app/dhcp.ts) ----
  /** As iface_set_ipv4, but applied only after RFC 5227 probes find no other holder (4-7 s). */
  iface_set_ipv4_probed(iface: number, addr: number, prefix: number, gateway: number): number;
  /** AddrState: 0 none, 1 probing, 2 in use, 3 conflict. */
  iface_addr_state(iface: number): number;
  /** Starts the DHCP client on iface (one interface at a time). */
  dhcp_start(iface: number): number;
  /** Releases the lease, removes its address and stops the client. */
  dhcp_stop(): void;
  /** DhcpStateName index. */
  dhcp_state(): number;
  dhcp_iface(): number;
  /** The lease once bound (0 before): address, prefix, router, server id, lease seconds. */
  dhcp_lease_addr(): number;
  dhcp_lease_prefix(): number;
  dhcp_lease_router(): number;
  dhcp_lease_server(): number;
  dhcp_lease_seconds(): number;
  /** DNS server i (0 or 1) of the lease on iface; 0 when none. */
  dhcp_dns_server(iface: number, i: number): number;
  // ---- Routing, forwarding, MTU ----
  /** Largest datagram sent on iface, 576..1500 (default 1500); longer ones are fragmented. */
  iface_set_mtu(iface: number, mtu: number): number;
  iface_mtu(iface: number): number;
  /**
   * Static route dst/prefix via gateway (0 = directly on iface) on iface (-1 = the interface
   * whose subnet holds the gateway); lower metric wins between equal prefixes. EINVAL,
   * ENETUNREACH (gateway not on a connected subnet), EEXIST, ENOSPC (table full).
   */
  route_add(dst: number, prefix: number, gateway: number, iface: number, metric: number): number;
  /** Removes a static route (gateway 0 = any); ESRCH if none. */
  route_del(dst: number, prefix: number, gateway: number): number;
  /** Routing table row i (0 <= i < route_capacity()): kind (0 none, RouteKind) and route_row_*. */
  route_capacity(): number;
  route_row(i: number): number;
  route_row_dst(): number;
  route_row_prefix(): number;
  route_row_gateway(): number;
  route_row_iface(): number;
  route_row_metric(): number;
  /** Forwarding between interfaces: 0 off (default), 1 on; ENOSYS for 1 where compiled out (tiny). */
  ip_forwarding(on: number): number;
  /** Heap probe for the no-allocation test: each call advances a fixed step unless something else allocated. */
  heap_top(): number;
}

/** Imports the module needs, by module name. */
export interface NetstackImports {
  hal: {
    /** Transmit one frame (no FCS, already padded to 60 bytes). Return 0, or negative if dropped. */
    nic_tx(iface: number, ptr: number, len: number): number;
    /** A diagnostic line: UTF-16LE text at ptr, len bytes. */
    log(level: number, ptr: number, len: number): void;
    /** 32 random bits (seeded by the host; a board uses its hardware RNG). */
    random(): number;
  };
  env: {
    /** AssemblyScript abort: a broken invariant. The host reports it and stops the module. */
    abort(msg: number, file: number, line: number, column: number): void;
  };
}

export const TcpEvent = {
  READABLE: 1,
  WRITABLE: 2,
  CONNECTED: 4,
  EOF: 8,
  CLOSED: 16,
  ERROR: 32,
  ACCEPTABLE: 64,
} as const;

export const TcpStateName = [
  'FREE', 'CLOSED', 'LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2',
  'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT',
];

export const ProbeState = { FREE: 0, PENDING: 1, REPLY: 2, TIME_EXCEEDED: 3, UNREACHABLE: 4, TIMEOUT: 5 } as const;
export const ProbeStateName = ['free', 'pending', 'reply', 'time-exceeded', 'unreachable', 'timeout'] as const;

export const ArpState = { FREE: 0, INCOMPLETE: 1, REACHABLE: 2, STALE: 3, PROBE: 4 } as const;
export const ArpStateName = ['free', 'INCOMPLETE', 'REACHABLE', 'STALE', 'PROBE'];

/** dns_status() results (assembly/app/dns.ts). */
export const DnsStatus = {
  PENDING: 0,
  DONE: 1,
  NXDOMAIN: 2,
  NO_ADDRESS: 3,
  TIMEOUT: 4,
  SERVER_FAILURE: 5,
} as const;
export const AddrStateName = ['none', 'probing', 'ready', 'conflict'] as const;
export const DhcpStateName = ['stopped', 'selecting', 'requesting', 'probing', 'bound', 'renewing', 'rebinding', 'declined'] as const;
export const RouteKindName = ['none', 'connected', 'default', 'static'] as const;

export const Errno = {
  ESRCH: -3,
  EBADF: -9,
  EEXIST: -17,
  ENOSPC: -28,
  EAGAIN: -11,
  EINVAL: -22,
  EMFILE: -24,
  EMSGSIZE: -90,
  EPIPE: -32,
  ENOSYS: -38,
  EOPNOTSUPP: -95,
  EADDRINUSE: -98,
  EADDRNOTAVAIL: -99,
  ENETDOWN: -100,
  ENETUNREACH: -101,
  ECONNRESET: -104,
  ENOBUFS: -105,
  EISCONN: -106,
  ENOTCONN: -107,
  ETIMEDOUT: -110,
  ECONNREFUSED: -111,
} as const;

export function errnoName(code: number): string {
  for (const [name, value] of Object.entries(Errno)) if (value === code) return name;
  return `E${-code}`;
}

export const PROFILES = ['tiny', 'default', 'desktop'] as const;
export type Profile = (typeof PROFILES)[number];
