// TCP output: what a connection may send now (window, congestion window, Nagle and
// silly-window avoidance) and how a segment is built in a pool buffer with its options.
import { ETH_MTU, TCP_CONNECTION_COUNT, TCP_RECV_BUFFER_BYTES, TCP_SEND_BUFFER_BYTES } from "../../config";
import { Counter, count } from "../../lib/counters";
import { pool_alloc, POOL_NONE } from "../../lib/pool";
import { ranges_count, ranges_end, ranges_recent, ranges_skip, ranges_start } from "../../lib/ranges";
import { ring_read } from "../../lib/ring";
import { seq_gt, seq_lt } from "../../lib/seq";
import { IPV4_HEADER_BYTES, IP_PROTO_TCP } from "../../wire/ipv4";
import {
  tcp_emit, tcp_emit_checksum, tcp_options_emit, tcp_options_emit_syn,
  TCP_ACK, TCP_FIN, TCP_HEADER_BYTES, TCP_PSH, TCP_RST, TCP_SYN,
} from "../../wire/tcp";
import { clock_now, clock_wake_at } from "../clock";
import { iface_mtu } from "../iface";
import { ipv4_payload, tx_ipv4 } from "../ipv4";
import { route_lookup } from "../route";
import {
  Tcb, tcb, send_ring, ooo_ranges, sack_ranges, has, set, clear,
  F_ACK_NOW, F_DELACK, F_NODELAY, F_PERSIST, F_RTT_TIMING, F_RTX, F_SACK, F_SHUT_WR, F_SYN_WS,
  F_RECOVERY, F_TIMESTAMPS, F_WINDOW_UPDATE, F_OUTPUT, ESTABLISHED, FIN_WAIT_2, LAST_ACK, SYN_RECEIVED, SYN_SENT,
} from "./tcb";

/** The MSS we announce: the interface MTU less the IPv4 and TCP headers (RFC 9293 3.7.1). */
@inline export const OUR_MSS: u32 = <u32>(ETH_MTU - IPV4_HEADER_BYTES - TCP_HEADER_BYTES);
/** Bytes of the timestamps option as sent on every segment (NOP NOP kind len val ecr). */
@inline export const TIMESTAMP_OPTION_BYTES: u32 = 12;
/** Receive buffers above 64 KiB need window scaling (RFC 7323 2); the shift that covers ours. */
@inline export const OUR_WINDOW_SCALE: i32 = TCP_RECV_BUFFER_BYTES > 0xffff ? 32 - clz<u32>(<u32>(TCP_RECV_BUFFER_BYTES - 1) >> 16) : -1;
/** Segments one output call may send before it yields (the window bounds it anyway). */
@inline const OUTPUT_BURST_MAX: i32 = 64;

/** SACK blocks for the next segment: pairs of absolute sequence numbers, most recent first. */
const sack_blocks: usize = memory.data(8 * 4, 4);

/** Receiver silly-window threshold (RFC 9293 3.8.6.2.2): min(buffer / 2, MSS). */
@inline function window_step(): u32 {
  const half = <u32>TCP_RECV_BUFFER_BYTES >> 1;
  return half < OUR_MSS ? half : OUR_MSS;
}

/** Free receive space: in-order data not yet read is all that holds the ring. */
@inline export function recv_space(t: Tcb): u32 {
  return <u32>(TCP_RECV_BUFFER_BYTES - t.recv_used);
}

/** Window still open from the last advertisement. */
@inline export function advertised_window(t: Tcb): u32 {
  return seq_gt(t.rcv_adv, t.rcv_nxt) ? t.rcv_adv - t.rcv_nxt : 0;
}

/**
 * The window to advertise now. The right edge never moves left (RFC 9293 3.8.6), and it only
 * moves right by a worthwhile step, so a slow reader does not invite tiny segments.
 */
export function receive_window(t: Tcb): u32 {
  const open = advertised_window(t);
  const space = recv_space(t);
  return space - open >= window_step() ? space : open;
}

/** After the application read: announce the window if it grew by a worthwhile step. */
export function window_update_due(t: Tcb): bool {
  return recv_space(t) - advertised_window(t) >= window_step();
}

/**
 * Data bytes the next segment may carry: the peer's MSS covers data and options together
 * (RFC 6691), so SACK blocks riding on a segment take their room from the data.
 */
export function segment_data_max(i: i32, t: Tcb): u32 {
  if (!has(t, F_SACK)) return t.mss;
  const blocks = ranges_count(ooo_ranges(i));
  if (blocks == 0) return t.mss;
  const fit = has(t, F_TIMESTAMPS) ? 3 : 4;
  const sack_bytes = <u32>(4 + 8 * (blocks < fit ? blocks : fit));
  return t.mss > sack_bytes + 64 ? t.mss - sack_bytes : 64;
}

