import { Counter } from "../../../assembly/lib/counters";
import {
  dhcp_addr_option, dhcp_check, dhcp_chaddr, dhcp_ciaddr, dhcp_emit, dhcp_find, dhcp_is_broadcast, dhcp_message_type,
  dhcp_op, dhcp_option_len, dhcp_option_value, dhcp_seconds_option, dhcp_siaddr, dhcp_xid, dhcp_yiaddr,
  DHCPACK, DHCPDECLINE, DHCPDISCOVER, DHCPOFFER, DHCPRELEASE, DHCPREQUEST, DHCP_EMIT_BYTES,
  OPT_CLIENT_ID, OPT_DNS, OPT_LEASE_TIME, OPT_PARAMETER_LIST, OPT_REBINDING_TIME, OPT_RENEWAL_TIME, OPT_REQUESTED_ADDR,
  OPT_ROUTER, OPT_SERVER_ID, OPT_SUBNET_MASK,
} from "../../../assembly/wire/dhcp";
import { first_difference, ip4 } from "../helpers/bytes";
import { build_reply, DNS_1, DNS_2, LEASED_ADDR, Reply, SERVER_ADDR } from "../helpers/dhcp";

const MAC = memory.data<u8>([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
const buffer: usize = memory.data(1024, 8);

function offer(): Reply {
  const r = new Reply();
  r.xid = 0x11223344;
  r.mac = MAC;
  return r;
}

describe("wire/dhcp: parsing a server's reply", () => {
  it("accepts an offer and reads every field", () => {
    const len = build_reply(buffer, offer());
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.OK);
    expect<u32>(dhcp_message_type(buffer, len)).toBe(DHCPOFFER);
    expect<u32>(dhcp_xid(buffer)).toBe(0x11223344);
    expect<u32>(dhcp_yiaddr(buffer)).toBe(LEASED_ADDR);
    expect<u32>(dhcp_siaddr(buffer)).toBe(SERVER_ADDR);
    expect<i32>(first_difference(dhcp_chaddr(buffer), MAC, 6)).toBe(-1);
    expect<u32>(dhcp_addr_option(buffer, len, OPT_SERVER_ID, 0)).toBe(SERVER_ADDR);
    expect<u32>(dhcp_addr_option(buffer, len, OPT_SUBNET_MASK, 0)).toBe(0xffffff00);
    expect<u32>(dhcp_addr_option(buffer, len, OPT_ROUTER, 0)).toBe(SERVER_ADDR);
    expect<u32>(dhcp_addr_option(buffer, len, OPT_DNS, 0)).toBe(DNS_1);
    expect<u32>(dhcp_addr_option(buffer, len, OPT_DNS, 1)).toBe(DNS_2);
    expect<u32>(dhcp_addr_option(buffer, len, OPT_DNS, 2)).toBe(0);
    expect<u32>(dhcp_seconds_option(buffer, len, OPT_LEASE_TIME, 7)).toBe(3600);
    expect<u32>(dhcp_seconds_option(buffer, len, OPT_RENEWAL_TIME, 7)).toBe(7);
  });

  it("reads T1, T2 and huge leases as sent", () => {
    const r = offer();
    r.lease_s = 0xffffffff;
    r.t1_s = 100;
    r.t2_s = 200;
    const len = build_reply(buffer, r);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.OK);
    expect<u32>(dhcp_seconds_option(buffer, len, OPT_LEASE_TIME, 0)).toBe(0xffffffff);
    expect<u32>(dhcp_seconds_option(buffer, len, OPT_RENEWAL_TIME, 0)).toBe(100);
    expect<u32>(dhcp_seconds_option(buffer, len, OPT_REBINDING_TIME, 0)).toBe(200);
  });

  it("refuses every truncation short of the fixed part and the cookie", () => {
    const len = build_reply(buffer, offer());
    for (let cut = 0; cut < 240; cut += 7) expect<Counter>(dhcp_check(buffer, cut)).toBe(Counter.dhcp_rx_short);
    expect<Counter>(dhcp_check(buffer, 240)).toBe(Counter.dhcp_rx_no_type);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.OK);
  });

  it("refuses an option whose length runs past the end, at every cut inside the options", () => {
    const len = build_reply(buffer, offer());
    // The cut lands inside some option (not just after one): refused; no cut may read past it.
    let refused = 0;
    for (let cut = 243; cut < len - 1; cut++) {
      const reason = dhcp_check(buffer, cut);
      expect<bool>(reason == Counter.OK || reason == Counter.dhcp_rx_bad_option).toBe(true);
      if (reason == Counter.dhcp_rx_bad_option) refused++;
    }
    expect<i32>(refused).toBeGreaterThan(20);
    // The server id's length byte says 200.
    store<u8>(buffer + 244, 200);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.dhcp_rx_bad_option);
  });

  it("refuses a bad cookie, a request, a wrong hardware type or length", () => {
    let len = build_reply(buffer, offer());
    store<u8>(buffer + 239, 0x64);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.dhcp_rx_bad_cookie);
    len = build_reply(buffer, offer());
    store<u8>(buffer, 1);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.dhcp_rx_bad_header);
    len = build_reply(buffer, offer());
    store<u8>(buffer + 1, 6);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.dhcp_rx_bad_header);
    len = build_reply(buffer, offer());
    store<u8>(buffer + 2, 8);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.dhcp_rx_bad_header);
  });

  it("refuses a message without a type, or with a bad one", () => {
    let len = build_reply(buffer, offer());
    store<u8>(buffer + 240, 0); // option 53 (53, 1, type) becomes three pads
    store<u8>(buffer + 241, 0);
    store<u8>(buffer + 242, 0);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.dhcp_rx_no_type);
    len = build_reply(buffer, offer());
    store<u8>(buffer + 242, 9);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.dhcp_rx_no_type);
    len = build_reply(buffer, offer());
    store<u8>(buffer + 241, 2); // type with length 2
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.dhcp_rx_bad_option);
  });

  it("refuses pad-only options and an immediate end", () => {
    memory.fill(buffer + 240, 0, 60);
    expect<Counter>(dhcp_check(buffer, 300)).toBe(Counter.dhcp_rx_no_type);
    store<u8>(buffer + 240, 255);
    expect<Counter>(dhcp_check(buffer, 300)).toBe(Counter.dhcp_rx_no_type);
  });

  it("refuses option overload (52)", () => {
    const len = build_reply(buffer, offer());
    // Put overload where the server id was (same length: 52, 4, ...).
    store<u8>(buffer + 243, 52);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.dhcp_rx_overload);
  });

  it("skips pads between options and stops at end", () => {
    const len = build_reply(buffer, offer());
    // Move everything after the type two bytes on, with two pads in between.
    memory.copy(buffer + 245, buffer + 243, <usize>(len - 243));
    store<u8>(buffer + 243, 0);
    store<u8>(buffer + 244, 0);
    expect<Counter>(dhcp_check(buffer, len + 2)).toBe(Counter.OK);
    expect<u32>(dhcp_addr_option(buffer, len + 2, OPT_SERVER_ID, 0)).toBe(SERVER_ADDR);
    // Options after the end are not seen.
    store<u8>(buffer + 243, 255);
    expect<i32>(dhcp_find(buffer, len + 2, OPT_SERVER_ID)).toBe(-1);
  });

  it("reads a short address option as absent and a seconds option of the wrong length as absent", () => {
    const r = offer();
    r.dns_count = 1;
    const len = build_reply(buffer, r);
    expect<u32>(dhcp_addr_option(buffer, len, OPT_DNS, 1)).toBe(0);
    const at = dhcp_find(buffer, len, OPT_LEASE_TIME);
    store<u8>(buffer + <usize>(at + 1), 3); // now 3 bytes long, the next option starts a byte early
    expect<u32>(dhcp_seconds_option(buffer, len, OPT_LEASE_TIME, 42)).toBe(42);
  });
});

