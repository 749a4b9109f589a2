// TCP specs: a scripted peer at 192.0.2.10 that sends real IPv4/TCP datagrams (checksums and
// options built with the wire emitters) into rx_tcp, and accessors for the last segment the
// stack transmitted (captured by test.capture: each frame overwrites the previous one, so a
// spec checks the last frame of a step and counts the rest with sent()).
import { TCP_MSL_MS } from "../../../assembly/config";
import { rx_arp } from "../../../assembly/net/arp";
import { clock_set } from "../../../assembly/net/clock";
import { Delivery } from "../../../assembly/net/ipv4";
import { tcp_flush, tcp_poll, tcp_reset } from "../../../assembly/net/tcp/index";
import { rx_tcp, tcp_set_refuse_with_rst } from "../../../assembly/net/tcp/input";
import { isn_generate } from "../../../assembly/net/tcp/isn";
import { lifecycle_reset } from "../../../assembly/net/tcp/lifecycle";
import { tcb, FREE, SYN_RECEIVED } from "../../../assembly/net/tcp/tcb";
import { time_wait_set_msl } from "../../../assembly/net/tcp/timewait";
import {
  tcp_socket_accept, tcp_socket_connect, tcp_socket_listen, tcp_socket_open,
} from "../../../assembly/socket/tcp";
import { TCP_CONNECTION_COUNT } from "../../../assembly/config";
import { arp_emit, ARP_OP_REPLY } from "../../../assembly/wire/arp";
import { ipv4_emit, IP_PROTO_TCP } from "../../../assembly/wire/ipv4";
import { tcp_emit, tcp_emit_checksum, TCP_ACK, TCP_SYN } from "../../../assembly/wire/tcp";
import { captured, CAPTURE_BYTES, mark, net_reset, OUR_ADDR, PEER_ADDR, PEER_MAC, sent } from "./net";

export const T0: u32 = 100_000;
export const SERVER_PORT: u32 = 80;
export const PEER_PORT: u32 = 40000;
/** The window the peer advertises unless a spec says otherwise. */
export const PEER_WINDOW: u32 = 65535;

// The connection under test, as the peer sees it.
export let local_port: u32 = SERVER_PORT;
export let peer_port: u32 = PEER_PORT;
/** Our ISS, read from the captured SYN or SYN-ACK. */
export let iss: u32 = 0;
/** The peer's next sequence number to send (starts at IRS + 1). */
export let peer_nxt: u32 = 0;
export let listener: i32 = -1;

// Options the peer puts in its SYN (or SYN-ACK); reset by tcp_spec_reset.
export let syn_mss: u32 = 1460;
export let syn_wscale: i32 = -1;
export let syn_sack: bool = false;
export let syn_ts: bool = false;
/** When set, every segment the peer sends carries timestamps with TSval peer_tsval. */
export let peer_ts: bool = false;
export let peer_tsval: u32 = 5000;
export let peer_tsecr: u32 = 0;

export function set_syn_options(mss: u32, wscale: i32, sack: bool, ts: bool): void {
  syn_mss = mss;
  syn_wscale = wscale;
  syn_sack = sack;
  syn_ts = ts;
}
export function set_peer_ts(on: bool, tsval: u32, tsecr: u32): void {
  peer_ts = on;
  peer_tsval = tsval;
  peer_tsecr = tsecr;
}
export function set_peer_nxt(seq: u32): void { peer_nxt = seq; }
export function set_ports(local: u32, peer: u32): void {
  local_port = local;
  peer_port = peer;
}

const datagram: usize = memory.data(1600, 8);
const arp_packet: usize = memory.data(28, 8);
const options: usize = memory.data(40, 8);
let options_len: i32 = 0;

/** Tells the stack (again) where the peer is, so segments go out at once. Sends nothing. */
export function peer_arp_refresh(): void {
  arp_emit(arp_packet, ARP_OP_REPLY, PEER_MAC, PEER_ADDR, 0, OUR_ADDR);
  rx_arp(0, arp_packet, 28);
}

/** Everything net and TCP reset as init() does, the peer's MAC known, capture and counters marked. */
export function tcp_spec_reset(now: u32): void {
  net_reset(now);
  tcp_reset(now);
  time_wait_set_msl(TCP_MSL_MS);
  tcp_set_refuse_with_rst(true);
  peer_arp_refresh();
  local_port = SERVER_PORT;
  peer_port = PEER_PORT;
  iss = 0;
  peer_nxt = 0;
  listener = -1;
  set_syn_options(1460, -1, false, false);
  set_peer_ts(false, 5000, 0);
  options_len = 0;
  step();
}

/** Moves the clock (and the challenge-ACK bucket) to now without running timers. */
export function rebase_clock(now: u32): void {
  clock_set(now);
  lifecycle_reset(now);
  peer_arp_refresh();
}

