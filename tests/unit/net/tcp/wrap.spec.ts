// Sequence numbers that start near the 2^32 wrap: our ISS (chosen through the clock term of
// the RFC 6528 ISN) and the peer's IRS, with data, out-of-order data and FINs across 0.
import { Counter } from "../../../../assembly/lib/counters";
import { tcb, CLOSE_WAIT, FIN_WAIT_2, ESTABLISHED } from "../../../../assembly/net/tcp/tcb";
import {
  tcp_socket_recv, tcp_socket_send, tcp_socket_set_nodelay, tcp_socket_shutdown, tcp_socket_state,
} from "../../../../assembly/socket/tcp";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST } from "../../../../assembly/wire/tcp";
import { delta, sent } from "../../helpers/net";
import {
  active_open, clock_for_iss, has_pattern, iss, out_ack, out_len, out_seq, passive_open, peer_nxt, rebase_clock, replied,
  send, set_peer_nxt, step, tcp_spec_reset, PEER_WINDOW, T0,
} from "../../helpers/tcp";

const buf: usize = memory.data(4096, 8);
let h: i32 = -1;

describe("tcp wrap: our ISS just below 2^32", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    rebase_clock(clock_for_iss(0xffffffc0));
    h = passive_open(0x1000, PEER_WINDOW);
  });

  it("the ISS read from the SYN-ACK is within 250 of the target", () => {
    expect<bool>(iss > 0xfffffec6 && iss <= 0xffffffc0).toBe(true);
  });

  it("data across 0 is sent, acknowledged by a wrapped ACK, and the FIN after it too", () => {
    tcp_socket_set_nodelay(h, true);
    step();
    expect<i32>(tcp_socket_send(h, buf, 400)).toBe(400);
    expect<u32>(out_seq()).toBe(iss + 1);
    const end: u32 = iss + 401;
    expect<bool>(end < 0x1000).toBe(true); // wrapped
    step();
    send(TCP_ACK, peer_nxt, end, PEER_WINDOW, 0, 0);
    expect<u32>(tcb(h).snd_una).toBe(end);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_shutdown(h)).toBe(0);
    expect<bool>(replied(TCP_ACK | TCP_FIN)).toBe(true);
    expect<u32>(out_seq()).toBe(end);
    step();
    send(TCP_ACK, peer_nxt, end + 1, PEER_WINDOW, 0, 0);
    expect<i32>(tcp_socket_state(h)).toBe(FIN_WAIT_2);
  });

  it("an ACK from before the wrap (old) is not taken as new", () => {
    tcp_socket_set_nodelay(h, true);
    expect<i32>(tcp_socket_send(h, buf, 400)).toBe(400);
    step();
    send(TCP_ACK, peer_nxt, iss + 100, PEER_WINDOW, 0, 0);
    expect<u32>(tcb(h).snd_una).toBe(iss + 100);
    send(TCP_ACK, peer_nxt, iss + 50, PEER_WINDOW, 0, 0);
    expect<u32>(tcb(h).snd_una).toBe(iss + 100);
  });
});

describe("tcp wrap: the peer's IRS just below 2^32", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
  });

  it("passive: in-order and out-of-order data across 0, then a FIN after the wrap", () => {
    h = passive_open(0xffffff80, PEER_WINDOW);
    expect<u32>(peer_nxt).toBe(0xffffff81);
    // The second half first: it lies after 0.
    send(TCP_ACK, peer_nxt + 200, iss + 1, PEER_WINDOW, 200, 2);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(0xffffff81);
    step();
    send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 200, 1);
    expect<u32>(out_ack()).toBe(0xffffff81 + 400);
    expect<i32>(tcp_socket_recv(h, buf, 1000)).toBe(400);
    expect<bool>(has_pattern(buf, 1, 0, 200)).toBe(true);
    expect<bool>(has_pattern(buf + 200, 2, 0, 200)).toBe(true);
    set_peer_nxt(peer_nxt + 400);
    step();
    send(TCP_ACK | TCP_FIN, peer_nxt, iss + 1, PEER_WINDOW, 0, 0);
    expect<i32>(tcp_socket_state(h)).toBe(CLOSE_WAIT);
    expect<u32>(out_ack()).toBe(peer_nxt + 1);
  });

  it("passive: a RST exactly at the wrapped RCV.NXT resets, one byte off is challenged", () => {
    h = passive_open(0xffffffff, PEER_WINDOW);
    expect<u32>(peer_nxt).toBe(0);
    send(TCP_RST, 1, 0, 0, 0, 0);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<u32>(delta(Counter.tcp_tx_challenge_ack)).toBe(1);
    send(TCP_RST, 0, 0, 0, 0, 0);
    expect<i32>(tcp_socket_state(h)).toBe(1); // CLOSED
  });

  it("active: data right after an IRS of 0xfffffff0 is taken", () => {
    h = active_open(0xfffffff0, PEER_WINDOW);
    send(TCP_ACK | TCP_PSH, peer_nxt, iss + 1, PEER_WINDOW, 100, 4);
    expect<i32>(tcp_socket_recv(h, buf, 1000)).toBe(100);
    expect<bool>(has_pattern(buf, 4, 0, 100)).toBe(true);
    expect<u32>(tcb(h).rcv_nxt).toBe(0xfffffff1 + 100);
  });

  it("active: a segment beyond our advertised window is not acceptable (IRS in the lower half)", () => {
    h = active_open(0x10000000, PEER_WINDOW);
    send(TCP_RST, peer_nxt + 100_000, 0, 0, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<i32>(tcp_socket_state(h)).toBe(ESTABLISHED);
  });

  // Regression (fixed in 059f53e): the receive edge used to stay at the value from the SYN
  // (RCV.NXT 0 + window), so for an IRS in the upper half of the space acceptable() admitted
  // segments up to 2^31 beyond the real window.
  it("active: a segment beyond our advertised window is not acceptable (IRS in the upper half)", () => {
    h = active_open(0x90000000, PEER_WINDOW);
    expect<u32>(tcb(h).rcv_adv - tcb(h).rcv_nxt).toBeLessThanOrEqual(8192);
    send(TCP_RST, peer_nxt + 100_000, 0, 0, 0, 0);
    expect<i32>(sent()).toBe(0);
    step();
    send(TCP_ACK | TCP_PSH, peer_nxt + 100_000, iss + 1, PEER_WINDOW, 10, 1);
    expect<u32>(delta(Counter.tcp_rx_not_acceptable)).toBe(1);
  });
});
