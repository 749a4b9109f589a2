// Capacities fixed at compile time, one row per build profile.
// The profile is chosen with `asc --use PROFILE=<n>` (see scripts/build.mjs);
// everything the stack allocates is sized here and laid out once.

// @ts-ignore: PROFILE is injected by the compiler (`--use PROFILE=n`).
@inline export const PROFILE_ID: i32 = PROFILE;

// Profiles: 0 tiny (smallest boards), 1 default, 2 desktop (bigger tables and windows).
// Each capacity below reads: tiny ? a : desktop ? c : b.

@inline const IS_TINY: bool = PROFILE_ID == 0;
@inline const IS_DESKTOP: bool = PROFILE_ID == 2;

/** Network interfaces the module can drive. */
@inline export const IFACE_COUNT: i32 = IS_TINY ? 1 : IS_DESKTOP ? 4 : 2;
// Feature switches: code a profile cannot use or should not carry is compiled out (each is a
// compile-time constant, so AssemblyScript drops the guarded calls and everything only they
// reach). The exports stay in every profile (one ABI); a switched-off one answers ENOSYS.
/** Forwarding between interfaces (net/ipv4_forward.ts) needs two of them: off in tiny, where
 *  ip_forwarding(1) answers ENOSYS. */
@inline export const FEATURE_FORWARDING: bool = IFACE_COUNT >= 2;
/** The HTTP/1.1 test server (app/http.ts, about 8 KB of code): not carried by tiny, where
 *  service_http answers ENOSYS (and `netstack up --profile tiny --http` is a usage error). */
@inline export const FEATURE_HTTP: bool = !IS_TINY;

/** Transmit frame buffers shared by every interface (packets waiting on ARP hold one each). */
@inline export const TX_POOL_COUNT: i32 = IS_TINY ? 4 : IS_DESKTOP ? 32 : 8;
/** ARP cache entries (all interfaces together). */
@inline export const ARP_CACHE_COUNT: i32 = IS_TINY ? 4 : IS_DESKTOP ? 64 : 16;
/** Packets that may wait for ARP resolution at once (each holds a TX pool buffer). */
@inline export const ARP_QUEUE_COUNT: i32 = IS_TINY ? 2 : IS_DESKTOP ? 16 : 4;
/** Static routes (routing table rows beyond the connected and default routes each interface
 *  derives from its address and gateway); route_add refuses more with ENOSPC. */
@inline export const ROUTE_STATIC_COUNT: i32 = IS_TINY ? 2 : IS_DESKTOP ? 32 : 8;
/** Smallest interface MTU accepted: 576, the datagram every host must accept whole (RFC 1122
 *  3.3.3; RFC 791 allows 68). Below it an 8 KB datagram needs more fragments than the ARP
 *  queue and TX pool could hold while the next hop resolves. */
@inline export const IFACE_MTU_MIN: i32 = 576;
/** UDP sockets. */
@inline export const UDP_SOCKET_COUNT: i32 = IS_TINY ? 2 : IS_DESKTOP ? 32 : 8;
/** Receive ring bytes per UDP socket (datagrams plus an 8-byte record header each). Default and
 *  desktop hold the largest datagram they reassemble (default: one of 8184 bytes, ping -s 8000
 *  sized); tiny refuses reassembled datagrams above 1528 bytes (udp_rx_ring_full). */
@inline export const UDP_RX_RING_BYTES: i32 = IS_TINY ? 1536 : IS_DESKTOP ? 65536 : 9216;

// IPv4 reassembly (net/ipv4_reasm.ts). Each slot takes REASM_SLOT_BYTES of payload, 64 bytes for
// the first fragment's header and 32 + 4 * REASM_FRAGMENTS_MAX of bookkeeping:
// tiny 1 x 2176 = 2176 bytes, default 2 x 8416 = 16832, desktop 4 x 66128 = 264512.
/** Datagrams in reassembly at once; a new datagram when all are busy evicts the oldest. */
@inline export const REASM_SLOT_COUNT: i32 = IS_TINY ? 1 : IS_DESKTOP ? 4 : 2;
/** Payload bytes one slot holds: default 8192 (ping -s 8000 carries 8008), desktop every legal
 *  datagram (65535 - 20, rounded up to 8). Bigger datagrams are refused (ipv4_reasm_no_room). */