/** The clock value at which a passive open from PEER_PORT to SERVER_PORT gets an ISS within 250 below target. */
export function clock_for_iss(target: u32): u32 {
  const f = isn_generate(OUR_ADDR, SERVER_PORT, PEER_ADDR, PEER_PORT, 0);
  return (target - f) / 250;
}

/** Starts a step: marks counters and tx count, blanks the capture. */
export function step(): void {
  memory.fill(captured, 0xa5, <usize>CAPTURE_BYTES);
  mark();
}

/** Runs the TCP timers at now (the peer's ARP entry kept fresh, as a live peer would). */
export function poll_at(now: u32): void {
  clock_set(now);
  peer_arp_refresh();
  tcp_poll(now);
}

// Option builders for the next segment the peer sends (consumed by send()).
export function opt_clear(): void { options_len = 0; }
export function opt_byte(b: u32): void {
  assert(options_len < 40, "spec: options overflow");
  store<u8>(options + <usize>options_len, <u8>b);
  options_len++;
}
export function opt_u16(v: u32): void { opt_byte(v >> 8); opt_byte(v & 0xff); }
export function opt_u32(v: u32): void { opt_u16(v >>> 16); opt_u16(v & 0xffff); }
export function opt_mss(v: u32): void { opt_byte(2); opt_byte(4); opt_u16(v); }
export function opt_wscale(s: u32): void { opt_byte(1); opt_byte(3); opt_byte(3); opt_byte(s); }
export function opt_sack_permitted(): void { opt_byte(1); opt_byte(1); opt_byte(4); opt_byte(2); }
export function opt_timestamps(val: u32, ecr: u32): void { opt_byte(1); opt_byte(1); opt_byte(8); opt_byte(10); opt_u32(val); opt_u32(ecr); }
/** NOP NOP SACK with one block. */
export function opt_sack1(left: u32, right: u32): void {
  opt_byte(1); opt_byte(1); opt_byte(5); opt_byte(10); opt_u32(left); opt_u32(right);
}

@inline export function pattern_byte(seed: u32, i: i32): u8 {
  return <u8>(seed * 13 + <u32>i * 5 + (<u32>i >> 8));
}

/**
 * The peer sends one segment (flags, seq, ack, window, len payload bytes from seed) with the
 * options built since the last send, plus timestamps when peer_ts is on.
 */
export function send(flags: u32, seq: u32, ack: u32, window: u32, len: i32, seed: u32): void {
  if (peer_ts && (flags & TCP_SYN) == 0) opt_timestamps(peer_tsval, peer_tsecr);
  while (options_len & 3) opt_byte(1);
  const tcp = datagram + 20;
  const header = 20 + options_len;
  assert(header + len <= 1500 - 20, "spec: segment too long");
  memory.copy(tcp + 20, options, <usize>options_len);
  for (let i = 0; i < len; i++) store<u8>(tcp + <usize>(header + i), pattern_byte(seed, i));
  tcp_emit(tcp, peer_port, local_port, seq, ack, flags, window, options_len);
  tcp_emit_checksum(tcp, header + len, PEER_ADDR, OUR_ADDR);
  ipv4_emit(datagram, 20 + header + len, 1, true, 64, IP_PROTO_TCP, PEER_ADDR, OUR_ADDR);
  options_len = 0;
  rx_tcp(0, datagram, tcp, header + len, Delivery.UNICAST);
  tcp_flush(); // as the module's rx() does after its services
}

/** The peer's SYN with the syn_* options. */
export function send_syn_from_peer(flags: u32, seq: u32, ack: u32, window: u32): void {
  if (syn_mss != 0) opt_mss(syn_mss);
  if (syn_sack) opt_sack_permitted();
  if (syn_ts) opt_timestamps(peer_tsval, flags & TCP_ACK ? peer_tsecr : 0);
  if (syn_wscale >= 0) opt_wscale(<u32>syn_wscale);
  send(flags, seq, ack, window, 0, 0);
}

