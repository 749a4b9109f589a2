// The TCP state machine as a table (RFC 9293 3.10.7, with RFC 5961 challenge ACKs): each
// `it` is one (state x arriving segment) cell, asserting the state after the segment and the
// reply (none, ACK, RST with the SEQ/ACK the RFC gives, SYN-ACK, challenge ACK).
// A scripted peer (helpers/tcp.ts) sends real IPv4+TCP datagrams into rx_tcp; ISNs are read
// back from the captured SYN / SYN-ACK.
import { Counter } from "../../../../assembly/lib/counters";
import {
  tcb, CLOSED, CLOSE_WAIT, CLOSING, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, LAST_ACK, LISTEN, SYN_RECEIVED, SYN_SENT, TIME_WAIT,
} from "../../../../assembly/net/tcp/tcb";
import { time_wait_count } from "../../../../assembly/net/tcp/timewait";
import { ECONNREFUSED, ECONNRESET } from "../../../../assembly/socket/errno";
import {
  tcp_socket_accept, tcp_socket_close, tcp_socket_error, tcp_socket_events, tcp_socket_listen, tcp_socket_open,
  tcp_socket_recv, tcp_socket_send, tcp_socket_shutdown, tcp_socket_state, TCP_EV_CONNECTED,
} from "../../../../assembly/socket/tcp";
import { tcp_set_refuse_with_rst } from "../../../../assembly/net/tcp/input";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, TCP_PSH } from "../../../../assembly/wire/tcp";
import { TCP_MSL_MS } from "../../../../assembly/config";
import { delta, sent } from "../../helpers/net";
import {
  active_open, connect_to_peer, half_open, has_pattern, iss, listen_on_server_port, listener, out_ack, out_flags, out_len,
  out_seq, out_window, passive_open, peer_nxt, poll_at, replied, send, send_syn_from_peer, set_peer_nxt, slot_free, step, set_ports, SERVER_PORT,
  syn_received_child, tcp_spec_reset, T0, PEER_WINDOW,
} from "../../helpers/tcp";

const IRS: u32 = 0x10000000;
const buf: usize = memory.data(4096, 8);

// The connection under test and our next sequence number as the peer expects it.
let h: i32 = -1;
let our_nxt: u32 = 0;

function established(): void {
  tcp_spec_reset(T0);
  h = passive_open(IRS, PEER_WINDOW);
  our_nxt = iss + 1;
}

/** We shut down: FIN at iss + 1, not yet acknowledged. */
function fin_wait_1(): void {
  established();
  assert(tcp_socket_shutdown(h) == 0);
  assert(replied(TCP_ACK | TCP_FIN) && out_seq() == iss + 1, "spec: our FIN");
  our_nxt = iss + 2;
  step();
}

function fin_wait_2(): void {
  fin_wait_1();
  send(TCP_ACK, peer_nxt, iss + 2, PEER_WINDOW, 0, 0);
  assert(tcp_socket_state(h) == FIN_WAIT_2);
  step();
}

function close_wait(): void {
  established();
  send(TCP_ACK | TCP_FIN, peer_nxt, iss + 1, PEER_WINDOW, 0, 0);
  set_peer_nxt(peer_nxt + 1);
  assert(tcp_socket_state(h) == CLOSE_WAIT);
  step();
}

/** Both FINs crossed: ours is not acknowledged yet. */
function closing(): void {
  fin_wait_1();
  send(TCP_ACK | TCP_FIN, peer_nxt, iss + 1, PEER_WINDOW, 0, 0);
  set_peer_nxt(peer_nxt + 1);
  assert(tcp_socket_state(h) == CLOSING);
  step();
}

function last_ack(): void {
  close_wait();
  assert(tcp_socket_shutdown(h) == 0);
  assert(replied(TCP_ACK | TCP_FIN) && out_seq() == iss + 1, "spec: our FIN");
  our_nxt = iss + 2;
  step();
}

function time_wait(): void {
  fin_wait_2();
  send(TCP_ACK | TCP_FIN, peer_nxt, iss + 2, PEER_WINDOW, 0, 0);
  set_peer_nxt(peer_nxt + 1);
  assert(tcp_socket_state(h) == TIME_WAIT);
  step();
}

/** The one reply is an ACK with SEQ = our SND.NXT and ACK = the peer's next sequence number. */
function acked_plainly(): bool {
  return replied(TCP_ACK) && out_seq() == our_nxt && out_ack() == peer_nxt && out_len() == 0;
}

// Cells shared by the synchronized states.