@inline export const REASM_SLOT_BYTES: i32 = IS_TINY ? 2048 : IS_DESKTOP ? 65520 : 8192;
/** Fragments one slot tracks. 65535 bytes is 45 fragments at MTU 1500 and 119 at MTU 576, but
 *  135 when a router re-fragments the 1500-byte pieces to 576 (3 each): desktop covers that. */
@inline export const REASM_FRAGMENTS_MAX: i32 = IS_TINY ? 8 : IS_DESKTOP ? 160 : 32;
/** Reassembly timeout from the first fragment. RFC 1122 3.3.2 recommends 60-120 s; like Linux
 *  (ipfrag_time) we give up after 30 s, to free scarce slot memory sooner. */
@inline export const REASM_TIMEOUT_MS: u32 = 30_000;

/** TCP connections (listeners included); each owns a send and a receive ring. */
@inline export const TCP_CONNECTION_COUNT: i32 = IS_TINY ? 2 : IS_DESKTOP ? 32 : 8;
/** Bytes of each connection's send ring (data not yet acknowledged). */
@inline export const TCP_SEND_BUFFER_BYTES: i32 = IS_TINY ? 2048 : IS_DESKTOP ? 262144 : 8192;
/** Bytes of each connection's receive ring (in-order data not yet read, plus out-of-order data). */
@inline export const TCP_RECV_BUFFER_BYTES: i32 = IS_TINY ? 2048 : IS_DESKTOP ? 262144 : 8192;
/** Connections remembered in TIME-WAIT after their buffers are released (20 bytes each). */
@inline export const TCP_TIME_WAIT_COUNT: i32 = IS_TINY ? 4 : IS_DESKTOP ? 128 : 16;
/** Out-of-order ranges a receiver holds (and SACK blocks it can report). */
@inline export const TCP_OOO_RANGES: i32 = 4;

// Timers (milliseconds).
/** Maximum segment lifetime; TIME-WAIT lasts twice this (settable at run time). */
@inline export const TCP_MSL_MS: u32 = 30_000;
/** RFC 6298: initial RTO 1 s; the floor is 200 ms (as Linux) rather than the RFC's 1 s SHOULD. */
@inline export const TCP_RTO_INITIAL_MS: u32 = 1_000;
@inline export const TCP_RTO_MIN_MS: u32 = 200;
@inline export const TCP_RTO_MAX_MS: u32 = 60_000;
/** Retransmissions of one segment before the connection is abandoned (ETIMEDOUT). */
@inline export const TCP_RETRIES_MAX: u32 = 10;
@inline export const TCP_SYN_RETRIES_MAX: u32 = 5;
/** Delayed ACK: at most this long (RFC 9293 3.8.6.3 allows up to 500 ms; the issue asks <= 200). */
@inline export const TCP_DELAYED_ACK_MS: u32 = 40;
/** How long a released connection waits in FIN-WAIT-2 for the peer's FIN. */
@inline export const TCP_FIN_WAIT_2_TIMEOUT_MS: u32 = 60_000;
/** Keepalive (RFC 1122 4.2.3.6): idle time, probe interval, probes before giving up. */
@inline export const TCP_KEEPALIVE_IDLE_MS: u32 = 7_200_000;
@inline export const TCP_KEEPALIVE_INTERVAL_MS: u32 = 75_000;
@inline export const TCP_KEEPALIVE_PROBES: u32 = 9;
/** Challenge ACKs (RFC 5961 7): a global token bucket. */
@inline export const TCP_CHALLENGE_ACK_PER_S: u32 = 100;
@inline export const TCP_CHALLENGE_ACK_BURST: u32 = 100;

