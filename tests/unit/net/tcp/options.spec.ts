// Options on the wire as the TCP state machine uses them: malformed options, MSS (RFC 9293
// 3.7.1 / RFC 6691), window scale (RFC 7323 2), timestamps and PAWS (RFC 7323 3-5), SACK
// blocks for out-of-order data (RFC 2018).
import { OUR_MSS } from "../../../../assembly/net/tcp/output";
import { Counter } from "../../../../assembly/lib/counters";
import { tcb, ESTABLISHED, CLOSED } from "../../../../assembly/net/tcp/tcb";
import {
  tcp_socket_connect, tcp_socket_open, tcp_socket_recv, tcp_socket_send, tcp_socket_set_nodelay, tcp_socket_state,
} from "../../../../assembly/socket/tcp";
import { TCP_ACK, TCP_PSH, TCP_RST, TCP_SYN } from "../../../../assembly/wire/tcp";
import { delta, sent } from "../../helpers/net";
import {
  active_open, iss, listen_on_server_port, opt_byte, opt_clear, out_ack, out_byte, out_len, out_option, out_seq, out_u16, out_u32,
  out_tsval, passive_open, peer_nxt, replied, send, send_syn_from_peer, set_peer_ts, set_syn_options, set_ports, step, tcp_spec_reset,
  PEER_WINDOW, T0,
} from "../../helpers/tcp";

const IRS: u32 = 0x20000000;
const buf: usize = memory.data(4096, 8);
let h: i32 = -1;

@inline const OPT_MSS: u32 = 2;
@inline const OPT_WS: u32 = 3;
@inline const OPT_SACK_PERMITTED: u32 = 4;
@inline const OPT_SACK: u32 = 5;
@inline const OPT_TS: u32 = 8;

describe("tcp options: malformed options are dropped and counted", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    h = passive_open(IRS, PEER_WINDOW);
  });

  it("an MSS option of length 3: dropped, counted, no reply, no data taken", () => {
    opt_byte(2); opt_byte(3); opt_byte(5); opt_byte(1);
    send(TCP_ACK | TCP_PSH, peer_nxt, iss + 1, PEER_WINDOW, 10, 1);
    expect<u32>(delta(Counter.tcp_rx_bad_option)).toBe(1);
    expect<i32>(sent()).toBe(0);
    expect<u32>(tcb(h).rcv_nxt).toBe(peer_nxt);
  });

  it("an option length of 0 or running past the header: dropped", () => {
    opt_byte(8); opt_byte(0); opt_byte(1); opt_byte(1);
    send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 10, 1);
    opt_byte(1); opt_byte(1); opt_byte(8); opt_byte(30);
    send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 10, 1);
    expect<u32>(delta(Counter.tcp_rx_bad_option)).toBe(2);
    expect<i32>(sent()).toBe(0);
    expect<u32>(tcb(h).rcv_nxt).toBe(peer_nxt);
  });

  it("a malformed RST does not reset the connection", () => {
    opt_byte(2); opt_byte(3); opt_byte(5); opt_byte(1);
    send(TCP_RST, peer_nxt, 0, 0, 0, 0);
    expect<i32>(tcp_socket_state(h)).toBe(ESTABLISHED);
  });

  it("a malformed segment to a closed port draws no RST", () => {
    opt_byte(4); opt_byte(3); opt_byte(0); opt_byte(0);
    set_ports(81, 40001); // nobody listens on 81
    send(TCP_SYN, 1, 0, PEER_WINDOW, 0, 0);
    expect<i32>(sent()).toBe(0);
    expect<u32>(delta(Counter.tcp_rx_no_socket)).toBe(0);
    expect<u32>(delta(Counter.tcp_rx_bad_option)).toBe(1);
  });

  it("unknown option kinds are skipped by their length", () => {
    opt_byte(30); opt_byte(4); opt_byte(0); opt_byte(0);
    send(TCP_ACK | TCP_PSH, peer_nxt, iss + 1, PEER_WINDOW, 10, 1);
    expect<u32>(delta(Counter.tcp_rx_bad_option)).toBe(0);
    expect<u32>(tcb(h).rcv_nxt).toBe(peer_nxt + 10);
  });
});