function syn_gets_challenge_ack(setup: () => void): void {
  setup();
  const state = tcp_socket_state(h);
  send(TCP_SYN, peer_nxt + 10, 0, PEER_WINDOW, 0, 0);
  expect<bool>(acked_plainly()).toBe(true);
  expect<u32>(delta(Counter.tcp_tx_challenge_ack)).toBe(1);
  expect<i32>(tcp_socket_state(h)).toBe(state);
}

function rst_in_window_gets_challenge_ack(setup: () => void): void {
  setup();
  const state = tcp_socket_state(h);
  send(TCP_RST, peer_nxt + 100, 0, 0, 0, 0);
  expect<bool>(acked_plainly()).toBe(true);
  expect<u32>(delta(Counter.tcp_tx_challenge_ack)).toBe(1);
  expect<i32>(tcp_socket_state(h)).toBe(state);
}

function rst_outside_window_ignored(setup: () => void): void {
  setup();
  const state = tcp_socket_state(h);
  send(TCP_RST, peer_nxt + 100_000, 0, 0, 0, 0);
  send(TCP_RST | TCP_ACK, peer_nxt - 1, our_nxt, 0, 0, 0);
  expect<i32>(sent()).toBe(0);
  expect<i32>(tcp_socket_state(h)).toBe(state);
}

function rst_exact_closes(setup: () => void): void {
  setup();
  send(TCP_RST, peer_nxt, 0, 0, 0, 0);
  expect<i32>(sent()).toBe(0);
  expect<i32>(tcp_socket_state(h)).toBe(CLOSED);
  expect<u32>(delta(Counter.tcp_rx_rst)).toBe(1);
}

function ack_too_new_gets_ack(setup: () => void): void {
  setup();
  const state = tcp_socket_state(h);
  send(TCP_ACK, peer_nxt, our_nxt + 1000, PEER_WINDOW, 0, 0);
  expect<bool>(acked_plainly()).toBe(true);
  expect<u32>(delta(Counter.tcp_rx_bad_ack)).toBe(1);
  expect<i32>(tcp_socket_state(h)).toBe(state);
}

function ack_too_old_gets_challenge_ack(setup: () => void): void {
  setup();
  const state = tcp_socket_state(h);
  // Below SND.UNA - MAX.SND.WND (RFC 5961 5.2).
  send(TCP_ACK, peer_nxt, iss + 1 - 70_000, PEER_WINDOW, 0, 0);
  expect<bool>(acked_plainly()).toBe(true);
  expect<u32>(delta(Counter.tcp_tx_challenge_ack)).toBe(1);
  expect<i32>(tcp_socket_state(h)).toBe(state);
}

function old_duplicate_gets_ack(setup: () => void): void {
  setup();
  const state = tcp_socket_state(h);
  send(TCP_ACK, peer_nxt - 60, our_nxt, PEER_WINDOW, 50, 1);
  expect<bool>(acked_plainly()).toBe(true);
  expect<u32>(delta(Counter.tcp_rx_not_acceptable)).toBe(1);
  expect<i32>(tcp_socket_state(h)).toBe(state);
}