// The last transmitted frame: Ethernet (14) + IPv4 (20, no options) + TCP.
@inline const IP_AT: usize = 14;
@inline const TCP_AT: usize = 34;
export function out_is_tcp(): bool { return load<u8>(captured + 12) == 0x08 && load<u8>(captured + 13) == 0 && load<u8>(captured + IP_AT + 9) == 6; }
export function out_src_port(): u32 { return bswap<u16>(load<u16>(captured + TCP_AT)); }
export function out_dst_port(): u32 { return bswap<u16>(load<u16>(captured + TCP_AT + 2)); }
export function out_seq(): u32 { return bswap<u32>(load<u32>(captured + TCP_AT + 4)); }
export function out_ack(): u32 { return bswap<u32>(load<u32>(captured + TCP_AT + 8)); }
export function out_header_len(): i32 { return <i32>(load<u8>(captured + TCP_AT + 12) >> 4) << 2; }
export function out_flags(): u32 { return load<u8>(captured + TCP_AT + 13); }
export function out_window(): u32 { return bswap<u16>(load<u16>(captured + TCP_AT + 14)); }
export function out_ip_dst(): u32 { return bswap<u32>(load<u32>(captured + IP_AT + 16)); }
/** Payload bytes of the last segment. */
export function out_len(): i32 {
  const total = <i32>bswap<u16>(load<u16>(captured + IP_AT + 2));
  return total - 20 - out_header_len();
}
export function out_payload(): usize { return captured + TCP_AT + <usize>out_header_len(); }
/** Offset (from the TCP header) of the first option of this kind in the last segment, or -1. */
export function out_option(kind: u32): i32 {
  const end = out_header_len();
  let i = 20;
  while (i < end) {
    const k = <u32>load<u8>(captured + TCP_AT + <usize>i);
    if (k == 0) break;
    if (k == 1) { i++; continue; }
    if (k == kind) return i;
    i += <i32>load<u8>(captured + TCP_AT + <usize>i + 1);
  }
  return -1;
}
export function out_byte(offset: i32): u32 { return load<u8>(captured + TCP_AT + <usize>offset); }
export function out_u16(offset: i32): u32 { return bswap<u16>(load<u16>(captured + TCP_AT + <usize>offset)); }
export function out_u32(offset: i32): u32 { return bswap<u32>(load<u32>(captured + TCP_AT + <usize>offset)); }
/** Our TSval in the last segment (0 if it had none). */
export function out_tsval(): u32 {
  const at = out_option(8);
  return at < 0 ? 0 : out_u32(at + 2);
}
/** n bytes at p follow seed's pattern from byte `from` on. */
export function has_pattern(p: usize, seed: u32, from: i32, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) != pattern_byte(seed, from + i)) return false;
  return true;
}

/** Exactly one frame went out in this step and it is a TCP segment with exactly these flags. */
export function replied(flags: u32): bool {
  return sent() == 1 && out_is_tcp() && out_flags() == flags;
}

/** A listening socket on SERVER_PORT (backlog 4). */
export function listen_on_server_port(): i32 {
  listener = tcp_socket_open();
  assert(tcp_socket_listen(listener, 0, SERVER_PORT, 4) == 0, "spec: listen");
  local_port = SERVER_PORT;
  peer_port = PEER_PORT;
  return listener;
}

/** Slot of the listener's child in SYN-RECEIVED, or -1. */
export function syn_received_child(): i32 {
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
    if (tcb(i).state == SYN_RECEIVED && tcb(i).parent == listener) return i;
  }
  return -1;
}

/** Listener plus the peer's SYN (IRS irs): leaves the child in SYN-RECEIVED; iss from the SYN-ACK. */
export function half_open(irs: u32): i32 {
  listen_on_server_port();
  step();
  send_syn_from_peer(TCP_SYN, irs, 0, PEER_WINDOW);
  assert(replied(TCP_SYN | TCP_ACK), "spec: SYN-ACK expected");
  assert(out_ack() == irs + 1, "spec: SYN-ACK acknowledges the SYN");
  iss = out_seq();
  peer_nxt = irs + 1;
  if (syn_ts) peer_tsecr = out_tsval();
  const child = syn_received_child();
  assert(child >= 0, "spec: child in SYN-RECEIVED");
  step();
  return child;
}

/** A passive open completed and accepted: returns the handle. The final ACK advertises window. */
export function passive_open(irs: u32, window: u32): i32 {
  half_open(irs);
  if (syn_ts) peer_ts = true;
  send(TCP_ACK, peer_nxt, iss + 1, window, 0, 0);
  assert(sent() == 0, "spec: nothing answers the handshake's ACK");
  const h = tcp_socket_accept(listener);
  assert(h >= 0, "spec: accept");
  step();
  return h;
}

/** An active open to the peer: returns the handle with the SYN sent (SYN-SENT); iss and local_port from it. */
export function connect_to_peer(port: u32): i32 {
  const h = tcp_socket_open();
  assert(tcp_socket_connect(h, PEER_ADDR, port) == 0, "spec: connect");
  assert(replied(TCP_SYN), "spec: SYN expected");
  iss = out_seq();
  local_port = out_src_port();
  peer_port = port;
  peer_tsecr = out_tsval();
  step();
  return h;
}

/** Active open completed by the peer's SYN-ACK (IRS irs). */
export function active_open(irs: u32, window: u32): i32 {
  const h = connect_to_peer(5001);
  send_syn_from_peer(TCP_SYN | TCP_ACK, irs, iss + 1, window);
  assert(replied(TCP_ACK), "spec: ACK of the SYN-ACK expected");
  peer_nxt = irs + 1;
  if (syn_ts) peer_ts = true;
  step();
  return h;
}

export function slot_free(i: i32): bool { return tcb(i).state == FREE; }
