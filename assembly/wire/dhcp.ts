// BOOTP/DHCP message (RFC 2131 2, RFC 951), options as in RFC 2132.
//
//   0    1      2    3    4     8     10     12      16      20      24      28       44      108     236      240
//   | op | htype | hlen | hops | xid | secs | flags | ciaddr | yiaddr | siaddr | giaddr | chaddr | sname | file | cookie | options...
//
// Options are code, length, value, except pad (0) and end (255) which are one byte. The
// check walks them once, bounded by the datagram's length; after it, dhcp_find cannot read
// past the end. Option overload (52: more options in sname/file) is refused: we never ask for
// it and the servers we talk to do not use it for the few options we read.
import { copy, fill, get16, get32, put16, put32 } from "../lib/bytes";
import { Counter } from "../lib/counters";

@inline const OP: usize = 0;
@inline const HTYPE: usize = 1;
@inline const HLEN: usize = 2;
@inline const HOPS: usize = 3;
@inline const XID: usize = 4;
@inline const SECS: usize = 8;
@inline const FLAGS: usize = 10;
@inline const CIADDR: usize = 12;
@inline const YIADDR: usize = 16;
@inline const SIADDR: usize = 20;
@inline const GIADDR: usize = 24;
@inline const CHADDR: usize = 28;
@inline const COOKIE: usize = 236;
@inline export const DHCP_OPTIONS: i32 = 240;
/** The fixed part plus the cookie: the shortest message we can accept (it still needs option 53). */
@inline export const DHCP_HEADER_BYTES: i32 = 240;
/** Messages we emit are padded to the BOOTP minimum of 300 bytes (RFC 1542 2.1), which some relays need. */
@inline export const DHCP_EMIT_BYTES: i32 = 300;

@inline const MAGIC_COOKIE: u32 = 0x63825363;
@inline const OP_BOOTREQUEST: u32 = 1;
@inline const OP_BOOTREPLY: u32 = 2;
@inline const HTYPE_ETHERNET: u32 = 1;
@inline const FLAG_BROADCAST: u32 = 0x8000;

@inline export const DHCP_SERVER_PORT: u32 = 67;
@inline export const DHCP_CLIENT_PORT: u32 = 68;

// Message types (option 53, RFC 2132 9.6).
@inline export const DHCPDISCOVER: u32 = 1;
@inline export const DHCPOFFER: u32 = 2;
@inline export const DHCPREQUEST: u32 = 3;
@inline export const DHCPDECLINE: u32 = 4;
@inline export const DHCPACK: u32 = 5;
@inline export const DHCPNAK: u32 = 6;
@inline export const DHCPRELEASE: u32 = 7;
@inline const DHCP_TYPE_MAX: u32 = 8;

// Option codes (RFC 2132).
@inline export const OPT_PAD: u32 = 0;
@inline export const OPT_SUBNET_MASK: u32 = 1;
@inline export const OPT_ROUTER: u32 = 3;
@inline export const OPT_DNS: u32 = 6;
@inline export const OPT_REQUESTED_ADDR: u32 = 50;
@inline export const OPT_LEASE_TIME: u32 = 51;
@inline export const OPT_OVERLOAD: u32 = 52;
@inline export const OPT_MESSAGE_TYPE: u32 = 53;
@inline export const OPT_SERVER_ID: u32 = 54;
@inline export const OPT_PARAMETER_LIST: u32 = 55;
@inline export const OPT_RENEWAL_TIME: u32 = 58;
@inline export const OPT_REBINDING_TIME: u32 = 59;
@inline export const OPT_CLIENT_ID: u32 = 61;
@inline export const OPT_END: u32 = 255;

/** Validates a server's reply of len bytes: header, cookie, every option inside len, a message type. */
export function dhcp_check(ptr: usize, len: i32): Counter {
  if (len < DHCP_HEADER_BYTES) return Counter.dhcp_rx_short;
  if (load<u8>(ptr + OP) != OP_BOOTREPLY || load<u8>(ptr + HTYPE) != HTYPE_ETHERNET || load<u8>(ptr + HLEN) != 6) {
    return Counter.dhcp_rx_bad_header;
  }
  if (get32(ptr + COOKIE) != MAGIC_COOKIE) return Counter.dhcp_rx_bad_cookie;
  let type: u32 = 0;
  let i = DHCP_OPTIONS;
  while (i < len) {
    const code = <u32>load<u8>(ptr + <usize>i);
    if (code == OPT_END) break;
    if (code == OPT_PAD) { i++; continue; }
    // A length byte and the value must both lie inside the datagram.
    if (i + 1 >= len) return Counter.dhcp_rx_bad_option;
    const option_len = <i32>load<u8>(ptr + <usize>(i + 1));
    if (i + 2 + option_len > len) return Counter.dhcp_rx_bad_option;
    if (code == OPT_OVERLOAD) return Counter.dhcp_rx_overload;
    if (code == OPT_MESSAGE_TYPE) {
      if (option_len != 1) return Counter.dhcp_rx_bad_option;
      type = load<u8>(ptr + <usize>(i + 2));
    }
    i += 2 + option_len;
  }
  if (type == 0 || type > DHCP_TYPE_MAX) return Counter.dhcp_rx_no_type;
  return Counter.OK;
}

@inline export function dhcp_xid(ptr: usize): u32 { return get32(ptr + XID); }
@inline export function dhcp_yiaddr(ptr: usize): u32 { return get32(ptr + YIADDR); }
@inline export function dhcp_siaddr(ptr: usize): u32 { return get32(ptr + SIADDR); }
@inline export function dhcp_chaddr(ptr: usize): usize { return ptr + CHADDR; }