describe("tcp states: CLOSED (no socket)", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
  });

  it("SYN -> RST+ACK, SEQ 0, ACK = SEG.SEQ + 1 (3.10.7.1)", () => {
    send(TCP_SYN, 1000, 0, PEER_WINDOW, 0, 0);
    expect<bool>(replied(TCP_RST | TCP_ACK)).toBe(true);
    expect<u32>(out_seq()).toBe(0);
    expect<u32>(out_ack()).toBe(1001);
    expect<u32>(out_window()).toBe(0);
    expect<u32>(delta(Counter.tcp_rx_no_socket)).toBe(1);
  });

  it("ACK (with data) -> RST, SEQ = SEG.ACK", () => {
    send(TCP_ACK | TCP_PSH, 1000, 0xdeadbeef, PEER_WINDOW, 20, 1);
    expect<bool>(replied(TCP_RST)).toBe(true);
    expect<u32>(out_seq()).toBe(0xdeadbeef);
    expect<u32>(out_ack()).toBe(0);
  });

  it("data without ACK -> RST+ACK, ACK = SEG.SEQ + SEG.LEN (FIN and SYN count)", () => {
    send(TCP_PSH, 0xffffffc0, 0, PEER_WINDOW, 100, 1);
    expect<bool>(replied(TCP_RST | TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(0xffffffc0 + 100);
    step();
    send(TCP_FIN | TCP_SYN, 500, 0, PEER_WINDOW, 10, 1);
    expect<bool>(replied(TCP_RST | TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(512);
  });

  it("RST -> nothing", () => {
    send(TCP_RST, 1000, 0, 0, 0, 0);
    send(TCP_RST | TCP_ACK, 1000, 5, 0, 0, 0);
    expect<i32>(sent()).toBe(0);
  });

  it("a socket opened but neither listening nor connected is CLOSED too: RST", () => {
    tcp_socket_open();
    send(TCP_SYN, 1000, 0, PEER_WINDOW, 0, 0);
    expect<bool>(replied(TCP_RST | TCP_ACK)).toBe(true);
  });
});

describe("tcp states: LISTEN", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    listen_on_server_port();
    step();
  });

  it("SYN -> SYN-ACK acknowledging SEG.SEQ + 1; a child in SYN-RECEIVED; the listener stays", () => {
    send_syn_from_peer(TCP_SYN, IRS, 0, PEER_WINDOW);
    expect<bool>(replied(TCP_SYN | TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(IRS + 1);
    expect<bool>(out_window() > 0).toBe(true);
    const child = syn_received_child();
    expect<bool>(child >= 0).toBe(true);
    expect<u32>(tcb(child).iss).toBe(out_seq());
    expect<i32>(tcp_socket_state(listener)).toBe(LISTEN);
  });

  it("ACK -> RST, SEQ = SEG.ACK", () => {
    send(TCP_ACK, IRS, 0x12345678, PEER_WINDOW, 0, 0);
    expect<bool>(replied(TCP_RST)).toBe(true);
    expect<u32>(out_seq()).toBe(0x12345678);
    expect<i32>(tcp_socket_state(listener)).toBe(LISTEN);
  });

  it("SYN-ACK -> RST, SEQ = SEG.ACK", () => {
    send(TCP_SYN | TCP_ACK, IRS, 777, PEER_WINDOW, 0, 0);
    expect<bool>(replied(TCP_RST)).toBe(true);
    expect<u32>(out_seq()).toBe(777);
    expect<i32>(syn_received_child()).toBe(-1);
  });

  it("RST -> nothing", () => {
    send(TCP_RST, IRS, 0, 0, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(listener)).toBe(LISTEN);
  });

  it("FIN or data without SYN or ACK -> dropped", () => {
    send(TCP_FIN, IRS, 0, PEER_WINDOW, 0, 0);
    send(TCP_PSH, IRS, 0, PEER_WINDOW, 10, 1);
    expect<i32>(sent()).toBe(0);
    expect<i32>(syn_received_child()).toBe(-1);
  });

  it("SYN beyond the backlog -> RST+ACK (SEQ 0, ACK = SEG.SEQ + 1), or silence when refusing quietly", () => {
    for (let k: u32 = 0; k < 4; k++) {
      set_ports(SERVER_PORT, 41000 + k);
      send(TCP_SYN, 100 * k, 0, PEER_WINDOW, 0, 0);
      expect<bool>(replied(TCP_SYN | TCP_ACK)).toBe(true);
      step();
    }
    set_ports(SERVER_PORT, 41004);
    send(TCP_SYN, 5000, 0, PEER_WINDOW, 0, 0);
    expect<bool>(replied(TCP_RST | TCP_ACK)).toBe(true);
    expect<u32>(out_seq()).toBe(0);
    expect<u32>(out_ack()).toBe(5001);
    expect<u32>(delta(Counter.tcp_syn_backlog_full)).toBe(1);
    step();
    tcp_set_refuse_with_rst(false);
    send(TCP_SYN, 6000, 0, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<u32>(delta(Counter.tcp_syn_backlog_full)).toBe(1);
  });
});

describe("tcp states: SYN-SENT", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    h = connect_to_peer(5001);
    our_nxt = iss + 1;
  });

  it("the SYN: SEQ = ISS, no ACK, MSS and SACK-permitted offered", () => {
    expect<i32>(tcp_socket_state(h)).toBe(SYN_SENT);
    expect<u32>(tcb(h).snd_nxt).toBe(iss + 1);
  });

  it("SYN-ACK acknowledging our SYN -> ESTABLISHED, ACK with SEQ = ISS + 1, ACK = IRS + 1", () => {
    send_syn_from_peer(TCP_SYN | TCP_ACK, IRS, iss + 1, PEER_WINDOW);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<u32>(out_seq()).toBe(iss + 1);
    expect<u32>(out_ack()).toBe(IRS + 1);
    expect<i32>(tcp_socket_state(h)).toBe(ESTABLISHED);
    expect<u32>(tcp_socket_events(h) & TCP_EV_CONNECTED).toBe(TCP_EV_CONNECTED);
  });

  it("SYN-ACK with SEG.ACK =< ISS -> RST, SEQ = SEG.ACK; still SYN-SENT", () => {
    send_syn_from_peer(TCP_SYN | TCP_ACK, IRS, iss, PEER_WINDOW);
    expect<bool>(replied(TCP_RST)).toBe(true);
    expect<u32>(out_seq()).toBe(iss);
    expect<i32>(tcp_socket_state(h)).toBe(SYN_SENT);
  });

  it("ACK with SEG.ACK > SND.NXT -> RST, SEQ = SEG.ACK; still SYN-SENT", () => {
    send(TCP_ACK, IRS, iss + 5, PEER_WINDOW, 0, 0);
    expect<bool>(replied(TCP_RST)).toBe(true);
    expect<u32>(out_seq()).toBe(iss + 5);
    expect<i32>(tcp_socket_state(h)).toBe(SYN_SENT);
  });

  it("acceptable ACK without SYN -> dropped, still SYN-SENT", () => {
    send(TCP_ACK, IRS, iss + 1, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(SYN_SENT);
  });

  it("RST+ACK acknowledging the SYN -> CLOSED with ECONNREFUSED, no reply", () => {
    send(TCP_RST | TCP_ACK, 0, iss + 1, 0, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(CLOSED);
    expect<i32>(tcp_socket_error(h)).toBe(ECONNREFUSED);
  });

  it("RST without ACK, or with an unacceptable ACK -> dropped", () => {
    send(TCP_RST, 0, 0, 0, 0, 0);
    send(TCP_RST | TCP_ACK, 0, iss + 9, 0, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(SYN_SENT);
  });

  it("SYN (simultaneous open) -> SYN-RECEIVED, SYN-ACK from the same ISS; its ACK -> ESTABLISHED", () => {
    send_syn_from_peer(TCP_SYN, IRS, 0, PEER_WINDOW);
    expect<bool>(replied(TCP_SYN | TCP_ACK)).toBe(true);
    expect<u32>(out_seq()).toBe(iss);
    expect<u32>(out_ack()).toBe(IRS + 1);
    expect<i32>(tcp_socket_state(h)).toBe(SYN_RECEIVED);
    step();
    send(TCP_ACK, IRS + 1, iss + 1, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(ESTABLISHED);
  });

  it("FIN or data without SYN -> dropped", () => {
    send(TCP_FIN, IRS, 0, PEER_WINDOW, 0, 0);
    send(TCP_PSH, IRS, 0, PEER_WINDOW, 10, 1);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(SYN_SENT);
  });
});

let child: i32 = -1;

describe("tcp states: SYN-RECEIVED (passive)", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    child = half_open(IRS);
    our_nxt = iss + 1;
  });

  it("ACK of the SYN-ACK -> ESTABLISHED, no reply, accept() hands it out", () => {
    send(TCP_ACK, IRS + 1, iss + 1, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcb(child).state).toBe(ESTABLISHED);
    expect<i32>(tcp_socket_accept(listener)).toBe(child);
  });

  it("ACK with data -> ESTABLISHED and the data is readable", () => {
    send(TCP_ACK | TCP_PSH, IRS + 1, iss + 1, PEER_WINDOW, 30, 9);
    const c = tcp_socket_accept(listener);
    expect<i32>(c).toBe(child);
    expect<i32>(tcp_socket_recv(c, buf, 100)).toBe(30);
    expect<bool>(has_pattern(buf, 9, 0, 30)).toBe(true);
  });

  it("ACK of nothing new (SEG.ACK = ISS) -> RST, SEQ = SEG.ACK; still SYN-RECEIVED", () => {
    send(TCP_ACK, IRS + 1, iss, PEER_WINDOW, 0, 0);
    expect<bool>(replied(TCP_RST)).toBe(true);
    expect<u32>(out_seq()).toBe(iss);
    expect<i32>(tcb(child).state).toBe(SYN_RECEIVED);
  });

  it("ACK beyond SND.NXT -> RST, SEQ = SEG.ACK; still SYN-RECEIVED", () => {
    send(TCP_ACK, IRS + 1, iss + 2, PEER_WINDOW, 0, 0);
    expect<bool>(replied(TCP_RST)).toBe(true);
    expect<u32>(out_seq()).toBe(iss + 2);
    expect<i32>(tcb(child).state).toBe(SYN_RECEIVED);
  });

  it("the SYN again (our SYN-ACK was lost) -> the same SYN-ACK", () => {
    send_syn_from_peer(TCP_SYN, IRS, 0, PEER_WINDOW);
    expect<bool>(replied(TCP_SYN | TCP_ACK)).toBe(true);
    expect<u32>(out_seq()).toBe(iss);
    expect<u32>(out_ack()).toBe(IRS + 1);
  });

  it("RST exact -> the child is gone (back to the listener), no reply", () => {
    send(TCP_RST, IRS + 1, 0, 0, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<bool>(slot_free(child)).toBe(true);
    expect<i32>(tcb(listener).children).toBe(0);
    expect<i32>(tcp_socket_state(listener)).toBe(LISTEN);
  });

  it("RST in the window, not exact -> challenge ACK (RFC 5961 3.2)", () => {
    send(TCP_RST, IRS + 50, 0, 0, 0, 0);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcb(child).state).toBe(SYN_RECEIVED);
  });

  it("RST outside the window -> nothing", () => {
    send(TCP_RST, IRS + 100_000, 0, 0, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcb(child).state).toBe(SYN_RECEIVED);
  });

  it("data without ACK -> dropped", () => {
    send(TCP_PSH, IRS + 1, 0, PEER_WINDOW, 10, 1);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcb(child).state).toBe(SYN_RECEIVED);
  });

  // Regression (fixed in a78e64e): an unacceptable segment in SYN-RECEIVED set F_ACK_NOW, but
  // rx_tcp only ran tcp_output for states >= ESTABLISHED, so the ACK never went out.
  it("segment outside the window -> ACK (RFC 9293 3.10.7.4 first check)", () => {
    send(TCP_ACK | TCP_PSH, IRS + 100_000, iss + 1, PEER_WINDOW, 10, 1);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcb(child).state).toBe(SYN_RECEIVED);
  });
});

