import { UDP_SOCKET_COUNT } from "../../../assembly/config";
import { Counter } from "../../../assembly/lib/counters";
import { pool_available } from "../../../assembly/lib/pool";
import { EADDRINUSE, EAGAIN, EBADF, EINVAL, EMFILE, EMSGSIZE, ENETUNREACH } from "../../../assembly/socket/errno";
import {
  udp_socket_bind, udp_socket_close, udp_socket_open, udp_socket_pending, udp_socket_port, udp_socket_recvfrom,
  udp_socket_sendto, UDP_PAYLOAD_MAX,
} from "../../../assembly/socket/udp";
import { iface_set_up } from "../../../assembly/net/iface";
import { prefilled } from "../helpers/bytes";
import { delta, ip4, net_reset, OUR_ADDR, PEER_ADDR, sent } from "../helpers/net";

const handles = new StaticArray<i32>(64);

function in_ephemeral_range(port: i32): bool {
  return port >= 49152 && port <= 65535;
}

describe("udp sockets: open, bind, close", () => {
  beforeEach(() => {
    net_reset(1000);
  });
  afterEach(() => {
    for (let i = 0; i < UDP_SOCKET_COUNT; i++) udp_socket_close(i);
  });

  it("opens up to UDP_SOCKET_COUNT sockets, then EMFILE", () => {
    for (let i = 0; i < UDP_SOCKET_COUNT; i++) {
      const h = udp_socket_open();
      expect<bool>(h >= 0 && h < UDP_SOCKET_COUNT).toBe(true);
    }
    expect<i32>(udp_socket_open()).toBe(EMFILE);
    expect<i32>(udp_socket_close(3)).toBe(0);
    expect<i32>(udp_socket_open()).toBe(3);
  });

  it("binds to the wildcard, our address, broadcast and a group", () => {
    expect<i32>(udp_socket_bind(udp_socket_open(), 0, 7)).toBe(0);
    expect<i32>(udp_socket_bind(udp_socket_open(), OUR_ADDR, 8)).toBe(0);
    expect<i32>(udp_socket_bind(udp_socket_open(), 0xffffffff, 67)).toBe(0);
    expect<i32>(udp_socket_bind(udp_socket_open(), ip4(224, 0, 0, 251), 5353)).toBe(0);
    expect<i32>(udp_socket_port(0)).toBe(7);
    expect<i32>(udp_socket_port(3)).toBe(5353);
  });

  it("refuses closed and out-of-range handles with EBADF", () => {
    expect<i32>(udp_socket_bind(0, 0, 7)).toBe(EBADF); // never opened
    expect<i32>(udp_socket_bind(-1, 0, 7)).toBe(EBADF);
    expect<i32>(udp_socket_bind(UDP_SOCKET_COUNT, 0, 7)).toBe(EBADF);
    const h = udp_socket_open();
    udp_socket_close(h);
    expect<i32>(udp_socket_bind(h, 0, 7)).toBe(EBADF);
    expect<i32>(udp_socket_close(h)).toBe(EBADF);
    expect<i32>(udp_socket_port(h)).toBe(EBADF);
    expect<i32>(udp_socket_pending(h)).toBe(EBADF);
    expect<i32>(udp_socket_recvfrom(h, prefilled(8), 8, 0)).toBe(EBADF);
    expect<i32>(udp_socket_sendto(h, PEER_ADDR, 7, prefilled(8), 8)).toBe(EBADF);
  });

  it("refuses a second bind, a port above 65535 and an address not ours with EINVAL", () => {
    const h = udp_socket_open();
    expect<i32>(udp_socket_bind(h, 0, 0x10000)).toBe(EINVAL);
    expect<i32>(udp_socket_bind(h, ip4(198, 51, 100, 1), 7)).toBe(EINVAL);
    expect<i32>(udp_socket_bind(h, ip4(192, 0, 2, 3), 7)).toBe(EINVAL);
    // None of those bound it.
    expect<i32>(udp_socket_bind(h, 0, 7)).toBe(0);
    expect<i32>(udp_socket_bind(h, 0, 8)).toBe(EINVAL);
    expect<i32>(udp_socket_port(h)).toBe(7);
  });

  it("does not own an address while the interface is down", () => {
    iface_set_up(0, false);
    expect<i32>(udp_socket_bind(udp_socket_open(), OUR_ADDR, 7)).toBe(EINVAL);
  });

  it("refuses overlapping binds with EADDRINUSE", () => {
    const wildcard = udp_socket_open();
    expect<i32>(udp_socket_bind(wildcard, 0, 7)).toBe(0);
    const b = udp_socket_open();
    expect<i32>(udp_socket_bind(b, 0, 7)).toBe(EADDRINUSE);
    expect<i32>(udp_socket_bind(b, OUR_ADDR, 7)).toBe(EADDRINUSE);
    const specific = udp_socket_open();
    expect<i32>(udp_socket_bind(specific, OUR_ADDR, 8)).toBe(0);
    expect<i32>(udp_socket_bind(b, 0, 8)).toBe(EADDRINUSE);
    expect<i32>(udp_socket_bind(b, OUR_ADDR, 8)).toBe(EADDRINUSE);
    // A failed bind leaves the socket free to bind elsewhere.
    expect<i32>(udp_socket_bind(b, 0, 9)).toBe(0);
  });

  it("frees the port on close", () => {
    const a = udp_socket_open();
    expect<i32>(udp_socket_bind(a, 0, 7)).toBe(0);
    udp_socket_close(a);
    expect<i32>(udp_socket_bind(udp_socket_open(), 0, 7)).toBe(0);
  });

  it("picks distinct ephemeral ports in 49152..65535 for port 0", () => {
    for (let i = 0; i < UDP_SOCKET_COUNT; i++) {
      const h = udp_socket_open();
      expect<i32>(udp_socket_bind(h, 0, 0)).toBe(0);
      const port = udp_socket_port(h);
      expect<bool>(in_ephemeral_range(port)).toBe(true);
      for (let j = 0; j < i; j++) expect<i32>(handles[j]).not.toBe(port);
      handles[i] = port;
    }
  });

  it("binds an ephemeral port on first sendto", () => {
    const h = udp_socket_open();
    expect<i32>(udp_socket_port(h)).toBe(0);
    expect<i32>(udp_socket_sendto(h, PEER_ADDR, 7, prefilled(5), 5)).toBe(5);
    expect<bool>(in_ephemeral_range(udp_socket_port(h))).toBe(true);
    expect<u32>(delta(Counter.udp_tx)).toBe(1);
    // The peer is not resolved yet: an ARP request went out and the datagram waits.
    expect<i32>(sent()).toBe(1);
    expect<u32>(delta(Counter.arp_tx_request)).toBe(1);
  });
});