function fill_sack_blocks(i: i32, t: Tcb): i32 {
  const set_ptr = ooo_ranges(i);
  const total = ranges_count(set_ptr);
  let n = 0;
  const recent = ranges_recent(set_ptr);
  if (recent >= 0) {
    store<u32>(sack_blocks, t.rcv_nxt + <u32>ranges_start(set_ptr, recent));
    store<u32>(sack_blocks, t.rcv_nxt + <u32>ranges_end(set_ptr, recent), 4);
    n = 1;
  }
  for (let k = 0; k < total && n < 4; k++) {
    if (k == recent) continue;
    store<u32>(sack_blocks + <usize>(n << 3), t.rcv_nxt + <u32>ranges_start(set_ptr, k));
    store<u32>(sack_blocks + <usize>(n << 3), t.rcv_nxt + <u32>ranges_end(set_ptr, k), 4);
    n++;
  }
  return n;
}

/**
 * Builds and sends one segment of connection i: `len` bytes of the send ring starting
 * `offset` bytes after SND.UNA. Returns false if it could not go out now (no route or no
 * buffer); the caller leaves its state unchanged and a timer or the next event retries.
 */
export function send_segment(i: i32, t: Tcb, seq: u32, flags: u32, offset: i32, len: i32): bool {
  const iface = route_lookup(t.remote_addr);
  if (iface < 0) { count(Counter.ipv4_tx_no_route); return false; }
  const buffer = pool_alloc();
  if (buffer == POOL_NONE) {
    count(Counter.tx_no_buffer);
    clock_wake_at(clock_now() + 1);
    return false;
  }
  const segment = ipv4_payload(buffer);
  const options = segment + <usize>TCP_HEADER_BYTES;
  const now = clock_now();
  const timestamps = has(t, F_TIMESTAMPS);
  let options_len: i32;
  let window: u32;
  if (flags & TCP_SYN) {
    // A SYN offers everything; a SYN-ACK only what the peer offered (flags set on its SYN).
    const offer_all = t.state == SYN_SENT;
    const scale = offer_all || has(t, F_SYN_WS) ? OUR_WINDOW_SCALE : -1;
    const sack = offer_all || has(t, F_SACK);
    const ts = offer_all || timestamps;
    options_len = tcp_options_emit_syn(options, mss_for_mtu(iface_mtu(iface)), scale, sack, ts, now, t.ts_recent);
    // The window in a SYN is never scaled (RFC 7323 2.2).
    window = min(receive_window(t), <u32>0xffff);
    t.rcv_adv = t.rcv_nxt + window;
  } else {
    const blocks = has(t, F_SACK) ? fill_sack_blocks(i, t) : 0;
    options_len = tcp_options_emit(options, timestamps, now, t.ts_recent, sack_blocks, blocks);
    const bytes = receive_window(t);
    window = bytes >> t.rcv_wscale;
    if (window > 0xffff) window = 0xffff;
    const edge = t.rcv_nxt + (window << t.rcv_wscale);
    if (seq_gt(edge, t.rcv_adv)) t.rcv_adv = edge;
  }
  if (len > 0) {
    ring_read(send_ring(i), TCP_SEND_BUFFER_BYTES, t.send_head + offset, options + <usize>options_len, len);
  }
  const ack = flags & TCP_ACK ? t.rcv_nxt : 0;
  const segment_len = TCP_HEADER_BYTES + options_len + len;
  tcp_emit(segment, t.local_port, t.remote_port, seq, ack, flags, window, options_len);
  tcp_emit_checksum(segment, segment_len, t.local_addr, t.remote_addr);
  tx_ipv4(buffer, iface, t.local_addr, t.remote_addr, IP_PROTO_TCP, segment_len);
  count(Counter.tcp_tx_segments);
  if (flags & TCP_ACK) {
    t.last_ack_sent = t.rcv_nxt;
    t.segs_unacked = 0;
    clear(t, F_ACK_NOW | F_DELACK | F_WINDOW_UPDATE);
  }
  return true;
}

/** SYN (active open) or SYN-ACK (passive), always at the ISS. */
export function send_syn(i: i32): bool {
  const t = tcb(i);
  const flags = t.state == SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK;
  return send_segment(i, t, t.iss, flags, 0, 0);
}

@inline export function send_ack(i: i32): bool {
  const t = tcb(i);
  return send_segment(i, t, t.snd_nxt, TCP_ACK, 0, 0);
}