describe("tcp states: ESTABLISHED", () => {
  beforeEach(() => {
    established();
  });

  it("is reached by a passive open", () => {
    expect<i32>(tcp_socket_state(h)).toBe(ESTABLISHED);
    expect<u32>(tcb(h).snd_nxt).toBe(our_nxt);
    expect<u32>(tcb(h).rcv_nxt).toBe(IRS + 1);
  });

  it("SYN -> challenge ACK (RFC 5961 4.2)", () => { syn_gets_challenge_ack(established); });
  it("RST in window, not exact -> challenge ACK", () => { rst_in_window_gets_challenge_ack(established); });
  it("RST outside the window -> nothing", () => { rst_outside_window_ignored(established); });
  it("ACK too new -> ACK, dropped", () => { ack_too_new_gets_ack(established); });
  it("ACK too old -> challenge ACK (RFC 5961 5.2)", () => { ack_too_old_gets_challenge_ack(established); });
  it("old duplicate data -> ACK", () => { old_duplicate_gets_ack(established); });

  it("RST exact -> CLOSED with ECONNRESET, no reply", () => {
    rst_exact_closes(established);
    expect<i32>(tcp_socket_error(h)).toBe(ECONNRESET);
  });

  it("a retransmitted SYN-ACK (old) -> ACK", () => {
    send(TCP_SYN | TCP_ACK, IRS, iss + 1, PEER_WINDOW, 0, 0);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcp_socket_state(h)).toBe(ESTABLISHED);
  });

  it("acceptable ACK of our data -> no reply, SND.UNA advances", () => {
    expect<i32>(tcp_socket_send(h, buf, 100)).toBe(100);
    expect<bool>(replied(TCP_ACK | TCP_PSH)).toBe(true);
    expect<u32>(out_seq()).toBe(iss + 1);
    expect<i32>(out_len()).toBe(100);
    step();
    send(TCP_ACK, peer_nxt, iss + 101, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<u32>(tcb(h).snd_una).toBe(iss + 101);
  });

  it("data in order -> delivered; the ACK is delayed", () => {
    send(TCP_ACK | TCP_PSH, peer_nxt, our_nxt, PEER_WINDOW, 100, 3);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_recv(h, buf, 1000)).toBe(100);
    expect<bool>(has_pattern(buf, 3, 0, 100)).toBe(true);
  });

  it("data out of order -> immediate ACK of RCV.NXT, held until the hole fills", () => {
    send(TCP_ACK, peer_nxt + 100, our_nxt, PEER_WINDOW, 100, 5);
    expect<bool>(acked_plainly()).toBe(true);
    expect<u32>(delta(Counter.tcp_rx_out_of_order)).toBe(1);
    expect<i32>(tcp_socket_recv(h, buf, 1000)).toBe(-11); // EAGAIN
    step();
    send(TCP_ACK, peer_nxt, our_nxt, PEER_WINDOW, 100, 4);
    // Filling a hole is acknowledged at once (RFC 5681 4.2).
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(peer_nxt + 200);
    expect<i32>(tcp_socket_recv(h, buf, 1000)).toBe(200);
    expect<bool>(has_pattern(buf, 4, 0, 100)).toBe(true);
    expect<bool>(has_pattern(buf + 100, 5, 0, 100)).toBe(true);
  });

  it("data beyond the window -> ACK, nothing taken", () => {
    send(TCP_ACK, peer_nxt + 8192 + 100, our_nxt, PEER_WINDOW, 100, 5);
    expect<bool>(acked_plainly()).toBe(true);
    expect<u32>(delta(Counter.tcp_rx_not_acceptable)).toBe(1);
    expect<u32>(tcb(h).rcv_nxt).toBe(peer_nxt);
  });

  it("FIN -> CLOSE-WAIT, ACK of the FIN, EOF for the reader", () => {
    send(TCP_ACK | TCP_FIN, peer_nxt, our_nxt, PEER_WINDOW, 0, 0);
    set_peer_nxt(peer_nxt + 1);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcp_socket_state(h)).toBe(CLOSE_WAIT);
    expect<i32>(tcp_socket_recv(h, buf, 10)).toBe(0);
  });

  it("FIN with data -> both taken, one ACK", () => {
    send(TCP_ACK | TCP_FIN, peer_nxt, our_nxt, PEER_WINDOW, 20, 2);
    set_peer_nxt(peer_nxt + 21);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcp_socket_recv(h, buf, 100)).toBe(20);
    expect<i32>(tcp_socket_recv(h, buf, 100)).toBe(0);
  });

  // Regression (fixed in a78e64e): a FIN-only segment ahead of RCV.NXT was dropped without the
  // immediate duplicate ACK an out-of-order segment should draw (RFC 5681 4.2).
  it("FIN out of order -> not taken, immediate ACK of RCV.NXT, state unchanged", () => {
    send(TCP_ACK | TCP_FIN, peer_nxt + 10, our_nxt, PEER_WINDOW, 0, 0);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcp_socket_state(h)).toBe(ESTABLISHED);
  });

  it("segment without ACK -> dropped", () => {
    send(TCP_PSH, peer_nxt, 0, PEER_WINDOW, 10, 1);
    expect<i32>(sent()).toBe(0);
    expect<u32>(tcb(h).rcv_nxt).toBe(peer_nxt);
  });
});

