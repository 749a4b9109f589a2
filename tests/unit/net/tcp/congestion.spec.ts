import { TCP_SEND_BUFFER_BYTES } from "../../../../assembly/config";
import {
  cc_dupack_in_recovery, cc_enter_recovery, cc_exit_recovery, cc_init, cc_on_ack, cc_on_timeout, cc_partial_ack,
  flight_size, in_recovery,
} from "../../../../assembly/net/tcp/congestion";
import { Tcb, tcb, tcb_alloc, tcb_reset_all } from "../../../../assembly/net/tcp/tcb";

// RFC 5681 (slow start, congestion avoidance), RFC 6928 (initial window), RFC 6582 (NewReno).

function fresh(mss: u32): Tcb {
  tcb_reset_all();
  const t = tcb(tcb_alloc());
  t.mss = mss;
  t.snd_una = 1000;
  t.snd_nxt = 1000;
  t.snd_max = 1000;
  cc_init(t);
  return t;
}

/** RFC 6928: min(10 MSS, max(2 MSS, 14600)); the send ring caps it (nothing more can be in flight). */
function iw(mss: u32): u32 {
  const rfc = min<u32>(10 * mss, max<u32>(2 * mss, 14600));
  return min<u32>(rfc, <u32>TCP_SEND_BUFFER_BYTES);
}

describe("congestion: initial window (RFC 6928)", () => {
  it("MSS 1448: min(14480, 14600), within the send ring", () => {
    const t = fresh(1448);
    expect<u32>(t.cwnd).toBe(iw(1448));
    expect<bool>(t.cwnd <= 14480).toBe(true);
    expect<u32>(t.ssthresh).toBe(0x7fffffff);
    expect<bool>(in_recovery(t)).toBe(false);
  });

  it("MSS 536: 10 segments (5360 bytes)", () => {
    const t = fresh(536);
    expect<u32>(iw(536)).toBe(5360);
    expect<u32>(t.cwnd).toBe(5360);
  });

  it("a very large MSS gets at least 2 segments' worth before the ring cap", () => {
    expect<u32>(min<u32>(10 * 9000, max<u32>(2 * 9000, 14600))).toBe(18000);
    const t = fresh(9000);
    expect<u32>(t.cwnd).toBe(iw(9000));
  });
});

describe("congestion: slow start and congestion avoidance (RFC 5681 3.1)", () => {
  it("slow start grows cwnd by min(acked, SMSS) per ACK", () => {
    const t = fresh(536);
    const start = t.cwnd;
    cc_on_ack(t, 536);
    expect<u32>(t.cwnd).toBe(start + 536);
    cc_on_ack(t, 2000); // a stretch ACK counts one SMSS
    expect<u32>(t.cwnd).toBe(start + 1072);
    cc_on_ack(t, 100);
    expect<u32>(t.cwnd).toBe(start + 1172);
  });

  it("congestion avoidance adds one SMSS per cwnd of acknowledged bytes", () => {
    const t = fresh(500);
    t.cwnd = 5000;
    t.ssthresh = 4000;
    for (let i = 0; i < 9; i++) cc_on_ack(t, 500);
    expect<u32>(t.cwnd).toBe(5000); // 4500 bytes acked: not a full window yet
    cc_on_ack(t, 500);
    expect<u32>(t.cwnd).toBe(5500);
    // Next increase after another 5500 bytes.
    for (let i = 0; i < 10; i++) cc_on_ack(t, 500);
    expect<u32>(t.cwnd).toBe(5500);
    cc_on_ack(t, 500);
    expect<u32>(t.cwnd).toBe(6000);
  });

  it("cwnd is capped (twice the send ring: more could never be in flight)", () => {
    const t = fresh(1000);
    for (let i = 0; i < 1000; i++) cc_on_ack(t, 1000);
    expect<u32>(t.cwnd).toBe(2 * <u32>TCP_SEND_BUFFER_BYTES);
  });
});

describe("congestion: fast recovery (RFC 6582) and timeout", () => {
  it("entering recovery: ssthresh = max(FlightSize/2, 2 SMSS), cwnd = ssthresh + 3 SMSS", () => {
    const t = fresh(1000);
    t.snd_max = t.snd_una + 8000;
    expect<u32>(flight_size(t)).toBe(8000);
    cc_enter_recovery(t);
    expect<u32>(t.ssthresh).toBe(4000);
    expect<u32>(t.cwnd).toBe(7000);
    expect<u32>(t.recover).toBe(t.snd_max);
    expect<bool>(in_recovery(t)).toBe(true);
  });

  it("ssthresh never goes below 2 SMSS", () => {
    const t = fresh(1000);
    t.snd_max = t.snd_una + 3000;
    cc_enter_recovery(t);
    expect<u32>(t.ssthresh).toBe(2000);
    expect<u32>(t.cwnd).toBe(5000);
  });

  it("each further duplicate ACK inflates cwnd by one SMSS", () => {
    const t = fresh(1000);
    t.snd_max = t.snd_una + 8000;
    cc_enter_recovery(t);
    cc_dupack_in_recovery(t);
    cc_dupack_in_recovery(t);
    expect<u32>(t.cwnd).toBe(9000);
  });

  it("a partial ACK deflates by the bytes acknowledged and adds back one SMSS", () => {
    const t = fresh(1000);
    t.snd_max = t.snd_una + 8000;
    cc_enter_recovery(t); // cwnd 7000
    t.snd_una += 2000;
    cc_partial_ack(t, 2000);
    expect<u32>(t.cwnd).toBe(6000);
    expect<bool>(in_recovery(t)).toBe(true);
  });

  // Regression (found by this spec, fixed in the TCP core): minor, RFC 6582 3.2 step 5.
  it("a partial ACK of less than one SMSS deflates without adding SMSS back", () => {
    const t = fresh(1000);
    t.snd_max = t.snd_una + 8000;
    cc_enter_recovery(t); // cwnd 7000
    t.snd_una += 500;
    cc_partial_ack(t, 500);
    expect<u32>(t.cwnd).toBe(6500);
  });

  it("a full ACK ends recovery with cwnd = min(ssthresh, FlightSize + SMSS)", () => {
    const t = fresh(1000);
    t.snd_max = t.snd_una + 8000;
    cc_enter_recovery(t);
    t.snd_una = t.snd_max; // everything acknowledged
    cc_exit_recovery(t);
    expect<u32>(t.cwnd).toBe(1000); // FlightSize 0 + SMSS
    expect<bool>(in_recovery(t)).toBe(false);
    expect<u32>(t.dupacks).toBe(0);

    const u = fresh(1000);
    u.snd_max = u.snd_una + 8000;
    cc_enter_recovery(u); // ssthresh 4000
    u.snd_una += 8000;
    u.snd_max += 6000; // new data sent during recovery still in flight
    cc_exit_recovery(u);
    expect<u32>(u.cwnd).toBe(4000);
  });

  it("timeout: ssthresh = max(FlightSize/2, 2 SMSS) and cwnd = 1 SMSS (loss window), recovery over", () => {
    const t = fresh(1000);
    t.snd_max = t.snd_una + 8000;
    cc_enter_recovery(t);
    cc_on_timeout(t);
    expect<u32>(t.ssthresh).toBe(4000);
    expect<u32>(t.cwnd).toBe(1000);
    expect<bool>(in_recovery(t)).toBe(false);
    // After the timeout slow start runs again up to ssthresh.
    cc_on_ack(t, 1000);
    expect<u32>(t.cwnd).toBe(2000);
  });
});
