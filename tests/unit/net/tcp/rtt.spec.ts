import { TCP_RTO_INITIAL_MS, TCP_RTO_MAX_MS, TCP_RTO_MIN_MS } from "../../../../assembly/config";
import { rto_of, rtt_backoff, rtt_reset, rtt_sample } from "../../../../assembly/net/tcp/rtt";
import { Tcb, tcb, tcb_alloc, tcb_reset_all } from "../../../../assembly/net/tcp/tcb";

// RFC 6298 2.2-2.4 with K = 4, alpha = 1/8, beta = 1/4, clock granularity 1 ms, clamped to
// [TCP_RTO_MIN_MS, TCP_RTO_MAX_MS]. Expected values are worked out here in real numbers and
// truncated to whole milliseconds.

function fresh(): Tcb {
  tcb_reset_all();
  const t = tcb(tcb_alloc());
  rtt_reset(t);
  return t;
}

describe("rtt (RFC 6298)", () => {
  it("starts at the initial RTO of 1 s (2.1)", () => {
    const t = fresh();
    expect<u32>(t.rto).toBe(TCP_RTO_INITIAL_MS);
    expect<u32>(TCP_RTO_INITIAL_MS).toBe(1000);
  });

  it("first sample R: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR = 3R (2.2)", () => {
    const t = fresh();
    rtt_sample(t, 100);
    expect<u32>(t.srtt8 >> 3).toBe(100);
    expect<u32>(t.rttvar4 >> 2).toBe(50);
    expect<u32>(t.rto).toBe(300);
  });

  it("later samples: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, then SRTT = 7/8 SRTT + 1/8 R (2.3)", () => {
    const t = fresh();
    rtt_sample(t, 100);
    rtt_sample(t, 200);
    // RTTVAR = 37.5 + 25 = 62.5, SRTT = 87.5 + 25 = 112.5, RTO = 112.5 + 250 = 362.5
    expect<u32>(t.rttvar4).toBe(250); // 4 x 62.5
    expect<u32>(t.srtt8).toBe(900); // 8 x 112.5
    expect<u32>(t.rto).toBe(362);
    rtt_sample(t, 40);
    // |112.5 - 40| = 72.5: RTTVAR = 46.875 + 18.125 = 65, SRTT = 98.4375 + 5 = 103.4375
    expect<u32>(t.rttvar4).toBe(260);
    // 8 x 103.4375 = 827.5; the shift drops 0.5 from the 7/8 SRTT term, so it rounds up.
    expect<u32>(t.srtt8).toBe(828);
    expect<u32>(t.rto).toBe(103 + 260);
  });

  it("a steady RTT shrinks the variance term toward the granularity", () => {
    const t = fresh();
    rtt_sample(t, 400);
    for (let i = 0; i < 60; i++) rtt_sample(t, 400);
    expect<u32>(t.srtt8 >> 3).toBe(400);
    expect<bool>(t.rto >= 401 && t.rto < 410).toBe(true);
  });

  it("clamps to TCP_RTO_MIN_MS (small RTTs, and a 0 ms sample taken as 1 ms)", () => {
    const t = fresh();
    rtt_sample(t, 10); // 3R = 30
    expect<u32>(t.rto).toBe(TCP_RTO_MIN_MS);
    const u = fresh();
    rtt_sample(u, 0);
    expect<u32>(u.srtt8 >> 3).toBe(1);
    expect<u32>(u.rto).toBe(TCP_RTO_MIN_MS);
  });

  it("clamps to TCP_RTO_MAX_MS", () => {
    const t = fresh();
    rtt_sample(t, 30_000); // 3R = 90 s
    expect<u32>(t.rto).toBe(TCP_RTO_MAX_MS);
    expect<u32>(rto_of(t)).toBe(TCP_RTO_MAX_MS);
  });

  it("backoff doubles the RTO (5.5) and stops at the maximum", () => {
    const t = fresh();
    rtt_sample(t, 100);
    expect<u32>(t.rto).toBe(300);
    rtt_backoff(t);
    expect<u32>(t.rto).toBe(600);
    rtt_backoff(t);
    expect<u32>(t.rto).toBe(1200);
    for (let i = 0; i < 5; i++) rtt_backoff(t); // 2.4, 4.8, 9.6, 19.2, 38.4 s
    expect<u32>(t.rto).toBe(38_400);
    rtt_backoff(t);
    expect<u32>(t.rto).toBe(TCP_RTO_MAX_MS);
    rtt_backoff(t);
    expect<u32>(t.rto).toBe(TCP_RTO_MAX_MS);
  });

  it("a new sample after backoff recomputes the RTO from the estimate (5.7 keeps it only until then)", () => {
    const t = fresh();
    rtt_sample(t, 100);
    rtt_backoff(t);
    rtt_backoff(t);
    rtt_sample(t, 100);
    // RTTVAR = 37.5, SRTT = 100: RTO = 250
    expect<u32>(t.rto).toBe(250);
  });
});