describe("tcp states: FIN-WAIT-1", () => {
  beforeEach(() => {
    fin_wait_1();
  });

  it("ACK of our FIN -> FIN-WAIT-2, no reply", () => {
    expect<i32>(tcp_socket_state(h)).toBe(FIN_WAIT_1);
    send(TCP_ACK, peer_nxt, iss + 2, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(FIN_WAIT_2);
  });

  it("ACK not covering the FIN -> stays FIN-WAIT-1", () => {
    send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(FIN_WAIT_1);
  });

  it("FIN (ours unacknowledged) -> CLOSING, ACK", () => {
    send(TCP_ACK | TCP_FIN, peer_nxt, iss + 1, PEER_WINDOW, 0, 0);
    set_peer_nxt(peer_nxt + 1);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcp_socket_state(h)).toBe(CLOSING);
  });

  it("FIN acknowledging ours -> TIME-WAIT, ACK", () => {
    send(TCP_ACK | TCP_FIN, peer_nxt, iss + 2, PEER_WINDOW, 0, 0);
    set_peer_nxt(peer_nxt + 1);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcp_socket_state(h)).toBe(TIME_WAIT);
    expect<i32>(time_wait_count()).toBe(1);
  });

  it("data is still received", () => {
    send(TCP_ACK | TCP_PSH, peer_nxt, iss + 2, PEER_WINDOW, 40, 6);
    expect<i32>(tcp_socket_recv(h, buf, 100)).toBe(40);
    expect<i32>(tcp_socket_state(h)).toBe(FIN_WAIT_2);
  });

  it("SYN -> challenge ACK", () => { syn_gets_challenge_ack(fin_wait_1); });
  it("RST in window, not exact -> challenge ACK", () => { rst_in_window_gets_challenge_ack(fin_wait_1); });
  it("RST outside the window -> nothing", () => { rst_outside_window_ignored(fin_wait_1); });
  it("RST exact -> CLOSED", () => { rst_exact_closes(fin_wait_1); });
  it("ACK too new -> ACK", () => { ack_too_new_gets_ack(fin_wait_1); });
  it("ACK too old -> challenge ACK", () => { ack_too_old_gets_challenge_ack(fin_wait_1); });
  it("old duplicate data -> ACK", () => { old_duplicate_gets_ack(fin_wait_1); });
});

