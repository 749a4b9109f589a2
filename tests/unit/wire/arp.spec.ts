import { Counter } from "../../../assembly/lib/counters";
import {
  arp_check, arp_emit, arp_op, arp_sender_addr, arp_sender_mac, arp_target_addr, arp_target_mac,
  ARP_BYTES, ARP_OP_REPLY, ARP_OP_REQUEST,
} from "../../../assembly/wire/arp";
import { clone, first_difference, ip4, prefilled, all_bytes } from "../helpers/bytes";

const PEER_MAC = memory.data<u8>([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
const OUR_MAC = memory.data<u8>([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);

// Who has 192.0.2.2? Tell 192.0.2.10 (52:54:00:12:34:56).
const REQUEST = memory.data<u8>([
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0x00, 0x02, 0x0a,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
]);
// 192.0.2.2 is at 02:00:00:00:00:01, to 192.0.2.10.
const REPLY = memory.data<u8>([
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x02,
  0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc0, 0x00, 0x02, 0x0a,
]);

function check_with(offset: usize, value: u8): Counter {
  const buf = clone(REQUEST, ARP_BYTES);
  store<u8>(buf + offset, value);
  return arp_check(buf, ARP_BYTES);
}

describe("arp view", () => {
  it("accepts and deconstructs a request", () => {
    expect<Counter>(arp_check(REQUEST, 28)).toBe(Counter.OK);
    expect<u32>(arp_op(REQUEST)).toBe(ARP_OP_REQUEST);
    expect<i32>(first_difference(arp_sender_mac(REQUEST), PEER_MAC, 6)).toBe(-1);
    expect<u32>(arp_sender_addr(REQUEST)).toBe(ip4(192, 0, 2, 10));
    expect<bool>(all_bytes(arp_target_mac(REQUEST), 6, 0)).toBe(true);
    expect<u32>(arp_target_addr(REQUEST)).toBe(ip4(192, 0, 2, 2));
  });

  it("accepts and deconstructs a reply", () => {
    expect<Counter>(arp_check(REPLY, 28)).toBe(Counter.OK);
    expect<u32>(arp_op(REPLY)).toBe(ARP_OP_REPLY);
    expect<i32>(first_difference(arp_sender_mac(REPLY), OUR_MAC, 6)).toBe(-1);
    expect<i32>(first_difference(arp_target_mac(REPLY), PEER_MAC, 6)).toBe(-1);
    expect<u32>(arp_target_addr(REPLY)).toBe(ip4(192, 0, 2, 10));
  });

  it("accepts trailing Ethernet padding", () => {
    const buf = prefilled(46);
    memory.copy(buf, REQUEST, 28);
    expect<Counter>(arp_check(buf, 46)).toBe(Counter.OK);
  });

  it("rejects a truncated packet", () => {
    expect<Counter>(arp_check(REQUEST, 27)).toBe(Counter.arp_rx_bad);
    expect<Counter>(arp_check(REQUEST, 8)).toBe(Counter.arp_rx_bad);
    expect<Counter>(arp_check(REQUEST, 0)).toBe(Counter.arp_rx_bad);
  });

  it("rejects a hardware type other than Ethernet", () => {
    expect<Counter>(check_with(1, 6)).toBe(Counter.arp_rx_bad); // IEEE 802
    expect<Counter>(check_with(0, 1)).toBe(Counter.arp_rx_bad); // 0x0101
  });

  it("rejects a protocol type other than IPv4", () => {
    expect<Counter>(check_with(2, 0x86)).toBe(Counter.arp_rx_bad); // 0x8600
    expect<Counter>(check_with(3, 0x06)).toBe(Counter.arp_rx_bad); // 0x0806
  });

  it("rejects wrong address lengths", () => {
    expect<Counter>(check_with(4, 8)).toBe(Counter.arp_rx_bad);
    expect<Counter>(check_with(4, 0)).toBe(Counter.arp_rx_bad);
    expect<Counter>(check_with(5, 16)).toBe(Counter.arp_rx_bad);
    expect<Counter>(check_with(5, 6)).toBe(Counter.arp_rx_bad);
  });

  it("rejects operations other than request and reply", () => {
    expect<Counter>(check_with(7, 0)).toBe(Counter.arp_rx_bad);
    expect<Counter>(check_with(7, 3)).toBe(Counter.arp_rx_bad); // RARP request
    expect<Counter>(check_with(6, 1)).toBe(Counter.arp_rx_bad); // 0x0101
  });
});

describe("arp emit", () => {
  it("builds a request with a zero target MAC byte for byte", () => {
    const buf = prefilled(32);
    arp_emit(buf, ARP_OP_REQUEST, PEER_MAC, ip4(192, 0, 2, 10), 0, ip4(192, 0, 2, 2));
    expect<i32>(first_difference(buf, REQUEST, 28)).toBe(-1);
    expect<u32>(load<u8>(buf + 28)).toBe(0xa5);
  });

  it("builds a reply byte for byte and parses it back", () => {
    const buf = prefilled(32);
    arp_emit(buf, ARP_OP_REPLY, OUR_MAC, ip4(192, 0, 2, 2), PEER_MAC, ip4(192, 0, 2, 10));
    expect<i32>(first_difference(buf, REPLY, 28)).toBe(-1);
    expect<u32>(load<u8>(buf + 28)).toBe(0xa5);
    expect<Counter>(arp_check(buf, 28)).toBe(Counter.OK);
    expect<u32>(arp_op(buf)).toBe(ARP_OP_REPLY);
    expect<u32>(arp_sender_addr(buf)).toBe(ip4(192, 0, 2, 2));
    expect<u32>(arp_target_addr(buf)).toBe(ip4(192, 0, 2, 10));
  });
});