/** How long a resolved ARP entry is trusted before it must be confirmed again. */
@inline export const ARP_REACHABLE_MS: u32 = 60_000;
/** Interval between ARP requests for an unresolved address. */
@inline export const ARP_RETRY_MS: u32 = 1_000;
/** Requests sent before giving up on an address (RFC 1122 2.3.2.1 asks for a limit). */
@inline export const ARP_RETRY_COUNT: u32 = 3;
/** RFC 5227 1.1 address conflict detection: a random wait up to PROBE_WAIT, PROBE_NUM probes
 *  PROBE_MIN..PROBE_MAX apart, ANNOUNCE_WAIT before the address is used, then ANNOUNCE_NUM
 *  announcements ANNOUNCE_INTERVAL apart; one defence per DEFEND_INTERVAL (2.4). */
@inline export const ARP_PROBE_WAIT_MS: u32 = 1_000;
@inline export const ARP_PROBE_NUM: u32 = 3;
@inline export const ARP_PROBE_MIN_MS: u32 = 1_000;
@inline export const ARP_PROBE_MAX_MS: u32 = 2_000;
@inline export const ARP_ANNOUNCE_WAIT_MS: u32 = 2_000;
@inline export const ARP_ANNOUNCE_NUM: u32 = 2;
@inline export const ARP_ANNOUNCE_INTERVAL_MS: u32 = 2_000;
@inline export const ARP_DEFEND_INTERVAL_MS: u32 = 10_000;

// DHCP client (app/dhcp.ts, RFC 2131).
/** Largest reply read: we send no maximum-size option, so servers keep to 576 bytes (RFC 2131 2). */
@inline export const DHCP_MESSAGE_BYTES: i32 = 576;
/** Retransmission: 4 s doubling up to 64 s, each +-1 s at random (RFC 2131 4.1). */
@inline export const DHCP_RETRY_FIRST_MS: u32 = 4_000;
@inline export const DHCP_RETRY_MAX_MS: u32 = 64_000;
/** REQUESTs sent for an offer before starting over with a DISCOVER. */
@inline export const DHCP_REQUEST_TRIES: u32 = 4;
/** Wait after a DECLINE before starting over (RFC 2131 3.1.5: at least 10 s). */
@inline export const DHCP_DECLINE_WAIT_MS: u32 = 10_000;
/** Shortest wait between RENEWING/REBINDING retransmissions (RFC 2131 4.4.5). */
@inline export const DHCP_RENEW_RETRY_MIN_MS: u32 = 60_000;
/** Leases, T1 and T2 are capped here (about 23 days), so every deadline stays within the
 *  half range of the u32 millisecond clock; a longer or infinite lease is renewed at T1. */
@inline export const DHCP_LEASE_MAX_S: u32 = 2_000_000;

/** ICMP error token bucket: tokens per second and burst (RFC 1812 4.3.2.8 style limit). */
@inline export const ICMP_ERROR_RATE_PER_S: u32 = 10;
@inline export const ICMP_ERROR_BURST: u32 = 10;
// IGMPv2 host side (RFC 2236).
/** Multicast group memberships, all interfaces together (224.0.0.1 is implicit, never listed);
 *  a join beyond this is refused with ENOBUFS. */
@inline export const IGMP_GROUP_COUNT: i32 = IS_TINY ? 2 : IS_DESKTOP ? 32 : 8;
/** Delay bound before the repeat of a join's unsolicited report (RFC 2236 8.10). */
@inline export const IGMP_UNSOLICITED_REPORT_INTERVAL_MS: u32 = 10_000;
/** After an IGMPv1 query, v1 reports and no leaves for this long (RFC 2236 8.11). */
@inline export const IGMP_V1_ROUTER_PRESENT_MS: u32 = 400_000;

/** Longest the host may sleep between polls when nothing is pending. */
@inline export const POLL_IDLE_MS: u32 = 1_000;

