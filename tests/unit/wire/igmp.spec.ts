import { Counter } from "../../../assembly/lib/counters";
import {
  igmp_check, igmp_emit, igmp_group, igmp_max_resp_code, igmp_query_max_resp_tenths, igmp_type,
  IGMP_MEMBERSHIP_QUERY, IGMP_V2_MEMBERSHIP_REPORT,
} from "../../../assembly/wire/igmp";
import { clone, first_difference, prefilled } from "../helpers/bytes";
import { ip4 } from "../helpers/bytes";

// IGMPv2 membership report for 239.1.2.3.
const REPORT = memory.data<u8>([0x16, 0x00, 0xf8, 0xfa, 0xef, 0x01, 0x02, 0x03]);
// IGMPv2 general query, Max Resp Time 10.0 s.
const QUERY_V2 = memory.data<u8>([0x11, 0x64, 0xee, 0x9b, 0x00, 0x00, 0x00, 0x00]);
// IGMPv1 query (Max Resp Time 0).
const QUERY_V1 = memory.data<u8>([0x11, 0x00, 0xee, 0xff, 0x00, 0x00, 0x00, 0x00]);
// IGMPv3 general query: Max Resp Code 100, QRV 2, QQIC 125, no sources.
const QUERY_V3 = memory.data<u8>([0x11, 0x64, 0xec, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x02, 0x7d, 0x00, 0x00]);

describe("IGMP view", () => {
  it("reads every field of a report", () => {
    expect<Counter>(igmp_check(REPORT, 8)).toBe(Counter.OK);
    expect<u32>(igmp_type(REPORT)).toBe(IGMP_V2_MEMBERSHIP_REPORT);
    expect<u32>(igmp_max_resp_code(REPORT)).toBe(0);
    expect<u32>(igmp_group(REPORT)).toBe(ip4(239, 1, 2, 3));
  });

  it("accepts queries of every version", () => {
    expect<Counter>(igmp_check(QUERY_V1, 8)).toBe(Counter.OK);
    expect<Counter>(igmp_check(QUERY_V2, 8)).toBe(Counter.OK);
    expect<Counter>(igmp_check(QUERY_V3, 12)).toBe(Counter.OK);
    expect<u32>(igmp_type(QUERY_V3)).toBe(IGMP_MEMBERSHIP_QUERY);
  });

  it("refuses messages shorter than 8 bytes", () => {
    expect<Counter>(igmp_check(REPORT, 7)).toBe(Counter.igmp_rx_short);
    expect<Counter>(igmp_check(REPORT, 0)).toBe(Counter.igmp_rx_short);
  });

  it("refuses a bad checksum, also one over the whole of a longer message", () => {
    const bad = clone(REPORT, 8);
    store<u8>(bad + 7, 0x04);
    expect<Counter>(igmp_check(bad, 8)).toBe(Counter.igmp_rx_bad_checksum);
    const v3 = clone(QUERY_V3, 12);
    store<u8>(v3 + 9, 0x7e); // QQIC changed: only the 12-byte sum can see it
    expect<Counter>(igmp_check(v3, 8)).toBe(Counter.igmp_rx_bad_checksum);
    expect<Counter>(igmp_check(v3, 12)).toBe(Counter.igmp_rx_bad_checksum);
  });

  it("gives each version's maximum response time in tenths", () => {
    expect<u32>(igmp_query_max_resp_tenths(QUERY_V1, 8)).toBe(100); // v1: 10 s (RFC 2236 4)
    expect<u32>(igmp_query_max_resp_tenths(QUERY_V2, 8)).toBe(100);
    expect<u32>(igmp_query_max_resp_tenths(QUERY_V3, 12)).toBe(100);
    const v3 = clone(QUERY_V3, 12);
    store<u8>(v3 + 1, 0x80); // exp 0, mant 0: 16 << 3
    expect<u32>(igmp_query_max_resp_tenths(v3, 12)).toBe(128);
    store<u8>(v3 + 1, 0xff); // exp 7, mant 15: 31 << 10
    expect<u32>(igmp_query_max_resp_tenths(v3, 12)).toBe(31744);
    store<u8>(v3 + 1, 0x7f);
    expect<u32>(igmp_query_max_resp_tenths(v3, 12)).toBe(127);
  });

  it("emits a report byte for byte", () => {
    const out = prefilled(16);
    igmp_emit(out, IGMP_V2_MEMBERSHIP_REPORT, 0, ip4(239, 1, 2, 3));
    expect<i32>(first_difference(out, REPORT, 8)).toBe(-1);
    expect<u8>(load<u8>(out + 8)).toBe(0xa5);
  });

  it("round-trips a query through emit and check", () => {
    const out = prefilled(8);
    igmp_emit(out, IGMP_MEMBERSHIP_QUERY, 100, 0);
    expect<i32>(first_difference(out, QUERY_V2, 8)).toBe(-1);
    expect<Counter>(igmp_check(out, 8)).toBe(Counter.OK);
  });
});