/** A segment the peer must answer with an ACK (keepalive, zero-window probe): SEQ = SND.UNA - 1. */
export function send_probe(i: i32): bool {
  const t = tcb(i);
  return send_segment(i, t, t.snd_una - 1, TCP_ACK, 0, 0);
}

export function arm_retransmit(t: Tcb): void {
  t.rtx_at = clock_now() + t.rto;
  set(t, F_RTX);
  clear(t, F_PERSIST);
  clock_wake_at(t.rtx_at);
}

/** Sends the next segment of connection i if windows and Nagle allow; false when done. */
function output_one(i: i32, t: Tcb): bool {
  // After a timeout, skip what the peer already holds (RFC 2018 / RFC 6675 spirit).
  if (has(t, F_SACK) && seq_lt(t.snd_nxt, t.snd_max)) {
    const at = <i32>(t.snd_nxt - t.snd_una);
    const skip = ranges_skip(sack_ranges(i), at);
    if (skip != at) {
      const limit = <i32>(t.snd_max - t.snd_una);
      t.snd_nxt = t.snd_una + <u32>(skip < limit ? skip : limit);
    }
  }
  const offset = <i32>(t.snd_nxt - t.snd_una);
  let available = t.send_used - offset;
  if (available < 0) available = 0;
  // Limited transmit (RFC 3042): the first two duplicate ACKs each let one more segment out.
  const cwnd = !has(t, F_RECOVERY) && t.dupacks > 0 && t.dupacks < 3 ? t.cwnd + t.dupacks * t.mss : t.cwnd;
  const window = t.snd_wnd < cwnd ? t.snd_wnd : cwnd;
  const in_flight = t.snd_nxt - t.snd_una;
  const usable = window > in_flight ? window - in_flight : 0;
  const data_max = segment_data_max(i, t);
  let len = available;
  if (<u32>len > data_max) len = <i32>data_max;
  if (<u32>len > usable) len = <i32>usable;
  // The FIN follows the last data byte once the application shut down its side, until it is
  // acknowledged (FIN-WAIT-2 and later).
  const fin = has(t, F_SHUT_WR) && t.state != FIN_WAIT_2 && offset + len == t.send_used;
  if (len == 0 && !fin) return false;
  const retransmission = seq_lt(t.snd_nxt, t.snd_max);
  if (!fin && <u32>len < data_max && !retransmission) {
    // Nagle (RFC 9293 3.7.4): while data is unacknowledged, hold back a small segment.
    if (!has(t, F_NODELAY) && t.snd_nxt != t.snd_una) return false;
    // Sender silly-window avoidance (3.8.6.2.1): a small segment only if it carries all
    // queued data, or at least half the largest window the peer ever offered. With nothing
    // in flight no ACK will come to widen the window, so it goes now: this is the RFC's
    // override, taken at once instead of after a timeout.
    if (len < available && <u32>len < t.max_snd_wnd >> 1 && in_flight > 0) return false;
  }
  let flags = TCP_ACK;
  if (len > 0 && offset + len == t.send_used) flags |= TCP_PSH;
  if (fin) flags |= TCP_FIN;
  if (!send_segment(i, t, t.snd_nxt, flags, offset, len)) return false;
  if (retransmission) count(Counter.tcp_tx_retransmits);
  else if (len > 0 && !has(t, F_TIMESTAMPS) && !has(t, F_RTT_TIMING)) {
    // Time one new segment at a time (Karn's rule discards it if it is retransmitted).
    t.rtt_seq = t.snd_nxt;
    t.rtt_start = clock_now();
    set(t, F_RTT_TIMING);
  }
  t.snd_nxt += <u32>len + (fin ? 1 : 0);
  if (seq_gt(t.snd_nxt, t.snd_max)) t.snd_max = t.snd_nxt;
  if (!has(t, F_RTX) || has(t, F_PERSIST)) arm_retransmit(t);
  return true;
}

/** Sends whatever connection i may send now, and an ACK if one is owed and nothing carried it. */
export function tcp_output(i: i32): void {
  const t = tcb(i);
  // SYN-RECEIVED sends no data yet, but owes an ACK for an unacceptable segment (3.10.7.4).
  if (t.state == SYN_RECEIVED) {
    if (has(t, F_ACK_NOW)) send_ack(i);
    return;
  }
  if (t.state < ESTABLISHED || t.state > LAST_ACK) return;
  for (let n = 0; n < OUTPUT_BURST_MAX; n++) {
    if (!output_one(i, t)) break;
  }
  if (has(t, F_ACK_NOW) || has(t, F_WINDOW_UPDATE)) send_ack(i);
  // Data waits behind a zero window with nothing in flight: probe it (RFC 9293 3.8.6.1).
  if (t.snd_wnd == 0 && t.send_used > <i32>(t.snd_nxt - t.snd_una) && t.snd_nxt == t.snd_una && !has(t, F_RTX)) {
    t.rtx_at = clock_now() + t.rto;
    set(t, F_RTX | F_PERSIST);
    clock_wake_at(t.rtx_at);
  }
}