// SPI NIC (ENC28J60) service from poll(). Without the INT pin the module must look at the chip
// itself: its 6.5 KB receive ring holds about 5 ms of full-size frames at 10 Mbit/s.
/** Poll interval asked for when no INT pin wakes the host. */
@inline export const NIC_POLL_MS: u32 = 1;
/** PHY link-status read interval (one MII read, about 30 SPI bytes). */
@inline export const NIC_LINK_POLL_MS: u32 = 250;
/** Wait before a failed chip initialisation is tried again. */
@inline export const NIC_INIT_RETRY_MS: u32 = 1_000;
/** A frame still on the wire after this long is given up (a full frame takes 1.2 ms; half-duplex
 *  back-off after 15 collisions can add about 50 ms). */
@inline export const NIC_TX_STUCK_MS: u32 = 100;
/** Frames taken from the chip between two runs of the services and TCP output: small, so ACKs
 *  and window updates leave while the next frames are still on the wire. */
@inline export const NIC_RX_BATCH: i32 = 4;
/** Batches per poll before the host gets control back (and a 0 delay). */
@inline export const NIC_RX_BATCHES: i32 = IS_TINY ? 1 : 4;

// DNS resolver (app/dns.ts). Each lookup in flight holds a full-length name (255 bytes) and, while
// waiting for an answer, one UDP socket; a cache entry holds names up to DNS_CACHE_NAME_BYTES
// (encoded), and longer names are resolved but not cached.
/** Lookups in flight (or finished and not yet read) at once; more get EAGAIN. */
@inline export const DNS_QUERY_COUNT: i32 = IS_TINY ? 1 : IS_DESKTOP ? 16 : 4;
/** Cache entries (positive and negative); the least recently used one is replaced when full. */
@inline export const DNS_CACHE_COUNT: i32 = IS_TINY ? 4 : IS_DESKTOP ? 64 : 16;
/** Longest encoded name a cache entry holds (length bytes and the root label included). */
@inline export const DNS_CACHE_NAME_BYTES: i32 = IS_TINY ? 48 : IS_DESKTOP ? 256 : 96;
/** First retransmission timeout; it doubles per attempt (1 s, 2 s, 4 s). */
@inline export const DNS_TIMEOUT_INITIAL_MS: u32 = 1_000;
/** Queries sent for one lookup (alternating primary and secondary server) before it times out. */
@inline export const DNS_ATTEMPTS: u32 = 3;
/** Longest a positive answer is cached, whatever its TTL says. */
@inline export const DNS_TTL_MAX_S: u32 = 86_400;
/** How long NXDOMAIN and no-address answers are cached (RFC 2308 5; the SOA is not read). */
@inline export const DNS_NEGATIVE_TTL_S: u32 = 30;

// Link limits. Frames exchanged with the host never carry the 4-byte FCS:
// on the wire a maximum frame is 1518 bytes with FCS, 1514 without (RFC 894).
@inline export const ETH_HEADER_BYTES: i32 = 14;
@inline export const VLAN_TAG_BYTES: i32 = 4;
@inline export const ETH_FRAME_MIN_BYTES: i32 = 60;
@inline export const ETH_MTU: i32 = 1500;
@inline export const ETH_FRAME_MAX_BYTES: i32 = ETH_HEADER_BYTES + ETH_MTU;
@inline export const ETH_TAGGED_FRAME_MAX_BYTES: i32 = ETH_FRAME_MAX_BYTES + VLAN_TAG_BYTES;
/** A full-size double-tagged (QinQ, 802.1ad: S-tag, C-tag) frame: 1522 bytes, 1526 with FCS. */
@inline export const ETH_QINQ_FRAME_MAX_BYTES: i32 = ETH_TAGGED_FRAME_MAX_BYTES + VLAN_TAG_BYTES;
/** Room before every transmit frame for the tags tx_frame inserts (C-tag, and S-tag with QinQ). */
@inline export const ETH_TX_HEADROOM_BYTES: i32 = 2 * VLAN_TAG_BYTES;
/** Every frame buffer holds the largest double-tagged frame, received or sent (a datagram of one
 *  MTU after ETH_TX_HEADROOM_BYTES and the header), so anything longer is a giant before it is
 *  read (rx() is told len > frame_max() for those). */
