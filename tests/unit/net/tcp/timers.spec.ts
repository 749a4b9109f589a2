// Time-driven behaviour, with the clock moved by the spec and tcp_poll run at chosen moments:
// retransmission after RTO with backoff and giving up (RFC 6298, RFC 9293 3.8.3), SYN and
// SYN-ACK retransmission, zero-window persist probes (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17),
// delayed ACK (3.8.6.3), Nagle (3.7.4) and TCP_NODELAY, fast retransmit (RFC 5681/6582).
import { TCP_DELAYED_ACK_MS, TCP_RETRIES_MAX, TCP_RTO_INITIAL_MS, TCP_RTO_MAX_MS, TCP_SYN_RETRIES_MAX } from "../../../../assembly/config";
import { Counter } from "../../../../assembly/lib/counters";
import { clock_set } from "../../../../assembly/net/clock";
import { tcb, CLOSED, ESTABLISHED, SYN_RECEIVED } from "../../../../assembly/net/tcp/tcb";
import { ETIMEDOUT } from "../../../../assembly/socket/errno";
import {
  tcp_socket_accept, tcp_socket_error, tcp_socket_send, tcp_socket_set_nodelay, tcp_socket_state,
} from "../../../../assembly/socket/tcp";
import { TCP_ACK, TCP_PSH, TCP_RST, TCP_SYN } from "../../../../assembly/wire/tcp";
import { delta, sent } from "../../helpers/net";
import {
  active_open, connect_to_peer, half_open, send_syn_from_peer, set_peer_nxt, iss, listener, out_ack, out_len, out_seq, passive_open, peer_arp_refresh, peer_nxt, poll_at,
  replied, send, set_peer_ts, set_syn_options, step, syn_received_child, tcp_spec_reset, peer_tsecr, PEER_WINDOW, T0,
} from "../../helpers/tcp";

const IRS: u32 = 0x30000000;
const RTT: u32 = 100;
const buf: usize = memory.data(8192, 8);
let h: i32 = -1;

/** An active open whose handshake took RTT ms: RTO = 3 RTT = 300 ms after it (RFC 6298 2.2). */
function connect_after_rtt(): void {
  tcp_spec_reset(T0);
  h = connect_to_peer(5001);
  clock_set(T0 + RTT);
  peer_arp_refresh();
  send_syn_from_peer(TCP_SYN | TCP_ACK, IRS, iss + 1, PEER_WINDOW);
  assert(replied(TCP_ACK));
  set_peer_nxt(IRS + 1);
  step();
}

/** A passive open whose handshake took RTT ms. */
function open_after_rtt(ts: bool): void {
  tcp_spec_reset(T0);
  if (ts) set_syn_options(1460, -1, false, true);
  half_open(IRS);
  clock_set(T0 + RTT);
  peer_arp_refresh();
  if (ts) set_peer_ts(true, 5001, peer_tsecr);
  send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 0, 0);
  h = tcp_socket_accept(listener);
  assert(h >= 0);
  step();
}