describe("udp sockets: send and receive errors", () => {
  beforeEach(() => {
    net_reset(1000);
  });
  afterEach(() => {
    for (let i = 0; i < UDP_SOCKET_COUNT; i++) udp_socket_close(i);
  });

  it("reports EAGAIN on an empty socket and EINVAL for a negative capacity", () => {
    const h = udp_socket_open();
    udp_socket_bind(h, 0, 7);
    expect<i32>(udp_socket_recvfrom(h, prefilled(8), 8, 0)).toBe(EAGAIN);
    expect<i32>(udp_socket_recvfrom(h, prefilled(8), -1, 0)).toBe(EINVAL);
  });

  it("validates sendto arguments before using a buffer", () => {
    const h = udp_socket_open();
    const available = pool_available();
    expect<i32>(udp_socket_sendto(h, 0, 7, prefilled(8), 8)).toBe(EINVAL);
    expect<i32>(udp_socket_sendto(h, PEER_ADDR, 0, prefilled(8), 8)).toBe(EINVAL);
    expect<i32>(udp_socket_sendto(h, PEER_ADDR, 0x10000, prefilled(8), 8)).toBe(EINVAL);
    expect<i32>(udp_socket_sendto(h, PEER_ADDR, 7, prefilled(8), -1)).toBe(EINVAL);
    expect<i32>(udp_socket_sendto(h, PEER_ADDR, 7, prefilled(8), UDP_PAYLOAD_MAX + 1)).toBe(EMSGSIZE);
    expect<i32>(pool_available()).toBe(available);
    expect<i32>(sent()).toBe(0);
    // None of those bound the socket either.
    expect<i32>(udp_socket_port(h)).toBe(0);
  });

  it("reports ENETUNREACH without a route", () => {
    iface_set_up(0, false);
    const h = udp_socket_open();
    expect<i32>(udp_socket_sendto(h, PEER_ADDR, 7, prefilled(8), 8)).toBe(ENETUNREACH);
    expect<u32>(delta(Counter.ipv4_tx_no_route)).toBe(1);
  });
});