@inline export const FRAME_BUFFER_BYTES: i32 = ETH_QINQ_FRAME_MAX_BYTES;
/** Scratch buffer the host uses to pass payloads in and out (socket calls). */
@inline export const IO_BUFFER_BYTES: i32 = IS_TINY ? ETH_MTU - 28 : IS_DESKTOP ? 65536 : 8192;

/** Datagrams the UDP echo service (app/udp_echo.ts) returns whole, in a static buffer of this
 *  size: the largest it can reassemble (default 8184, desktop 65512); tiny keeps one frame's
 *  worth (1472; its UDP ring refuses more anyway). Longer ones come back truncated. */
@inline export const UDP_ECHO_PAYLOAD_MAX: i32 = IS_TINY ? ETH_MTU - 28 : REASM_SLOT_BYTES - 8;

// Ping and traceroute probes (net/icmp_probe.ts).
/** Echo requests awaiting an answer or a read by the host; a send finds the table full with ENOBUFS. */
@inline export const PROBE_COUNT: i32 = IS_TINY ? 2 : IS_DESKTOP ? 16 : 8;
/** Largest echo payload a probe carries: what the io buffer (where the data is generated) holds
 *  and a reassembly slot takes back as the reply's ICMP message, at most a 65535-byte datagram:
 *  tiny 1472 (one frame), default 8184, desktop 65507. Larger than a frame leaves in fragments. */
@inline export const PROBE_PAYLOAD_MAX: i32 = IS_TINY ? ETH_MTU - 28 : IS_DESKTOP ? 0xffff - 28 : REASM_SLOT_BYTES - 8;
/** Longest a probe may wait for its answer. */
@inline export const PROBE_TIMEOUT_MAX_MS: u32 = 60_000;

// Cross-checks between capacities.
// @ts-ignore: compile-time check
if (ARP_QUEUE_COUNT >= TX_POOL_COUNT) ERROR("ARP_QUEUE_COUNT must leave TX buffers free for replies");
// @ts-ignore: compile-time check
if (TCP_RECV_BUFFER_BYTES > 0x3fffffff || TCP_SEND_BUFFER_BYTES > 0x3fffffff) ERROR("TCP buffers must stay far below 2^31 (sequence space)");
// @ts-ignore: compile-time check
if (UDP_RX_RING_BYTES < 1472 + 8) ERROR("a UDP ring must hold one full-MTU datagram");
// @ts-ignore: compile-time check
if (DNS_CACHE_NAME_BYTES > 256 || DNS_CACHE_NAME_BYTES < 16) ERROR("DNS_CACHE_NAME_BYTES: 16..256 (a name is at most 255 bytes)");
// @ts-ignore: compile-time check
if (REASM_SLOT_BYTES > 65520 || (REASM_SLOT_BYTES & 7) != 0) ERROR("REASM_SLOT_BYTES: a multiple of 8, at most 65535 - 20 rounded up");
// @ts-ignore: compile-time check
if (REASM_SLOT_BYTES < ETH_MTU || REASM_SLOT_COUNT < 1) ERROR("reassembly must hold at least a datagram of one MTU");
// @ts-ignore: compile-time check
if (!IS_TINY && UDP_RX_RING_BYTES < REASM_SLOT_BYTES) ERROR("a UDP ring must hold the largest reassembled datagram (its 8-byte record header stands in for the UDP header)");
// @ts-ignore: compile-time check
if (PROBE_PAYLOAD_MAX > IO_BUFFER_BYTES || (PROBE_PAYLOAD_MAX > ETH_MTU - 28 && PROBE_PAYLOAD_MAX > REASM_SLOT_BYTES - 8)) ERROR("PROBE_PAYLOAD_MAX: echo data is generated in the io buffer, and a reply above a frame must fit a reassembly slot");
// @ts-ignore: compile-time check
if (ETH_TX_HEADROOM_BYTES + ETH_FRAME_MAX_BYTES > FRAME_BUFFER_BYTES) ERROR("a transmit buffer must hold the tag headroom and a full-MTU frame");
