// TCP input (RFC 9293 3.10.7 "SEGMENT ARRIVES"), with RFC 5961 (challenge ACKs, blind
// RST/SYN/data), RFC 7323 (PAWS, timestamps) and RFC 2018 (SACK) on top. The checks run in
// the RFC's order; each early return is one reason, counted.
import { TCP_CONNECTION_COUNT, TCP_DELAYED_ACK_MS, TCP_KEEPALIVE_IDLE_MS, TCP_RECV_BUFFER_BYTES, TCP_SEND_BUFFER_BYTES } from "../../config";
import { Counter, count } from "../../lib/counters";
import { ranges_add, ranges_count, ranges_end, ranges_shift, ranges_skip, ranges_start, ranges_take_front } from "../../lib/ranges";
import { ring_write } from "../../lib/ring";
import { seq_ge, seq_gt, seq_in, seq_le, seq_lt } from "../../lib/seq";
import { ipv4_dst, ipv4_src } from "../../wire/ipv4";
import {
  sack_left, sack_right, tcp_ack, tcp_check, tcp_dst_port, tcp_flags, tcp_header_len, tcp_options_parse,
  tcp_seq, tcp_src_port, tcp_window, TcpOptions, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN,
} from "../../wire/tcp";
import { clock_now, clock_wake_at } from "../clock";
import { Delivery } from "../ipv4";
import {
  cc_dupack_in_recovery, cc_enter_recovery, cc_exit_recovery, cc_init, cc_on_ack, cc_partial_ack, in_recovery,
} from "./congestion";
import { isn_generate } from "./isn";
import { arm_orphan_timer, challenge_ack, tcb_abort, tcb_close, tcb_enter_time_wait } from "./lifecycle";
import {
  arm_retransmit, delay_ack, effective_mss, OUR_WINDOW_SCALE, segment_data_max, send_reset, send_segment, send_syn, tcp_output,
} from "./output";
import { rtt_reset, rtt_sample } from "./rtt";
import {
  Tcb, tcb, tcb_alloc, recv_ring, ooo_ranges, sack_ranges, has, set, clear, can_receive,
  CLOSED, CLOSE_WAIT, CLOSING, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, LAST_ACK, LISTEN, SYN_RECEIVED, SYN_SENT, TIME_WAIT,
  F_ACCEPTABLE, F_ACK_NOW, F_APP_CLOSED, F_FIN_RCVD, F_KEEPALIVE, F_NODELAY, F_PERSIST, F_RTT_TIMING, F_RTX, F_SACK, F_SHUT_WR,
  F_OUTPUT, F_SYN_WS, F_TIMESTAMPS,
} from "./tcb";
import { time_wait_find, time_wait_input } from "./timewait";
import { ECONNREFUSED, ECONNRESET } from "../../socket/errno";

/** One received segment, decoded once: handed down explicitly, never kept as a global. */
@unmanaged class Segment {
  local_addr: u32;
  remote_addr: u32;
  local_port: u32;
  remote_port: u32;
  seq: u32;
  ack: u32;
  flags: u32;
  window: u32;
  data: usize;
  data_len: i32;
}

const segment = changetype<Segment>(memory.data(offsetof<Segment>(), 8));
const options = changetype<TcpOptions>(memory.data(offsetof<TcpOptions>(), 8));
let refuse_with_rst: bool = true;
let serial: u32 = 0;

/** What a listener does with a SYN it has no room for: RST (default) or silence. */
export function tcp_set_refuse_with_rst(on: bool): void {
  refuse_with_rst = on;
}

function find_connection(s: Segment): i32 {
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
    const t = tcb(i);
    if (t.state < SYN_SENT || t.state == TIME_WAIT) continue;
    if (t.local_port == s.local_port && t.remote_port == s.remote_port &&
        t.remote_addr == s.remote_addr && t.local_addr == s.local_addr) return i;
  }
  return -1;
}

function find_listener(s: Segment): i32 {
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) {
    const t = tcb(i);
    if (t.state == LISTEN && t.local_port == s.local_port && (t.local_addr == 0 || t.local_addr == s.local_addr)) return i;
  }
  return -1;
}