describe("tcp options: the SYN-ACK answers what the SYN offered", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    listen_on_server_port();
    step();
  });

  it("SACK-permitted and timestamps offered: both echoed, TSecr = the peer's TSval, MSS = ours", () => {
    set_peer_ts(false, 777_777, 0);
    set_syn_options(1460, -1, true, true);
    send_syn_from_peer(TCP_SYN, IRS, 0, PEER_WINDOW);
    expect<bool>(replied(TCP_SYN | TCP_ACK)).toBe(true);
    const mss = out_option(OPT_MSS);
    expect<i32>(mss).toBeGreaterThan(0);
    expect<u32>(out_u16(mss + 2)).toBe(OUR_MSS);
    expect<i32>(out_option(OPT_SACK_PERMITTED)).toBeGreaterThan(0);
    const ts = out_option(OPT_TS);
    expect<i32>(ts).toBeGreaterThan(0);
    expect<u32>(out_u32(ts + 2)).toBe(T0); // TSval: our millisecond clock
    expect<u32>(out_u32(ts + 6)).toBe(777_777);
  });

  it("nothing offered: MSS only", () => {
    set_syn_options(0, -1, false, false);
    send_syn_from_peer(TCP_SYN, IRS, 0, PEER_WINDOW);
    expect<bool>(replied(TCP_SYN | TCP_ACK)).toBe(true);
    expect<i32>(out_option(OPT_MSS)).toBeGreaterThan(0);
    expect<i32>(out_option(OPT_SACK_PERMITTED)).toBe(-1);
    expect<i32>(out_option(OPT_TS)).toBe(-1);
    expect<i32>(out_option(OPT_WS)).toBe(-1);
  });
});

/** Sends n bytes with Nagle off; returns the frames that went out. */
function send_now(n: i32): i32 {
  tcp_socket_set_nodelay(h, true);
  step();
  expect<i32>(tcp_socket_send(h, buf, n)).toBe(n);
  return sent();
}

describe("tcp options: the peer's MSS sets our segment size", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
  });

  it("MSS 1000: 1000 bytes go in one segment, 1001 in two (1000 + 1)", () => {
    set_syn_options(1000, -1, false, false);
    h = passive_open(IRS, PEER_WINDOW);
    expect<i32>(send_now(1000)).toBe(1);
    expect<i32>(out_len()).toBe(1000);
    send(TCP_ACK, peer_nxt, iss + 1001, PEER_WINDOW, 0, 0);
    expect<i32>(send_now(1001)).toBe(2);
    expect<i32>(out_len()).toBe(1);
    expect<u32>(out_seq()).toBe(iss + 1 + 2000);
  });

  it("MSS 1000 with timestamps: 988 data bytes per segment (12 bytes of options)", () => {
    set_syn_options(1000, -1, false, true);
    h = passive_open(IRS, PEER_WINDOW);
    expect<i32>(send_now(988)).toBe(1);
    expect<i32>(out_len()).toBe(988);
    send(TCP_ACK, peer_nxt, iss + 989, PEER_WINDOW, 0, 0);
    expect<i32>(send_now(989)).toBe(2);
    expect<i32>(out_len()).toBe(1);
  });

  it("no MSS option: 536 (RFC 9293 3.7.1)", () => {
    set_syn_options(0, -1, false, false);
    h = passive_open(IRS, PEER_WINDOW);
    expect<i32>(send_now(537)).toBe(2);
    expect<i32>(out_len()).toBe(1);
  });

  it("an MSS above ours is capped at our MTU's", () => {
    set_syn_options(9000, -1, false, false);
    h = passive_open(IRS, PEER_WINDOW);
    expect<i32>(send_now(<i32>OUR_MSS + 1)).toBe(2);
    expect<i32>(out_len()).toBe(1);
  });

  it("active open: the SYN-ACK's MSS counts", () => {
    set_syn_options(700, -1, false, false);
    h = active_open(IRS, PEER_WINDOW);
    expect<i32>(send_now(701)).toBe(2);
    expect<i32>(out_len()).toBe(1);
  });
});