describe("tcp states: FIN-WAIT-2", () => {
  beforeEach(() => {
    fin_wait_2();
  });

  it("FIN -> TIME-WAIT, ACK of the FIN", () => {
    send(TCP_ACK | TCP_FIN, peer_nxt, our_nxt, PEER_WINDOW, 0, 0);
    set_peer_nxt(peer_nxt + 1);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcp_socket_state(h)).toBe(TIME_WAIT);
  });

  it("bare ACK -> nothing, stays", () => {
    send(TCP_ACK, peer_nxt, our_nxt, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(FIN_WAIT_2);
  });

  it("data is still received", () => {
    send(TCP_ACK | TCP_PSH, peer_nxt, our_nxt, PEER_WINDOW, 40, 6);
    expect<i32>(tcp_socket_recv(h, buf, 100)).toBe(40);
  });

  it("SYN -> challenge ACK", () => { syn_gets_challenge_ack(fin_wait_2); });
  it("RST in window, not exact -> challenge ACK", () => { rst_in_window_gets_challenge_ack(fin_wait_2); });
  it("RST outside the window -> nothing", () => { rst_outside_window_ignored(fin_wait_2); });
  it("RST exact -> CLOSED", () => { rst_exact_closes(fin_wait_2); });
  it("ACK too new -> ACK", () => { ack_too_new_gets_ack(fin_wait_2); });
  it("ACK too old -> challenge ACK", () => { ack_too_old_gets_challenge_ack(fin_wait_2); });
  it("old duplicate data -> ACK", () => { old_duplicate_gets_ack(fin_wait_2); });
});