describe("tcp timers: retransmission timeout", () => {
  it("the handshake gives one RTT sample: RTO = 3 x RTT (without timestamps)", () => {
    open_after_rtt(false);
    expect<u32>(tcb(h).rto).toBe(3 * RTT);
  });

  it("the handshake gives one RTT sample: RTO = 3 x RTT (with timestamps)", () => {
    open_after_rtt(true);
    expect<u32>(tcb(h).rto).toBe(3 * RTT);
  });

  it("active open: the SYN-ACK gives the RTT sample", () => {
    connect_after_rtt();
    expect<u32>(tcb(h).rto).toBe(3 * RTT);
  });

  // Regression (found by this spec, fixed in the TCP core): regression from 059f53e, "the handshake ACK moves SND.UNA itself".
  it("passive open: the SYN-ACK's retransmission timer is cancelled by the handshake's ACK", () => {
    open_after_rtt(false);
    const cwnd = tcb(h).cwnd;
    poll_at(T0 + 5 * TCP_RTO_INITIAL_MS);
    expect<u32>(delta(Counter.tcp_rto_expired)).toBe(0);
    expect<u32>(tcb(h).cwnd).toBe(cwnd);
    expect<u32>(tcb(h).rto).toBe(3 * RTT);
    expect<u32>(tcb(h).retries).toBe(0);
  });

  it("retransmits the unacknowledged segment after RTO, then backs off exponentially", () => {
    connect_after_rtt();
    const now = T0 + RTT;
    expect<i32>(tcp_socket_send(h, buf, 100)).toBe(100);
    expect<u32>(out_seq()).toBe(iss + 1);
    step();
    poll_at(now + 299);
    expect<i32>(sent()).toBe(0);
    poll_at(now + 300);
    expect<bool>(replied(TCP_ACK | TCP_PSH)).toBe(true);
    expect<u32>(out_seq()).toBe(iss + 1);
    expect<i32>(out_len()).toBe(100);
    expect<u32>(delta(Counter.tcp_rto_expired)).toBe(1);
    expect<u32>(delta(Counter.tcp_tx_retransmits)).toBe(1);
    step();
    poll_at(now + 300 + 599);
    expect<i32>(sent()).toBe(0);
    poll_at(now + 300 + 600);
    expect<bool>(replied(TCP_ACK | TCP_PSH)).toBe(true);
    expect<u32>(out_seq()).toBe(iss + 1);
    step();
    poll_at(now + 900 + 1199);
    expect<i32>(sent()).toBe(0);
    poll_at(now + 900 + 1200);
    expect<i32>(sent()).toBe(1);
  });

  it("an ACK stops the timer", () => {
    connect_after_rtt();
    tcp_socket_send(h, buf, 100);
    send(TCP_ACK, peer_nxt, iss + 101, PEER_WINDOW, 0, 0);
    step();
    poll_at(T0 + RTT + 10_000);
    expect<i32>(sent()).toBe(0);
  });

  it("gives up after TCP_RETRIES_MAX retransmissions: RST (SEQ = SND.NXT) and ETIMEDOUT", () => {
    connect_after_rtt();
    let now = T0 + RTT;
    tcp_socket_send(h, buf, 100);
    let rto: u32 = 3 * RTT;
    for (let k: u32 = 0; k < TCP_RETRIES_MAX; k++) {
      now += rto;
      step();
      poll_at(now - 1);
      expect<i32>(sent()).toBe(0);
      poll_at(now);
      expect<bool>(replied(TCP_ACK | TCP_PSH)).toBe(true);
      expect<u32>(out_seq()).toBe(iss + 1);
      rto = min<u32>(rto * 2, TCP_RTO_MAX_MS);
    }
    now += rto;
    step();
    poll_at(now - 1);
    expect<i32>(sent()).toBe(0);
    poll_at(now);
    expect<bool>(replied(TCP_RST)).toBe(true);
    expect<u32>(out_seq()).toBe(iss + 101);
    expect<i32>(tcp_socket_state(h)).toBe(CLOSED);
    expect<i32>(tcp_socket_error(h)).toBe(ETIMEDOUT);
    expect<u32>(delta(Counter.tcp_connections_timed_out)).toBe(1);
  });

  it("SYN: resent from the same ISS after 1 s, 2 s, ...; ETIMEDOUT after TCP_SYN_RETRIES_MAX, no RST", () => {
    tcp_spec_reset(T0);
    h = connect_to_peer(5001);
    let now = T0;
    let rto = TCP_RTO_INITIAL_MS;
    for (let k: u32 = 0; k < TCP_SYN_RETRIES_MAX; k++) {
      now += rto;
      step();
      poll_at(now - 1);
      expect<i32>(sent()).toBe(0);
      poll_at(now);
      expect<bool>(replied(TCP_SYN)).toBe(true);
      expect<u32>(out_seq()).toBe(iss);
      rto *= 2;
    }
    now += rto;
    step();
    poll_at(now);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(CLOSED);
    expect<i32>(tcp_socket_error(h)).toBe(ETIMEDOUT);
  });

  it("SYN-ACK: resent from the same ISS after 1 s; the child is dropped after TCP_SYN_RETRIES_MAX", () => {
    tcp_spec_reset(T0);
    const child = half_open(IRS);
    poll_at(T0 + TCP_RTO_INITIAL_MS);
    expect<bool>(replied(TCP_SYN | TCP_ACK)).toBe(true);
    expect<u32>(out_seq()).toBe(iss);
    expect<u32>(out_ack()).toBe(IRS + 1);
    expect<i32>(tcb(child).state).toBe(SYN_RECEIVED);
    for (let k: u32 = 1; k < TCP_SYN_RETRIES_MAX; k++) {
      step();
      poll_at(tcb(child).rtx_at);
      expect<bool>(replied(TCP_SYN | TCP_ACK)).toBe(true);
    }
    step();
    poll_at(tcb(child).rtx_at);
    expect<i32>(sent()).toBe(0);
    expect<i32>(syn_received_child()).toBe(-1);
    expect<i32>(tcb(listener).children).toBe(0);
  });
});