describe("tcp options: window scaling only when both sides offered it (RFC 7323 2.2)", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
  });

  it("this profile never offers window scale (its receive buffer fits in 16 bits)", () => {
    listen_on_server_port();
    step();
    set_syn_options(1460, 7, false, false);
    send_syn_from_peer(TCP_SYN, IRS, 0, PEER_WINDOW);
    expect<bool>(replied(TCP_SYN | TCP_ACK)).toBe(true);
    expect<i32>(out_option(OPT_WS)).toBe(-1);
  });

  it("the peer does not offer it: windows are taken as sent", () => {
    h = passive_open(IRS, 1000);
    expect<u32>(tcb(h).snd_wnd).toBe(1000);
  });

  // Regression (fixed in 059f53e): take_syn_options enabled scaling whenever the peer's SYN
  // carried the option although our SYN-ACK omitted it, so the peer's unscaled windows were
  // shifted by its scale (snd_wnd 1000 << 7 instead of 1000).
  it("the peer offers it, our SYN-ACK does not: the peer's windows are not scaled", () => {
    set_syn_options(1460, 7, false, false);
    h = passive_open(IRS, 1000);
    expect<u32>(tcb(h).snd_wnd).toBe(1000);
    // The 1000-byte window is all that may be in flight.
    expect<i32>(send_now(1000)).toBe(1);
    expect<i32>(out_len()).toBe(1000);
    expect<i32>(send_now(10)).toBe(0);
  });

  it("active open: a SYN-ACK with window scale (which we did not offer) is not scaled", () => {
    set_syn_options(1460, 7, false, false);
    h = active_open(IRS, 1000);
    expect<u32>(tcb(h).snd_wnd).toBe(1000);
    send(TCP_ACK, peer_nxt, iss + 1, 2000, 0, 0);
    expect<u32>(tcb(h).snd_wnd).toBe(2000);
  });
});

describe("tcp options: SACK blocks for out-of-order data (RFC 2018)", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
  });

  it("one block, then two with the most recent first; filling the hole clears them", () => {
    set_syn_options(1460, -1, true, false);
    h = passive_open(IRS, PEER_WINDOW);
    send(TCP_ACK, peer_nxt + 100, iss + 1, PEER_WINDOW, 100, 1);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(peer_nxt);
    let at = out_option(OPT_SACK);
    expect<i32>(at).toBe(22); // NOP NOP then kind 5
    expect<u32>(out_byte(at + 1)).toBe(10);
    expect<u32>(out_u32(at + 2)).toBe(peer_nxt + 100);
    expect<u32>(out_u32(at + 6)).toBe(peer_nxt + 200);
    step();
    send(TCP_ACK, peer_nxt + 300, iss + 1, PEER_WINDOW, 100, 3);
    at = out_option(OPT_SACK);
    expect<u32>(out_byte(at + 1)).toBe(18);
    expect<u32>(out_u32(at + 2)).toBe(peer_nxt + 300);
    expect<u32>(out_u32(at + 6)).toBe(peer_nxt + 400);
    expect<u32>(out_u32(at + 10)).toBe(peer_nxt + 100);
    expect<u32>(out_u32(at + 14)).toBe(peer_nxt + 200);
    step();
    // The segment joining the two blocks makes one block, reported first.
    send(TCP_ACK, peer_nxt + 200, iss + 1, PEER_WINDOW, 100, 2);
    at = out_option(OPT_SACK);
    expect<u32>(out_byte(at + 1)).toBe(10);
    expect<u32>(out_u32(at + 2)).toBe(peer_nxt + 100);
    expect<u32>(out_u32(at + 6)).toBe(peer_nxt + 400);
    step();
    send(TCP_ACK, peer_nxt, iss + 1, PEER_WINDOW, 100, 0);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(peer_nxt + 400);
    expect<i32>(out_option(OPT_SACK)).toBe(-1);
    expect<i32>(tcp_socket_recv(h, buf, 1000)).toBe(400);
  });

  it("with timestamps: NOP NOP TS, then NOP NOP SACK", () => {
    set_syn_options(1460, -1, true, true);
    h = passive_open(IRS, PEER_WINDOW);
    send(TCP_ACK, peer_nxt + 100, iss + 1, PEER_WINDOW, 100, 1);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<i32>(out_option(OPT_TS)).toBe(22);
    const at = out_option(OPT_SACK);
    expect<i32>(at).toBe(34);
    expect<u32>(out_u32(at + 2)).toBe(peer_nxt + 100);
  });

  it("no SACK option when the peer did not offer SACK-permitted", () => {
    h = passive_open(IRS, PEER_WINDOW);
    send(TCP_ACK, peer_nxt + 100, iss + 1, PEER_WINDOW, 100, 1);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<i32>(out_option(OPT_SACK)).toBe(-1);
  });
});