describe("tcp states: CLOSE-WAIT", () => {
  beforeEach(() => {
    close_wait();
  });

  it("a retransmitted FIN -> ACK, stays", () => {
    send(TCP_ACK | TCP_FIN, peer_nxt - 1, our_nxt, PEER_WINDOW, 0, 0);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcp_socket_state(h)).toBe(CLOSE_WAIT);
  });

  it("we may still send; close -> LAST-ACK with FIN after the data", () => {
    expect<i32>(tcp_socket_send(h, buf, 10)).toBe(10);
    expect<u32>(out_seq()).toBe(iss + 1);
    step();
    expect<i32>(tcp_socket_shutdown(h)).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(LAST_ACK);
    // Nagle holds neither the data (sent) nor the FIN: FIN at ISS + 11.
    expect<bool>(replied(TCP_ACK | TCP_FIN)).toBe(true);
    expect<u32>(out_seq()).toBe(iss + 11);
  });

  it("SYN -> challenge ACK", () => { syn_gets_challenge_ack(close_wait); });
  it("RST in window, not exact -> challenge ACK", () => { rst_in_window_gets_challenge_ack(close_wait); });
  it("RST outside the window -> nothing", () => { rst_outside_window_ignored(close_wait); });
  it("RST exact -> CLOSED", () => { rst_exact_closes(close_wait); });
  it("ACK too new -> ACK", () => { ack_too_new_gets_ack(close_wait); });
  it("ACK too old -> challenge ACK", () => { ack_too_old_gets_challenge_ack(close_wait); });
  it("old duplicate data -> ACK", () => { old_duplicate_gets_ack(close_wait); });
});

describe("tcp states: CLOSING", () => {
  beforeEach(() => {
    closing();
  });

  it("ACK of our FIN -> TIME-WAIT, no reply", () => {
    send(TCP_ACK, peer_nxt, iss + 2, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(TIME_WAIT);
  });

  it("a retransmitted FIN -> ACK, stays", () => {
    send(TCP_ACK | TCP_FIN, peer_nxt - 1, iss + 1, PEER_WINDOW, 0, 0);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcp_socket_state(h)).toBe(CLOSING);
  });

  it("SYN -> challenge ACK", () => { syn_gets_challenge_ack(closing); });
  it("RST in window, not exact -> challenge ACK", () => { rst_in_window_gets_challenge_ack(closing); });
  it("RST outside the window -> nothing", () => { rst_outside_window_ignored(closing); });
  it("RST exact -> CLOSED", () => { rst_exact_closes(closing); });
  it("ACK too new -> ACK", () => { ack_too_new_gets_ack(closing); });
  it("ACK too old -> challenge ACK", () => { ack_too_old_gets_challenge_ack(closing); });
});