@inline function reset_for(s: Segment): void {
  const seg_len = <u32>s.data_len + ((s.flags & TCP_SYN) ? 1 : 0) + ((s.flags & TCP_FIN) ? 1 : 0);
  send_reset(s.local_addr, s.local_port, s.remote_addr, s.remote_port, s.seq, s.ack, s.flags, seg_len);
}

export function rx_tcp(iface: i32, ip: usize, bytes: usize, len: i32, delivery: i32): void {
  count(Counter.tcp_rx);
  // TCP is unicast only (RFC 1122 4.2.3.10).
  if (delivery != Delivery.UNICAST) { count(Counter.tcp_rx_not_acceptable); return; }
  const s = segment;
  s.remote_addr = ipv4_src(ip);
  s.local_addr = ipv4_dst(ip);
  const reason = tcp_check(bytes, len, s.remote_addr, s.local_addr);
  if (reason != Counter.OK) { count(reason); return; }
  if (!tcp_options_parse(bytes, options)) { count(Counter.tcp_rx_bad_option); return; }
  const header_len = tcp_header_len(bytes);
  s.remote_port = tcp_src_port(bytes);
  s.local_port = tcp_dst_port(bytes);
  s.seq = tcp_seq(bytes);
  s.ack = tcp_ack(bytes);
  s.flags = tcp_flags(bytes);
  s.window = tcp_window(bytes);
  s.data = bytes + <usize>header_len;
  s.data_len = len - header_len;

  let i = find_connection(s);
  if (i < 0) {
    const tw = time_wait_find(s.local_addr, s.local_port, s.remote_addr, s.remote_port);
    if (tw >= 0 && time_wait_input(tw, s.flags, s.seq, s.data_len, options)) return;
    const listener = find_listener(s);
    if (listener < 0) {
      count(Counter.tcp_rx_no_socket);
      reset_for(s);
      return;
    }
    listen_input(listener, s);
    return;
  }
  const t = tcb(i);
  if (t.state == SYN_SENT) syn_sent_input(i, t, s);
  else established_input(i, t, s);
  // Output waits for tcp_flush, after the applications had their turn: the ACK then carries
  // their reply and the window they freed, instead of going out alone first.
  if (tcb(i).state >= SYN_RECEIVED) set(tcb(i), F_OUTPUT);
}

/** Options both sides agreed on, from the peer's SYN (RFC 7323 2.2, RFC 2018 2). */
function take_syn_options(t: Tcb): void {
  if (options.sack_permitted) set(t, F_SACK);
  else clear(t, F_SACK);
  if (options.has_timestamps) {
    set(t, F_TIMESTAMPS);
    t.ts_recent = options.ts_val;
  } else {
    clear(t, F_TIMESTAMPS);
  }
  // Scaling is in force only if both SYNs carried the option (RFC 7323 2.2); we send it only
  // from profiles whose receive buffer needs it.
  if (options.window_scale >= 0 && OUR_WINDOW_SCALE >= 0) {
    set(t, F_SYN_WS);
    t.snd_wscale = <u32>options.window_scale;
    t.rcv_wscale = OUR_WINDOW_SCALE >= 0 ? <u32>OUR_WINDOW_SCALE : 0;
  } else {
    clear(t, F_SYN_WS);
    t.snd_wscale = 0;
    t.rcv_wscale = 0;
  }
  t.mss = effective_mss(options.mss, has(t, F_TIMESTAMPS), t.remote_addr);
}