/** Runs the output that segment arrivals asked for (F_OUTPUT), once per connection. */
export function tcp_flush(): void {
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
    const t = tcb(i);
    if (!has(t, F_OUTPUT)) continue;
    clear(t, F_OUTPUT);
    tcp_output(i);
  }
}

/** Arms the delayed-ACK timer unless it is already running. */
export function delay_ack(t: Tcb, delay_ms: u32): void {
  if (has(t, F_DELACK)) return;
  t.dack_at = clock_now() + delay_ms;
  set(t, F_DELACK);
  clock_wake_at(t.dack_at);
}

/**
 * A segment that belongs to no connection we can use (RFC 9293 3.10.7.1): RST with
 * SEQ = SEG.ACK if it carried an ACK, else SEQ 0 and ACK = SEG.SEQ + SEG.LEN.
 */
export function send_reset(local: u32, local_port: u32, remote: u32, remote_port: u32, seg_seq: u32, seg_ack: u32, seg_flags: u32, seg_len: u32): void {
  if (seg_flags & TCP_RST) return;
  const iface = route_lookup(remote);
  if (iface < 0) { count(Counter.ipv4_tx_no_route); return; }
  const buffer = pool_alloc();
  if (buffer == POOL_NONE) { count(Counter.tx_no_buffer); return; }
  const segment = ipv4_payload(buffer);
  if (seg_flags & TCP_ACK) {
    tcp_emit(segment, local_port, remote_port, seg_ack, 0, TCP_RST, 0, 0);
  } else {
    tcp_emit(segment, local_port, remote_port, 0, seg_seq + seg_len, TCP_RST | TCP_ACK, 0, 0);
  }
  tcp_emit_checksum(segment, TCP_HEADER_BYTES, local, remote);
  tx_ipv4(buffer, iface, local, remote, IP_PROTO_TCP, TCP_HEADER_BYTES);
  count(Counter.tcp_tx_rst);
}

/** A bare ACK not tied to a slot (TIME-WAIT answers), with timestamps if the connection had them. */
export function send_bare_ack(local: u32, local_port: u32, remote: u32, remote_port: u32, seq: u32, ack: u32, timestamps: bool, ts_ecr: u32): void {
  const iface = route_lookup(remote);
  if (iface < 0) { count(Counter.ipv4_tx_no_route); return; }
  const buffer = pool_alloc();
  if (buffer == POOL_NONE) { count(Counter.tx_no_buffer); return; }
  const segment = ipv4_payload(buffer);
  const options_len = tcp_options_emit(segment + <usize>TCP_HEADER_BYTES, timestamps, clock_now(), ts_ecr, 0, 0);
  tcp_emit(segment, local_port, remote_port, seq, ack, TCP_ACK, 0, options_len);
  tcp_emit_checksum(segment, TCP_HEADER_BYTES + options_len, local, remote);
  tx_ipv4(buffer, iface, local, remote, IP_PROTO_TCP, TCP_HEADER_BYTES + options_len);
  count(Counter.tcp_tx_segments);
}

/** Bytes the application may still queue. */
@inline export function send_space(t: Tcb): i32 {
  return TCP_SEND_BUFFER_BYTES - t.send_used;
}

@inline function mss_for_mtu(mtu: i32): u32 {
  return <u32>(mtu - IPV4_HEADER_BYTES - TCP_HEADER_BYTES);
}

/**
 * Effective send MSS: the peer's MSS (536 if it sent none, RFC 9293 3.7.1), at most what the
 * MTU of our interface towards remote carries (so segments are not fragmented by us), less
 * our option bytes.
 */
export function effective_mss(peer_mss: u32, timestamps: bool, remote: u32): u32 {
  let mss: u32 = peer_mss == 0 ? 536 : peer_mss;
  const iface = route_lookup(remote);
  const link_mss = iface < 0 ? OUR_MSS : mss_for_mtu(iface_mtu(iface));
  if (mss > link_mss) mss = link_mss;
  if (timestamps) mss -= TIMESTAMP_OPTION_BYTES;
  return mss < 64 ? 64 : mss;
}
