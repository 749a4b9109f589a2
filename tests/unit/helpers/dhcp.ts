// DHCP server replies built field by field for the specs, and the way into the stack: a whole
// IPv4/UDP datagram from 192.0.2.1:67 handed to rx_ipv4, as if the server had sent it.
import { rx_ipv4 } from "../../../assembly/net/ipv4";
import { ipv4_emit, IP_PROTO_UDP } from "../../../assembly/wire/ipv4";
import { udp_emit } from "../../../assembly/wire/udp";

export const SERVER_ADDR: u32 = 0xc0000201; // 192.0.2.1
export const LEASED_ADDR: u32 = 0xc0000232; // 192.0.2.50
export const DNS_1: u32 = 0xc0000235; // 192.0.2.53
export const DNS_2: u32 = 0xc0000236; // 192.0.2.54

/** Options a reply carries; 0 leaves one out (server id, lease, mask, router, DNS, T1, T2). */
export class Reply {
  type: u32 = 2;
  xid: u32 = 0;
  yiaddr: u32 = LEASED_ADDR;
  mac: usize = 0;
  server: u32 = SERVER_ADDR;
  lease_s: u32 = 3600;
  mask: u32 = 0xffffff00;
  router: u32 = SERVER_ADDR;
  dns_count: i32 = 2;
  t1_s: u32 = 0;
  t2_s: u32 = 0;
}

function put32(at: usize, value: u32): void {
  store<u32>(at, bswap<u32>(value));
}

function option32(at: usize, code: u8, value: u32): usize {
  store<u8>(at, code);
  store<u8>(at, 4, 1);
  put32(at + 2, value);
  return at + 6;
}

/** Writes the BOOTREPLY at ptr; returns its length (options end with 255, no padding). */
export function build_reply(ptr: usize, r: Reply): i32 {
  memory.fill(ptr, 0, 240);
  store<u8>(ptr, 2);
  store<u8>(ptr, 1, 1);
  store<u8>(ptr, 6, 2);
  put32(ptr + 4, r.xid);
  put32(ptr + 16, r.yiaddr);
  put32(ptr + 20, SERVER_ADDR);
  if (r.mac != 0) memory.copy(ptr + 28, r.mac, 6);
  put32(ptr + 236, 0x63825363);
  let at = ptr + 240;
  store<u8>(at, 53);
  store<u8>(at, 1, 1);
  store<u8>(at, <u8>r.type, 2);
  at += 3;
  if (r.server != 0) at = option32(at, 54, r.server);
  if (r.lease_s != 0) at = option32(at, 51, r.lease_s);
  if (r.t1_s != 0) at = option32(at, 58, r.t1_s);
  if (r.t2_s != 0) at = option32(at, 59, r.t2_s);
  if (r.mask != 0) at = option32(at, 1, r.mask);
  if (r.router != 0) at = option32(at, 3, r.router);
  if (r.dns_count > 0) {
    store<u8>(at, 6);
    store<u8>(at, <u8>(4 * r.dns_count), 1);
    put32(at + 2, DNS_1);
    if (r.dns_count > 1) put32(at + 6, DNS_2);
    at += 2 + 4 * r.dns_count;
  }
  store<u8>(at, 255);
  return <i32>(at + 1 - ptr);
}

const datagram: usize = memory.data(1024, 8);

/** Delivers r to interface 0 from SERVER_ADDR:67 to dst:68. */
export function receive_reply(r: Reply, dst: u32): void {
  const udp = datagram + 20;
  const len = build_reply(udp + 8, r);
  udp_emit(udp, len, 67, 68, SERVER_ADDR, dst);
  ipv4_emit(datagram, 28 + len, 1, false, 64, IP_PROTO_UDP, SERVER_ADDR, dst);
  rx_ipv4(0, datagram, 28 + len);
}