function listen_input(l: i32, s: Segment): void {
  if (s.flags & TCP_RST) return;
  if (s.flags & TCP_ACK) { reset_for(s); return; }
  if (!(s.flags & TCP_SYN)) return;
  const listener = tcb(l);
  if (listener.children >= listener.backlog) {
    count(Counter.tcp_syn_backlog_full);
    if (refuse_with_rst) reset_for(s);
    return;
  }
  const i = tcb_alloc();
  if (i < 0) {
    count(Counter.tcp_syn_no_connection);
    if (refuse_with_rst) reset_for(s);
    return;
  }
  const t = tcb(i);
  t.parent = l;
  listener.children++;
  t.serial = serial++;
  t.flags = listener.flags & (F_KEEPALIVE | F_NODELAY);
  t.local_addr = s.local_addr;
  t.local_port = s.local_port;
  t.remote_addr = s.remote_addr;
  t.remote_port = s.remote_port;
  t.irs = s.seq;
  t.rcv_nxt = s.seq + 1;
  t.rcv_adv = t.rcv_nxt;
  take_syn_options(t);
  t.iss = isn_generate(t.local_addr, t.local_port, t.remote_addr, t.remote_port, clock_now());
  t.snd_una = t.iss;
  t.snd_nxt = t.iss + 1;
  t.snd_max = t.iss + 1;
  t.snd_wnd = s.window;
  t.max_snd_wnd = s.window;
  t.snd_wl1 = s.seq;
  t.snd_wl2 = t.iss;
  t.state = SYN_RECEIVED;
  rtt_reset(t);
  cc_init(t);
  t.rtt_start = clock_now();
  send_syn(i);
  arm_retransmit(t);
}

function syn_sent_input(i: i32, t: Tcb, s: Segment): void {
  const has_ack = (s.flags & TCP_ACK) != 0;
  if (has_ack && (seq_le(s.ack, t.iss) || seq_gt(s.ack, t.snd_max))) {
    count(Counter.tcp_rx_bad_ack);
    reset_for(s);
    return;
  }
  if (s.flags & TCP_RST) {
    // Only a RST that acknowledges our SYN refuses the connection (RFC 5961 3.2 for SYN-SENT).
    if (has_ack) {
      count(Counter.tcp_rx_rst);
      tcb_close(i, ECONNREFUSED);
    }
    return;
  }
  if (!(s.flags & TCP_SYN)) return;
  t.irs = s.seq;
  t.rcv_nxt = s.seq + 1;
  t.rcv_adv = t.rcv_nxt; // nothing advertised yet in this sequence space
  take_syn_options(t);
  cc_init(t);
  if (has_ack) {
    t.snd_una = s.ack;
    t.snd_wnd = s.window; // never scaled in a SYN
    t.max_snd_wnd = s.window;
    t.snd_wl1 = s.seq;
    t.snd_wl2 = s.ack;
    // Karn: a retransmitted SYN gives no sample.
    if (t.retries == 0) rtt_sample(t, clock_now() - t.rtt_start);
    t.retries = 0;
    clear(t, F_RTX);
    t.state = ESTABLISHED;
    start_keepalive(t);
    set(t, F_ACK_NOW);
    return;
  }
  // Simultaneous open (RFC 9293 3.5, figure 8): answer with SYN-ACK from the same ISS.
  t.state = SYN_RECEIVED;
  t.snd_wnd = s.window;
  t.max_snd_wnd = s.window;
  t.snd_wl1 = s.seq;
  send_syn(i);
  arm_retransmit(t);
}

/** RFC 9293 3.10.7.4 first check: does the segment overlap the receive window? */
function acceptable(t: Tcb, s: Segment, seg_len: u32): bool {
  const window = seq_gt(t.rcv_adv, t.rcv_nxt) ? t.rcv_adv - t.rcv_nxt : 0;
  if (seg_len == 0) {
    return window == 0 ? s.seq == t.rcv_nxt : seq_in(s.seq, t.rcv_nxt, t.rcv_nxt + window);
  }
  if (window == 0) return false;
  return seq_in(s.seq, t.rcv_nxt, t.rcv_nxt + window) ||
    seq_in(s.seq + seg_len - 1, t.rcv_nxt, t.rcv_nxt + window);
}

function start_keepalive(t: Tcb): void {
  t.keep_probes = 0;
  if (!has(t, F_KEEPALIVE)) return;
  t.keep_at = clock_now() + TCP_KEEPALIVE_IDLE_MS;
  clock_wake_at(t.keep_at);
}