/** Offset of option `code` (its code byte) in a checked message, or -1 when absent. The first one wins. */
export function dhcp_find(ptr: usize, len: i32, code: u32): i32 {
  let i = DHCP_OPTIONS;
  while (i < len) {
    const c = <u32>load<u8>(ptr + <usize>i);
    if (c == OPT_END) return -1;
    if (c == OPT_PAD) { i++; continue; }
    if (c == code) return i;
    i += 2 + <i32>load<u8>(ptr + <usize>(i + 1));
  }
  return -1;
}

@inline export function dhcp_option_len(ptr: usize, at: i32): i32 { return <i32>load<u8>(ptr + <usize>(at + 1)); }
@inline export function dhcp_option_value(ptr: usize, at: i32): usize { return ptr + <usize>(at + 2); }

export function dhcp_message_type(ptr: usize, len: i32): u32 {
  const at = dhcp_find(ptr, len, OPT_MESSAGE_TYPE);
  return at < 0 ? 0 : <u32>load<u8>(dhcp_option_value(ptr, at));
}

/** The n-th address of an address-list option (1, 3, 6, 50, 54: four bytes each), or 0 when absent or short. */
export function dhcp_addr_option(ptr: usize, len: i32, code: u32, n: i32): u32 {
  const at = dhcp_find(ptr, len, code);
  if (at < 0 || dhcp_option_len(ptr, at) < (n + 1) << 2) return 0;
  return get32(dhcp_option_value(ptr, at) + <usize>(n << 2));
}

/** A 32-bit seconds option (51, 58, 59), or `absent` when missing or not four bytes long. */
export function dhcp_seconds_option(ptr: usize, len: i32, code: u32, absent: u32): u32 {
  const at = dhcp_find(ptr, len, code);
  if (at < 0 || dhcp_option_len(ptr, at) != 4) return absent;
  return get32(dhcp_option_value(ptr, at));
}

/**
 * Writes a client message (DISCOVER, REQUEST, DECLINE, RELEASE) at ptr and returns its length
 * (DHCP_EMIT_BYTES). requested and server_id are left out when 0. The parameter request list
 * goes with DISCOVER and REQUEST only (RFC 2131 table 5).
 */
export function dhcp_emit(ptr: usize, type: u32, xid: u32, broadcast: bool, ciaddr: u32, mac: usize, requested: u32, server_id: u32): i32 {
  fill(ptr, 0, DHCP_EMIT_BYTES);
  store<u8>(ptr + OP, <u8>OP_BOOTREQUEST);
  store<u8>(ptr + HTYPE, <u8>HTYPE_ETHERNET);
  store<u8>(ptr + HLEN, 6);
  store<u8>(ptr + HOPS, 0);
  put32(ptr + XID, xid);
  put16(ptr + SECS, 0);
  put16(ptr + FLAGS, broadcast ? FLAG_BROADCAST : 0);
  put32(ptr + CIADDR, ciaddr);
  put32(ptr + YIADDR, 0);
  put32(ptr + SIADDR, 0);
  put32(ptr + GIADDR, 0);
  copy(ptr + CHADDR, mac, 6);
  put32(ptr + COOKIE, MAGIC_COOKIE);
  let at = ptr + <usize>DHCP_OPTIONS;
  at = put_option(at, OPT_MESSAGE_TYPE, 1);
  store<u8>(at, <u8>type);
  at += 1;
  // Client identifier: hardware type 1 and the MAC (RFC 2132 9.14).
  at = put_option(at, OPT_CLIENT_ID, 7);
  store<u8>(at, <u8>HTYPE_ETHERNET);
  copy(at + 1, mac, 6);
  at += 7;
  if (requested != 0) at = put_addr_option(at, OPT_REQUESTED_ADDR, requested);
  if (server_id != 0) at = put_addr_option(at, OPT_SERVER_ID, server_id);
  if (type == DHCPDISCOVER || type == DHCPREQUEST) {
    at = put_option(at, OPT_PARAMETER_LIST, 6);
    store<u8>(at, <u8>OPT_SUBNET_MASK);
    store<u8>(at, <u8>OPT_ROUTER, 1);
    store<u8>(at, <u8>OPT_DNS, 2);
    store<u8>(at, <u8>OPT_LEASE_TIME, 3);
    store<u8>(at, <u8>OPT_RENEWAL_TIME, 4);
    store<u8>(at, <u8>OPT_REBINDING_TIME, 5);
    at += 6;
  }
  store<u8>(at, <u8>OPT_END);
  return DHCP_EMIT_BYTES;
}

@inline function put_option(at: usize, code: u32, len: u32): usize {
  store<u8>(at, <u8>code);
  store<u8>(at, <u8>len, 1);
  return at + 2;
}

function put_addr_option(at: usize, code: u32, addr: u32): usize {
  at = put_option(at, code, 4);
  put32(at, addr);
  return at + 4;
}

/** The flags field's broadcast bit. */
@inline export function dhcp_is_broadcast(ptr: usize): bool { return (get16(ptr + FLAGS) & FLAG_BROADCAST) != 0; }
@inline export function dhcp_ciaddr(ptr: usize): u32 { return get32(ptr + CIADDR); }
@inline export function dhcp_op(ptr: usize): u32 { return load<u8>(ptr + OP); }