describe("tcp timers: zero-window persist probes", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    h = active_open(IRS, 0); // the SYN-ACK's window is 0; RTO is the 200 ms floor (RTT 0)
  });

  it("data waits behind a zero window; probes (SEQ = SND.UNA - 1) go out with backoff", () => {
    expect<i32>(tcp_socket_send(h, buf, 100)).toBe(100);
    expect<i32>(sent()).toBe(0);
    const rto = tcb(h).rto;
    poll_at(T0 + rto - 1);
    expect<i32>(sent()).toBe(0);
    poll_at(T0 + rto);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<u32>(out_seq()).toBe(iss);
    expect<i32>(out_len()).toBe(0);
    expect<u32>(delta(Counter.tcp_tx_window_probes)).toBe(1);
    step();
    poll_at(T0 + rto + 2 * rto - 1);
    expect<i32>(sent()).toBe(0);
    poll_at(T0 + rto + 2 * rto);
    expect<u32>(delta(Counter.tcp_tx_window_probes)).toBe(1);
  });

  it("the window opening releases the data at once", () => {
    tcp_socket_send(h, buf, 100);
    poll_at(T0 + tcb(h).rto);
    step();
    send(TCP_ACK, peer_nxt, iss + 1, 1000, 0, 0);
    expect<bool>(replied(TCP_ACK | TCP_PSH)).toBe(true);
    expect<u32>(out_seq()).toBe(iss + 1);
    expect<i32>(out_len()).toBe(100);
  });

  it("keeps probing while the peer answers with a zero window, past TCP_RETRIES_MAX (RFC 1122 4.2.2.17)", () => {
    tcp_socket_send(h, buf, 100);
    for (let k: u32 = 0; k < TCP_RETRIES_MAX + 5; k++) {
      step();
      poll_at(tcb(h).rtx_at);
      expect<bool>(replied(TCP_ACK)).toBe(true);
      expect<u32>(out_seq()).toBe(iss);
      send(TCP_ACK, peer_nxt, iss + 1, 0, 0, 0);
    }
    expect<i32>(tcp_socket_state(h)).toBe(ESTABLISHED);
  });

  it("unanswered probes end the connection after TCP_RETRIES_MAX (ETIMEDOUT)", () => {
    tcp_socket_send(h, buf, 100);
    for (let k: u32 = 0; k < TCP_RETRIES_MAX; k++) poll_at(tcb(h).rtx_at);
    expect<i32>(tcp_socket_state(h)).toBe(ESTABLISHED);
    step();
    poll_at(tcb(h).rtx_at);
    expect<bool>(replied(TCP_RST)).toBe(true);
    expect<i32>(tcp_socket_error(h)).toBe(ETIMEDOUT);
  });
});

describe("tcp timers: delayed ACK", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    h = passive_open(IRS, PEER_WINDOW);
  });

  it("one segment: the ACK waits TCP_DELAYED_ACK_MS", () => {
    send(TCP_ACK | TCP_PSH, peer_nxt, iss + 1, PEER_WINDOW, 100, 1);
    expect<i32>(sent()).toBe(0);
    poll_at(T0 + TCP_DELAYED_ACK_MS - 1);
    expect<i32>(sent()).toBe(0);
    poll_at(T0 + TCP_DELAYED_ACK_MS);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(peer_nxt + 100);
    step();
    poll_at(T0 + 10 * TCP_DELAYED_ACK_MS);
    expect<i32>(sent()).toBe(0);
  });

  it("two full segments: ACK at once after the second", () => {
    send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 1460, 1);
    expect<i32>(sent()).toBe(0);
    send(TCP_ACK, peer_nxt + 1460, iss + 1, PEER_WINDOW, 1460, 2);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(peer_nxt + 2920);
  });

  it("data we send before the timer carries the ACK; no separate ACK follows", () => {
    send(TCP_ACK | TCP_PSH, peer_nxt, iss + 1, PEER_WINDOW, 100, 1);
    expect<i32>(tcp_socket_send(h, buf, 10)).toBe(10);
    expect<bool>(replied(TCP_ACK | TCP_PSH)).toBe(true);
    expect<u32>(out_ack()).toBe(peer_nxt + 100);
    step();
    poll_at(T0 + TCP_DELAYED_ACK_MS);
    expect<i32>(sent()).toBe(0);
  });
});