describe("wire/dhcp: emitting a client's messages", () => {
  it("emits a DISCOVER with the broadcast flag, client id and parameter list", () => {
    memory.fill(buffer, 0xa5, 400);
    const len = dhcp_emit(buffer, DHCPDISCOVER, 0xcafe0001, true, 0, MAC, 0, 0);
    expect<i32>(len).toBe(DHCP_EMIT_BYTES);
    expect<u32>(dhcp_op(buffer)).toBe(1);
    expect<u32>(dhcp_xid(buffer)).toBe(0xcafe0001);
    expect<bool>(dhcp_is_broadcast(buffer)).toBe(true);
    expect<u32>(dhcp_ciaddr(buffer)).toBe(0);
    expect<i32>(first_difference(dhcp_chaddr(buffer), MAC, 6)).toBe(-1);
    expect<u32>(dhcp_message_type(buffer, len)).toBe(DHCPDISCOVER);
    const id = dhcp_find(buffer, len, OPT_CLIENT_ID);
    expect<i32>(dhcp_option_len(buffer, id)).toBe(7);
    expect<u8>(load<u8>(dhcp_option_value(buffer, id))).toBe(1);
    expect<i32>(first_difference(dhcp_option_value(buffer, id) + 1, MAC, 6)).toBe(-1);
    const list = dhcp_find(buffer, len, OPT_PARAMETER_LIST);
    expect<i32>(dhcp_option_len(buffer, list)).toBe(6);
    expect<i32>(dhcp_find(buffer, len, OPT_REQUESTED_ADDR)).toBe(-1);
    expect<i32>(dhcp_find(buffer, len, OPT_SERVER_ID)).toBe(-1);
    // Nothing outside the 300 bytes is touched.
    expect<u8>(load<u8>(buffer + 300)).toBe(0xa5);
  });

  it("round-trips a REQUEST through the reply parser (op flipped)", () => {
    const len = dhcp_emit(buffer, DHCPREQUEST, 7, true, 0, MAC, LEASED_ADDR, SERVER_ADDR);
    store<u8>(buffer, 2);
    expect<Counter>(dhcp_check(buffer, len)).toBe(Counter.OK);
    expect<u32>(dhcp_message_type(buffer, len)).toBe(DHCPREQUEST);
    expect<u32>(dhcp_addr_option(buffer, len, OPT_REQUESTED_ADDR, 0)).toBe(LEASED_ADDR);
    expect<u32>(dhcp_addr_option(buffer, len, OPT_SERVER_ID, 0)).toBe(SERVER_ADDR);
  });

  it("emits DECLINE and RELEASE without a parameter list, RELEASE with ciaddr and no broadcast", () => {
    let len = dhcp_emit(buffer, DHCPDECLINE, 9, false, 0, MAC, LEASED_ADDR, SERVER_ADDR);
    expect<u32>(dhcp_message_type(buffer, len)).toBe(DHCPDECLINE);
    expect<i32>(dhcp_find(buffer, len, OPT_PARAMETER_LIST)).toBe(-1);
    expect<u32>(dhcp_addr_option(buffer, len, OPT_REQUESTED_ADDR, 0)).toBe(LEASED_ADDR);
    len = dhcp_emit(buffer, DHCPRELEASE, 9, false, ip4(192, 0, 2, 50), MAC, 0, SERVER_ADDR);
    expect<u32>(dhcp_message_type(buffer, len)).toBe(DHCPRELEASE);
    expect<bool>(dhcp_is_broadcast(buffer)).toBe(false);
    expect<u32>(dhcp_ciaddr(buffer)).toBe(ip4(192, 0, 2, 50));
    expect<i32>(dhcp_find(buffer, len, OPT_PARAMETER_LIST)).toBe(-1);
    expect<u32>(DHCPACK).toBe(5);
  });
});