describe("tcp options: timestamps and PAWS (RFC 7323)", () => {
  beforeEach(() => {
    tcp_spec_reset(T0);
    set_peer_ts(false, 5000, 0);
    set_syn_options(1460, -1, false, true);
    h = passive_open(IRS, PEER_WINDOW);
  });

  it("a segment with an older TSval is rejected: ACK, counted, data not taken", () => {
    set_peer_ts(true, 4000, 0);
    send(TCP_ACK | TCP_PSH, peer_nxt, iss + 1, PEER_WINDOW, 10, 1);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    expect<u32>(out_ack()).toBe(peer_nxt);
    expect<u32>(delta(Counter.tcp_rx_paws_rejected)).toBe(1);
    expect<u32>(tcb(h).rcv_nxt).toBe(peer_nxt);
  });

  it("a newer TSval is taken and echoed in our next ACK", () => {
    set_peer_ts(true, 6000, 0);
    send(TCP_ACK | TCP_PSH, peer_nxt, iss + 1, PEER_WINDOW, 10, 1);
    send(TCP_ACK | TCP_PSH, peer_nxt + 10, iss + 1, PEER_WINDOW, 10, 1);
    expect<bool>(replied(TCP_ACK)).toBe(true);
    const ts = out_option(OPT_TS);
    expect<u32>(out_u32(ts + 6)).toBe(6000);
    expect<u32>(tcb(h).rcv_nxt).toBe(peer_nxt + 20);
  });

  it("a TSval just across the 2^32 wrap counts as newer", () => {
    set_peer_ts(true, 0xfffffff0, 0);
    send(TCP_ACK | TCP_PSH, peer_nxt, iss + 1, PEER_WINDOW, 10, 1);
    expect<u32>(delta(Counter.tcp_rx_paws_rejected)).toBe(1); // 0xfffffff0 is older than 5000
    set_peer_ts(true, 5000 + 0x70000000, 0);
    send(TCP_ACK | TCP_PSH, peer_nxt, iss + 1, PEER_WINDOW, 10, 1);
    expect<u32>(tcb(h).rcv_nxt).toBe(peer_nxt + 10);
  });

  it("PAWS does not apply to a RST (RFC 7323 5.3 R1)", () => {
    set_peer_ts(true, 10, 0);
    send(TCP_RST, peer_nxt, 0, 0, 0, 0);
    expect<i32>(tcp_socket_state(h)).toBe(CLOSED);
  });
});
