import { IFACE_COUNT, ROUTE_STATIC_COUNT } from "../../../assembly/config";
import { iface_set_addr, iface_set_up } from "../../../assembly/net/iface";
import {
  route_add, route_del, route_lookup, route_next_hop, route_reset, route_row, route_row_dst, route_row_gateway,
  route_row_iface, route_row_prefix, ROUTE_CONNECTED, ROUTE_DEFAULT, ROUTE_FREE, ROUTE_ROW_COUNT, ROUTE_STATIC,
} from "../../../assembly/net/route";
import { EEXIST, EINVAL, ENETUNREACH, ENOSPC, ESRCH } from "../../../assembly/socket/errno";
import { GATEWAY_ADDR, ip4, net_reset } from "../helpers/net";

// Interface 0: 192.0.2.2/24 via 192.0.2.1 (helpers/net.ts); interface 1: 198.51.100.1/24, no gateway.
const B1: u32 = 0xc6336401; // 198.51.100.1
const B_GW: u32 = 0xc63364fe; // 198.51.100.254
const A_GW2: u32 = 0xc00002fe; // 192.0.2.254
const C_NET: u32 = 0xcb007100; // 203.0.113.0

describe("routing table: longest-prefix match", () => {
  beforeEach(() => {
    net_reset(1000);
    route_reset();
    iface_set_addr(1, B1, 24, 0);
    iface_set_up(1, true);
  });

  it("delivers directly on connected subnets and through the default gateway elsewhere", () => {
    expect<i32>(route_lookup(ip4(198, 51, 100, 7))).toBe(1);
    expect<u32>(route_next_hop(1, ip4(198, 51, 100, 7))).toBe(ip4(198, 51, 100, 7));
    expect<i32>(route_lookup(ip4(192, 0, 2, 9))).toBe(0);
    expect<u32>(route_next_hop(0, ip4(192, 0, 2, 9))).toBe(ip4(192, 0, 2, 9));
    expect<i32>(route_lookup(ip4(203, 0, 113, 5))).toBe(0);
    expect<u32>(route_next_hop(0, ip4(203, 0, 113, 5))).toBe(GATEWAY_ADDR);
    // Interface 1 has no route to 203.0.113.5 at all.
    expect<u32>(route_next_hop(1, ip4(203, 0, 113, 5))).toBe(0);
  });

  it("prefers the longest prefix among overlapping routes, /32 over /25 over /24 over /0", () => {
    expect<i32>(route_add(C_NET, 24, B_GW, -1, 0)).toBe(0);
    expect<i32>(route_add(ip4(203, 0, 113, 128), 25, A_GW2, 0, 0)).toBe(0);
    expect<i32>(route_add(ip4(203, 0, 113, 200), 32, B_GW, 1, 0)).toBe(0);
    expect<i32>(route_lookup(ip4(203, 0, 113, 5))).toBe(1);
    expect<u32>(route_next_hop(1, ip4(203, 0, 113, 5))).toBe(B_GW);
    expect<i32>(route_lookup(ip4(203, 0, 113, 130))).toBe(0);
    expect<u32>(route_next_hop(0, ip4(203, 0, 113, 130))).toBe(A_GW2);
    expect<i32>(route_lookup(ip4(203, 0, 113, 200))).toBe(1);
    expect<i32>(route_lookup(ip4(203, 0, 114, 1))).toBe(0);
    expect<u32>(route_next_hop(0, ip4(203, 0, 114, 1))).toBe(GATEWAY_ADDR);
  });

  it("breaks ties between equal prefixes by metric, then by row (interface default before static)", () => {
    expect<i32>(route_add(0, 0, B_GW, 1, 0)).toBe(0);
    // Same prefix and metric as interface 0's default: the derived row comes first.
    expect<i32>(route_lookup(ip4(203, 0, 113, 5))).toBe(0);
    iface_set_addr(0, ip4(192, 0, 2, 2), 24, 0);
    expect<i32>(route_lookup(ip4(203, 0, 113, 5))).toBe(1);
    // A lower metric wins among static routes of the same prefix.
    expect<i32>(route_add(C_NET, 24, B_GW, 1, 10)).toBe(0);
    expect<i32>(route_add(C_NET, 24, A_GW2, 0, 5)).toBe(0);
    expect<i32>(route_lookup(ip4(203, 0, 113, 5))).toBe(0);
    expect<i32>(route_del(C_NET, 24, A_GW2)).toBe(0);
    expect<i32>(route_lookup(ip4(203, 0, 113, 5))).toBe(1);
  });

  it("skips routes through an interface that is down, falling back to a shorter prefix", () => {
    expect<i32>(route_add(C_NET, 24, B_GW, 1, 0)).toBe(0);
    expect<i32>(route_lookup(ip4(203, 0, 113, 5))).toBe(1);
    iface_set_up(1, false);
    expect<i32>(route_lookup(ip4(203, 0, 113, 5))).toBe(0);
    expect<i32>(route_lookup(ip4(198, 51, 100, 7))).toBe(0);
    expect<u32>(route_next_hop(0, ip4(198, 51, 100, 7))).toBe(GATEWAY_ADDR);
    iface_set_up(0, false);
    expect<i32>(route_lookup(ip4(198, 51, 100, 7))).toBe(-1);
  });

  it("sends the limited broadcast and unrouted groups from the first interface up", () => {
    expect<i32>(route_lookup(0xffffffff)).toBe(0);
    iface_set_up(0, false);
    expect<i32>(route_lookup(0xe0000001)).toBe(1);
  });

  it("refuses bad routes with clear errnos", () => {
    expect<i32>(route_add(C_NET, 33, B_GW, 1, 0)).toBe(EINVAL);
    expect<i32>(route_add(C_NET, -1, B_GW, 1, 0)).toBe(EINVAL);
    expect<i32>(route_add(ip4(203, 0, 113, 1), 24, B_GW, 1, 0)).toBe(EINVAL); // host bits set
    expect<i32>(route_add(C_NET, 24, B_GW, IFACE_COUNT, 0)).toBe(EINVAL);
    expect<i32>(route_add(C_NET, 24, 0, -1, 0)).toBe(EINVAL); // on-link needs an interface
    expect<i32>(route_add(C_NET, 24, ip4(203, 0, 113, 1), -1, 0)).toBe(ENETUNREACH);
    expect<i32>(route_add(C_NET, 24, B_GW, 0, 0)).toBe(ENETUNREACH); // not on interface 0's subnet
    expect<i32>(route_add(C_NET, 24, B_GW, 1, 0)).toBe(0);
    expect<i32>(route_add(C_NET, 24, A_GW2, 0, 0)).toBe(EEXIST);
    expect<i32>(route_del(C_NET, 25, 0)).toBe(ESRCH);
    expect<i32>(route_del(C_NET, 24, A_GW2)).toBe(ESRCH);
    expect<i32>(route_del(C_NET, 24, 0)).toBe(0);
    expect<i32>(route_del(C_NET, 24, 0)).toBe(ESRCH);
    for (let i = 0; i < ROUTE_STATIC_COUNT; i++) expect<i32>(route_add(ip4(203, 0, 113, 0) + (i << 3), 29, B_GW, 1, 0)).toBe(0);
    expect<i32>(route_add(ip4(203, 0, 113, 255), 32, B_GW, 1, 0)).toBe(ENOSPC);
  });

  it("lists connected, default and static rows", () => {
    expect<i32>(route_add(C_NET, 24, 0, 1, 3)).toBe(0);
    expect<u8>(route_row(0)).toBe(ROUTE_CONNECTED);
    expect<u32>(route_row_dst()).toBe(ip4(192, 0, 2, 0));
    expect<i32>(route_row_prefix()).toBe(24);
    expect<u8>(route_row(1)).toBe(ROUTE_CONNECTED);
    expect<i32>(route_row_iface()).toBe(1);
    expect<u8>(route_row(IFACE_COUNT)).toBe(ROUTE_DEFAULT);
    expect<u32>(route_row_gateway()).toBe(GATEWAY_ADDR);
    expect<u8>(route_row(IFACE_COUNT + 1)).toBe(ROUTE_FREE); // interface 1 has no gateway
    expect<u8>(route_row(2 * IFACE_COUNT)).toBe(ROUTE_STATIC);
    expect<u32>(route_row_dst()).toBe(C_NET);
    expect<u32>(route_row_gateway()).toBe(0);
    expect<u8>(route_row(ROUTE_ROW_COUNT)).toBe(ROUTE_FREE);
    expect<u8>(route_row(-1)).toBe(ROUTE_FREE);
    // An on-link static route delivers directly.
    expect<u32>(route_next_hop(1, ip4(203, 0, 113, 9))).toBe(ip4(203, 0, 113, 9));
  });
});