describe("tcp output: Nagle and TCP_NODELAY", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    h = passive_open(IRS, PEER_WINDOW);
  });

  it("a small segment waits while data is unacknowledged; the ACK releases it", () => {
    expect<i32>(tcp_socket_send(h, buf, 100)).toBe(100);
    expect<i32>(sent()).toBe(1);
    step();
    expect<i32>(tcp_socket_send(h, buf, 50)).toBe(50);
    expect<i32>(sent()).toBe(0);
    send(TCP_ACK, peer_nxt, iss + 101, PEER_WINDOW, 0, 0);
    expect<bool>(replied(TCP_ACK | TCP_PSH)).toBe(true);
    expect<u32>(out_seq()).toBe(iss + 101);
    expect<i32>(out_len()).toBe(50);
  });

  it("a full-sized segment is not held", () => {
    tcp_socket_send(h, buf, 100);
    step();
    expect<i32>(tcp_socket_send(h, buf, 1460)).toBe(1460);
    expect<i32>(sent()).toBe(1);
    expect<i32>(out_len()).toBe(1460);
    expect<u32>(out_seq()).toBe(iss + 101);
  });

  it("TCP_NODELAY sends the small segment at once", () => {
    tcp_socket_set_nodelay(h, true);
    tcp_socket_send(h, buf, 100);
    step();
    expect<i32>(tcp_socket_send(h, buf, 50)).toBe(50);
    expect<i32>(sent()).toBe(1);
    expect<u32>(out_seq()).toBe(iss + 101);
  });

  it("turning TCP_NODELAY on flushes what Nagle held", () => {
    tcp_socket_send(h, buf, 100);
    tcp_socket_send(h, buf, 50);
    step();
    tcp_socket_set_nodelay(h, true);
    expect<i32>(sent()).toBe(1);
    expect<u32>(out_seq()).toBe(iss + 101);
    expect<i32>(out_len()).toBe(50);
  });
});

describe("tcp output: fast retransmit and NewReno recovery", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    set_syn_options(1000, -1, false, false);
    h = passive_open(IRS, PEER_WINDOW);
    tcp_socket_set_nodelay(h, true);
    expect<i32>(tcp_socket_send(h, buf, 4000)).toBe(4000);
    expect<i32>(sent()).toBe(4);
    step();
  });

  it("the third duplicate ACK resends SND.UNA's segment and enters recovery", () => {
    send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 0, 0);
    send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(1);
    expect<u32>(out_seq()).toBe(iss + 1);
    expect<i32>(out_len()).toBe(1000);
    expect<u32>(delta(Counter.tcp_tx_fast_retransmits)).toBe(1);
    expect<u32>(tcb(h).ssthresh).toBe(2000);
    expect<u32>(tcb(h).cwnd).toBe(5000);
  });

  it("a partial ACK resends the next hole at once; the full ACK ends recovery", () => {
    for (let k = 0; k < 3; k++) send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 0, 0);
    step();
    send(TCP_ACK, peer_nxt, iss + 1001, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(1);
    expect<u32>(out_seq()).toBe(iss + 1001);
    expect<i32>(out_len()).toBe(1000);
    step();
    send(TCP_ACK, peer_nxt, iss + 4001, PEER_WINDOW, 0, 0);
    expect<u32>(tcb(h).cwnd).toBe(1000); // min(ssthresh 2000, FlightSize 0 + SMSS)
    expect<u32>(tcb(h).snd_una).toBe(iss + 4001);
  });
});

describe("tcp output: windows", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
  });

  // Regression (found by this spec, fixed in the TCP core): RFC 9293 3.8.6.1 SHOULD.
  it("a zero receive window still takes the ACK of a data segment", () => {
    h = passive_open(IRS, PEER_WINDOW);
    tcp_socket_set_nodelay(h, true);
    for (let k = 0; k < 8; k++) send(TCP_ACK, peer_nxt + <u32>(k * 1024), iss + 1, PEER_WINDOW, 1024, 1);
    expect<u32>(tcb(h).rcv_adv).toBe(tcb(h).rcv_nxt); // window closed
    tcp_socket_send(h, buf, 100);
    send(TCP_ACK | TCP_PSH, peer_nxt + 8192, iss + 101, PEER_WINDOW, 10, 2);
    expect<u32>(tcb(h).snd_una).toBe(iss + 101);
  });

  // Regression (found by this spec, fixed in the TCP core): RFC 9293 3.8.6.2.1 (4), the SWS override.
  it("a small window below MSS and half the peer's largest window is used after the override timeout", () => {
    h = passive_open(IRS, 1000); // the SYN offered 65535; the window is now 1000
    tcp_socket_set_nodelay(h, true);
    expect<i32>(tcp_socket_send(h, buf, 3000)).toBe(3000);
    poll_at(T0 + 1000);
    poll_at(T0 + 5000);
    expect<u32>(tcb(h).snd_max - tcb(h).snd_una).toBe(1000);
  });
});