describe("tcp states: LAST-ACK", () => {
  beforeEach(() => {
    last_ack();
  });

  it("ACK of our FIN -> CLOSED, no reply, no error", () => {
    send(TCP_ACK, peer_nxt, iss + 2, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(CLOSED);
    expect<i32>(tcp_socket_error(h)).toBe(0);
  });

  it("a retransmitted FIN -> ACK, stays", () => {
    send(TCP_ACK | TCP_FIN, peer_nxt - 1, iss + 1, PEER_WINDOW, 0, 0);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(tcp_socket_state(h)).toBe(LAST_ACK);
  });

  it("a released handle frees the slot once the FIN is acknowledged", () => {
    expect<i32>(tcp_socket_close(h)).toBe(0);
    send(TCP_ACK, peer_nxt, iss + 2, PEER_WINDOW, 0, 0);
    expect<bool>(slot_free(h)).toBe(true);
  });

  it("SYN -> challenge ACK", () => { syn_gets_challenge_ack(last_ack); });
  it("RST in window, not exact -> challenge ACK", () => { rst_in_window_gets_challenge_ack(last_ack); });
  it("RST outside the window -> nothing", () => { rst_outside_window_ignored(last_ack); });
  it("RST exact -> CLOSED", () => { rst_exact_closes(last_ack); });
  it("ACK too new -> ACK", () => { ack_too_new_gets_ack(last_ack); });
  it("ACK too old -> challenge ACK", () => { ack_too_old_gets_challenge_ack(last_ack); });
});

describe("tcp states: TIME-WAIT (compact table)", () => {
  beforeEach(() => {
    time_wait();
  });

  it("holds the connection in the table; the socket reports TIME-WAIT", () => {
    expect<i32>(time_wait_count()).toBe(1);
    expect<i32>(tcp_socket_state(h)).toBe(TIME_WAIT);
  });

  it("a retransmitted FIN -> ACK (SEQ = SND.NXT, ACK = RCV.NXT) and the 2 MSL wait restarts", () => {
    poll_at(T0 + 2 * TCP_MSL_MS - 1000);
    step();
    send(TCP_ACK | TCP_FIN, peer_nxt - 1, our_nxt, PEER_WINDOW, 0, 0);
    expect<bool>(acked_plainly()).toBe(true);
    poll_at(T0 + 2 * TCP_MSL_MS + 1000);
    expect<i32>(time_wait_count()).toBe(1);
    poll_at(T0 + 4 * TCP_MSL_MS);
    expect<i32>(time_wait_count()).toBe(0);
  });

  it("bare ACK -> nothing", () => {
    send(TCP_ACK, peer_nxt, our_nxt, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
  });

  it("data -> ACK", () => {
    send(TCP_ACK, peer_nxt, our_nxt, PEER_WINDOW, 10, 1);
    expect<bool>(acked_plainly()).toBe(true);
  });

  it("RST -> ignored, the entry stays (RFC 1337)", () => {
    send(TCP_RST, peer_nxt, 0, 0, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(time_wait_count()).toBe(1);
  });

  it("a new SYN beyond RCV.NXT with a listener -> a new incarnation (SYN-ACK)", () => {
    send_syn_from_peer(TCP_SYN, peer_nxt + 100_000, 0, PEER_WINDOW);
    expect<bool>(replied(TCP_SYN | TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(peer_nxt + 100_001);
    expect<i32>(time_wait_count()).toBe(0);
  });

  it("a new SYN without a listener -> RST", () => {
    tcp_socket_close(listener);
    send_syn_from_peer(TCP_SYN, peer_nxt + 100_000, 0, PEER_WINDOW);
    expect<bool>(replied(TCP_RST | TCP_ACK)).toBe(true);
  });

  // Regression (fixed in a78e64e): an old SYN in TIME-WAIT was dropped silently; RFC 9293
  // 3.10.7.4 (fourth check) and RFC 5961 4 ask for a (challenge) ACK.
  it("an old SYN (at or below RCV.NXT) -> challenge ACK, the entry stays", () => {
    send_syn_from_peer(TCP_SYN, IRS, 0, PEER_WINDOW);
    expect<bool>(acked_plainly()).toBe(true);
    expect<i32>(time_wait_count()).toBe(1);
  });

  it("after 2 MSL the entry is gone: segments get a RST", () => {
    poll_at(T0 + 2 * TCP_MSL_MS);
    expect<i32>(time_wait_count()).toBe(0);
    step();
    send(TCP_ACK | TCP_FIN, peer_nxt - 1, our_nxt, PEER_WINDOW, 0, 0);
    expect<bool>(replied(TCP_RST)).toBe(true);
    expect<u32>(out_seq()).toBe(our_nxt);
  });
});