function established_input(i: i32, t: Tcb, s: Segment): void {
  const seg_len = <u32>s.data_len + ((s.flags & TCP_SYN) ? 1 : 0) + ((s.flags & TCP_FIN) ? 1 : 0);
  // A repeated SYN while we are in SYN-RECEIVED: our SYN-ACK was lost, send it again.
  if (t.state == SYN_RECEIVED && (s.flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN && s.seq == t.irs) {
    send_syn(i);
    return;
  }
  // PAWS (RFC 7323 5.3): a timestamp older than the last one seen marks an old duplicate.
  if (has(t, F_TIMESTAMPS) && options.has_timestamps && !(s.flags & TCP_RST) && seq_lt(options.ts_val, t.ts_recent)) {
    count(Counter.tcp_rx_paws_rejected);
    set(t, F_ACK_NOW);
    return;
  }
  if (!acceptable(t, s, seg_len)) {
    count(Counter.tcp_rx_not_acceptable);
    if (s.flags & TCP_RST) return;
    set(t, F_ACK_NOW);
    // With our window closed nothing is acceptable, but a valid ACK at the edge still
    // counts (RFC 9293 3.10.7.4): otherwise a full receiver could never see its data acked.
    if ((s.flags & (TCP_ACK | TCP_SYN)) == TCP_ACK && s.seq == t.rcv_nxt && t.state != SYN_RECEIVED &&
        !seq_gt(t.rcv_adv, t.rcv_nxt)) ack_input(i, t, s);
    return;
  }
  if (s.flags & TCP_RST) { rst_input(i, t, s); return; }
  // RFC 5961 4.2: any SYN in a synchronized state gets a challenge ACK, never a reset.
  if (s.flags & TCP_SYN) { challenge_ack(i); return; }
  if (!(s.flags & TCP_ACK)) return;
  if (t.state == SYN_RECEIVED && !syn_received_ack(i, t, s)) return;
  if (!ack_input(i, t, s)) return;
  if (tcb(i).state == CLOSED || t.state == TIME_WAIT) return;
  // Timestamp to echo (RFC 7323 4.3): from the segment that covers the last ACK we sent.
  if (options.has_timestamps && seq_le(s.seq, t.last_ack_sent)) t.ts_recent = options.ts_val;
  if (has(t, F_KEEPALIVE)) start_keepalive(t);
  if (s.data_len > 0) {
    if (has(t, F_APP_CLOSED)) {
      // Nobody will read it: RFC 1122 4.2.2.13 says reset.
      count(Counter.tcp_rx_after_close);
      tcb_abort(i, ECONNRESET);
      return;
    }
    if (can_receive(t.state)) data_input(i, t, s);
  }
  if ((s.flags & TCP_FIN) != 0) fin_input(i, t, s);
}

function rst_input(i: i32, t: Tcb, s: Segment): void {
  // RFC 5961 3.2: only an exact match resets; anything else in the window is challenged.
  if (s.seq != t.rcv_nxt) { challenge_ack(i); return; }
  count(Counter.tcp_rx_rst);
  count(Counter.tcp_connections_reset);
  tcb_close(i, t.state == SYN_RECEIVED && t.parent >= 0 ? 0 : ECONNRESET);
}

/** The handshake's last ACK (RFC 9293 3.10.7.4, fifth check, SYN-RECEIVED). */
function syn_received_ack(i: i32, t: Tcb, s: Segment): bool {
  if (!seq_gt(s.ack, t.snd_una) || seq_gt(s.ack, t.snd_nxt)) {
    count(Counter.tcp_rx_bad_ack);
    reset_for(s);
    return false;
  }
  t.state = ESTABLISHED;
  t.snd_una = s.ack; // our SYN is acknowledged; it was no data
  t.snd_wnd = s.window << t.snd_wscale;
  if (t.snd_wnd > t.max_snd_wnd) t.max_snd_wnd = t.snd_wnd;
  t.snd_wl1 = s.seq;
  t.snd_wl2 = s.ack;
  if (t.retries == 0) rtt_sample(t, clock_now() - t.rtt_start);
  t.retries = 0;
  clear(t, F_RTX); // the SYN-ACK's timer; nothing else is in flight yet
  if (t.parent >= 0) set(t, F_ACCEPTABLE);
  start_keepalive(t);
  return true;
}

/** Is our FIN (sent after all queued data) covered by ack? */
@inline function fin_acked(t: Tcb, ack: u32): bool {
  return has(t, F_SHUT_WR) && ack == t.snd_una + <u32>t.send_used + 1 && t.snd_max == ack;
}

/** Fifth check for synchronized states. Returns false if the segment is to be dropped. */
function ack_input(i: i32, t: Tcb, s: Segment): bool {
  // RFC 5961 5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.MAX].
  if (seq_gt(s.ack, t.snd_max)) {
    count(Counter.tcp_rx_bad_ack);
    set(t, F_ACK_NOW);
    return false;
  }
  if (seq_lt(s.ack, t.snd_una - t.max_snd_wnd)) {
    count(Counter.tcp_rx_bad_ack);
    challenge_ack(i);
    return false;
  }
  if (has(t, F_SACK)) take_sack_blocks(i, t);
  if (seq_gt(s.ack, t.snd_una)) new_ack(i, t, s);
  else if (s.ack == t.snd_una) duplicate_ack(i, t, s);
  window_update(t, s);
  return true;
}

function take_sack_blocks(i: i32, t: Tcb): void {
  for (let k = 0; k < options.sack_count; k++) {
    const left = sack_left(options, k);
    const right = sack_right(options, k);
    // Ignore blocks outside what is in flight (old, or bogus: RFC 2018 has no trust model).
    if (!seq_lt(left, right) || !seq_gt(left, t.snd_una) || seq_gt(right, t.snd_max)) continue;
    ranges_add(sack_ranges(i), <i32>(left - t.snd_una), <i32>(right - t.snd_una));
  }
}

function new_ack(i: i32, t: Tcb, s: Segment): void {
  const acked = s.ack - t.snd_una;
  const our_fin_acked = fin_acked(t, s.ack);
  const data_acked = acked > <u32>t.send_used ? t.send_used : <i32>acked;
  t.send_head = (t.send_head + data_acked) % TCP_SEND_BUFFER_BYTES;
  t.send_used -= data_acked;
  ranges_shift(sack_ranges(i), <i32>acked);
  t.snd_una = s.ack;
  if (seq_lt(t.snd_nxt, t.snd_una)) t.snd_nxt = t.snd_una;
  // RTT (RFC 6298 / RFC 7323 4): the echoed timestamp, or the one timed segment (Karn).
  if (has(t, F_TIMESTAMPS) && options.has_timestamps && options.ts_ecr != 0) {
    rtt_sample(t, clock_now() - options.ts_ecr);
  } else if (has(t, F_RTT_TIMING) && seq_gt(s.ack, t.rtt_seq)) {
    rtt_sample(t, clock_now() - t.rtt_start);
    clear(t, F_RTT_TIMING);
  }
  t.retries = 0;
  if (in_recovery(t)) {
    if (seq_ge(s.ack, t.recover)) {
      cc_exit_recovery(t);
    } else {
      // Partial ACK (RFC 6582 3.2 step 5): the next hole goes out at once.
      cc_partial_ack(t, acked);
      retransmit_at(i, t, 0);
    }
  } else {
    t.dupacks = 0;
    cc_on_ack(t, acked);
  }
  if (t.snd_una == t.snd_max) clear(t, F_RTX);
  else arm_retransmit(t);
  if (our_fin_acked) our_fin_acknowledged(i, t);
}

function our_fin_acknowledged(i: i32, t: Tcb): void {
  if (t.state == FIN_WAIT_1) {
    t.state = FIN_WAIT_2;
    if (has(t, F_APP_CLOSED)) arm_orphan_timer(t);
  }
  else if (t.state == CLOSING) tcb_enter_time_wait(i);
  else if (t.state == LAST_ACK) tcb_close(i, 0);
}

/**
 * RFC 5681 2: no data, no SYN/FIN, same window, data outstanding. With SACK the window may
 * differ (RFC 6675 2: an ACK carrying SACK information counts): receivers that auto-tune
 * their window change it on every ACK, and fast retransmit must still trigger.
 */
function duplicate_ack(i: i32, t: Tcb, s: Segment): void {
  if (s.data_len != 0 || (s.flags & (TCP_SYN | TCP_FIN)) != 0 || t.snd_max == t.snd_una) return;
  const sack_info = has(t, F_SACK) && options.sack_count > 0;
  if (!sack_info && (s.window << t.snd_wscale) != t.snd_wnd) return;
  t.dupacks++;
  if (in_recovery(t)) {
    cc_dupack_in_recovery(t);
    // Each duplicate means a segment left the network: send the next hole in its place.
    if (sack_info) retransmit_next_hole(i, t);
  } else if (t.dupacks == duplicate_threshold(t)) {
    count(Counter.tcp_tx_fast_retransmits);
    cc_enter_recovery(t);
    t.high_rxt = t.snd_una;
    retransmit_at(i, t, 0);
  }
}

/**
 * Duplicate ACKs that mean loss: 3 (RFC 5681), or fewer when so little is in flight that 3
 * can never come and no new data can go out to draw them (early retransmit, RFC 5827 3.1).
 * Until then each duplicate lets one new segment out (limited transmit, RFC 3042; output.ts).
 */
function duplicate_threshold(t: Tcb): u32 {
  const outstanding = (t.snd_max - t.snd_una + t.mss - 1) / t.mss;
  const unsent = <u32>t.send_used > t.snd_max - t.snd_una;
  const window_open = seq_gt(t.snd_una + t.snd_wnd, t.snd_max);
  // A lone segment draws no duplicates of its own: early retransmit needs two (RFC 5827 3.1).
  if (outstanding >= 2 && outstanding < 4 && !(unsent && window_open)) return outstanding - 1;
  return 3;
}

/** Start of the first SACKed range beyond offset, or the end of the send ring's data. */
function next_sacked(i: i32, t: Tcb, offset: i32): i32 {
  const sack = sack_ranges(i);
  for (let k = 0; k < ranges_count(sack); k++) {
    if (ranges_start(sack, k) > offset) return ranges_start(sack, k);
  }
  return t.send_used;
}

/**
 * Retransmits one segment starting offset bytes after SND.UNA, stopping short of SACKed data,
 * with the FIN if it reaches the end of a shut-down stream. Records how far retransmission got.
 */
function retransmit_at(i: i32, t: Tcb, offset: i32): void {
  let len = next_sacked(i, t, offset) - offset;
  const data_max = <i32>segment_data_max(i, t);
  if (len > data_max) len = data_max;
  if (len < 0) len = 0;
  const fin = has(t, F_SHUT_WR) && offset + len == t.send_used && t.state != FIN_WAIT_2;
  if (len == 0 && !fin) return;
  if (send_segment(i, t, t.snd_una + <u32>offset, TCP_ACK | (fin ? TCP_FIN : 0), offset, len)) {
    count(Counter.tcp_tx_retransmits);
    const end = t.snd_una + <u32>(offset + len);
    if (seq_gt(end, t.high_rxt)) t.high_rxt = end;
  }
  clear(t, F_RTT_TIMING); // Karn
  arm_retransmit(t);
}

/** RFC 6675 NextSeg, simplified: the first unSACKed bytes above what was retransmitted. */
function retransmit_next_hole(i: i32, t: Tcb): void {
  const sack = sack_ranges(i);
  const n = ranges_count(sack);
  if (n == 0) return;
  let from = seq_gt(t.high_rxt, t.snd_una) ? <i32>(t.high_rxt - t.snd_una) : 0;
  from = ranges_skip(sack, from);
  if (from < ranges_end(sack, n - 1)) retransmit_at(i, t, from);
}

/** RFC 9293 3.10.7.4: take the window from the newest segment only (SND.WL1/WL2). */
function window_update(t: Tcb, s: Segment): void {
  if (!(seq_lt(t.snd_wl1, s.seq) || (t.snd_wl1 == s.seq && seq_le(t.snd_wl2, s.ack)))) return;
  t.snd_wnd = s.window << t.snd_wscale;
  t.snd_wl1 = s.seq;
  t.snd_wl2 = s.ack;
  if (t.snd_wnd > t.max_snd_wnd) t.max_snd_wnd = t.snd_wnd;
  if (has(t, F_PERSIST)) {
    // An answered probe is progress (RFC 1122 4.2.2.17): the peer is alive, keep probing.
    t.retries = 0;
    if (t.snd_wnd > 0) clear(t, F_RTX | F_PERSIST);
  }
}

/** Seventh check: data within the window, in order into the ring, ahead of it into a range. */
function data_input(i: i32, t: Tcb, s: Segment): void {
  let seq = s.seq;
  let data = s.data;
  let len = s.data_len;
  if (seq_lt(seq, t.rcv_nxt)) {
    const skip = <i32>(t.rcv_nxt - seq);
    data += <usize>skip;
    len -= skip;
    seq = t.rcv_nxt;
  }
  const ahead = <i32>(seq - t.rcv_nxt);
  const room = TCP_RECV_BUFFER_BYTES - t.recv_used - ahead;
  if (room <= 0) { set(t, F_ACK_NOW); return; }
  if (len > room) len = room;
  if (len <= 0) { set(t, F_ACK_NOW); return; }
  const ring = recv_ring(i);
  const ooo = ooo_ranges(i);
  if (ahead > 0) {
    if (!ranges_add(ooo, ahead, ahead + len)) { count(Counter.tcp_rx_out_of_order_dropped); set(t, F_ACK_NOW); return; }
    ring_write(ring, TCP_RECV_BUFFER_BYTES, t.recv_head + t.recv_used + ahead, data, len);
    count(Counter.tcp_rx_out_of_order);
    // Out-of-order data is acknowledged at once, with SACK blocks (RFC 5681 4.2).
    set(t, F_ACK_NOW);
    return;
  }
  const had_holes = ranges_count(ooo) > 0;
  ring_write(ring, TCP_RECV_BUFFER_BYTES, t.recv_head + t.recv_used, data, len);
  advance(t, ooo, len);
  for (let more = ranges_take_front(ooo); more > 0; more = ranges_take_front(ooo)) advance(t, ooo, more);
  // ACK every second full-sized segment at once, otherwise within the delayed-ACK time.
  t.segs_unacked++;
  if (had_holes || t.segs_unacked >= 2) set(t, F_ACK_NOW);
  else delay_ack(t, TCP_DELAYED_ACK_MS);
}

@inline function advance(t: Tcb, ooo: usize, len: i32): void {
  t.recv_used += len;
  t.rcv_nxt += <u32>len;
  ranges_shift(ooo, len);
}

/** Eighth check: the peer's FIN, taken only once everything before it has arrived. */
function fin_input(i: i32, t: Tcb, s: Segment): void {
  if (s.seq + <u32>s.data_len != t.rcv_nxt || has(t, F_FIN_RCVD)) {
    // A retransmitted FIN, or one ahead of a hole: acknowledge what we have at once
    // (RFC 5681 4.2, as for any out-of-order segment).
    set(t, F_ACK_NOW);
    return;
  }
  t.rcv_nxt += 1;
  set(t, F_FIN_RCVD | F_ACK_NOW);
  if (t.state == ESTABLISHED || t.state == SYN_RECEIVED) t.state = CLOSE_WAIT;
  else if (t.state == FIN_WAIT_1) t.state = CLOSING;
  else if (t.state == FIN_WAIT_2) {
    tcp_output(i); // the ACK of the FIN goes out before the slot moves to TIME-WAIT
    tcb_enter_time_wait(i);
  }
}
