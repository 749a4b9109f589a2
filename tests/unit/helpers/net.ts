// A known starting state for net/ specs: every table reset, interface 0 up as
// 192.0.2.2/24 (gateway 192.0.2.1) with MAC 02:00:00:00:00:01, the clock at `now`.
// Every frame transmitted after net_reset() is copied into `captured` (test.capture,
// implemented in as-pect.config.js).
import { TX_POOL_COUNT } from "../../../assembly/config";
import { Counter, counter_value } from "../../../assembly/lib/counters";
import { pool_available, pool_reset } from "../../../assembly/lib/pool";
import { arp_reset } from "../../../assembly/net/arp";
import { clock_set } from "../../../assembly/net/clock";
import { icmp_reset } from "../../../assembly/net/icmp";
import { iface_set_addr, iface_set_mac_bytes, iface_set_qinq_tag, iface_set_up, iface_set_vlan_id, QINQ_OFF } from "../../../assembly/net/iface";
import { ipv4_reset } from "../../../assembly/net/ipv4";
import { capture, tx_count } from "./hal";
import { ip4 } from "./bytes";

export const OUR_ADDR: u32 = 0xc0000202; // 192.0.2.2
export const GATEWAY_ADDR: u32 = 0xc0000201; // 192.0.2.1
export const PEER_ADDR: u32 = 0xc000020a; // 192.0.2.10
export const OUR_MAC = memory.data<u8>([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
export const PEER_MAC = memory.data<u8>([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);

export const CAPTURE_BYTES: i32 = 2048;
export const captured: usize = memory.data(CAPTURE_BYTES, 8);

const counter_base = new StaticArray<u32>(Counter.COUNT);
let tx_base: i32 = 0;

export function net_reset(now: u32): void {
  pool_reset();
  arp_reset();
  ipv4_reset();
  icmp_reset(now);
  clock_set(now);
  iface_set_mac_bytes(0, 0x0200, 0x00000001);
  iface_set_addr(0, OUR_ADDR, 24, GATEWAY_ADDR);
  iface_set_up(0, true);
  iface_set_vlan_id(0, 0);
  iface_set_qinq_tag(0, QINQ_OFF, 0);
  memory.fill(captured, 0xa5, <usize>CAPTURE_BYTES);
  capture(captured, CAPTURE_BYTES);
  mark();
}

/** Remembers every counter and the transmit count; delta() and sent() measure from here. */
export function mark(): void {
  for (let i = 0; i < Counter.COUNT; i++) unchecked((counter_base[i] = counter_value(<Counter>i)));
  tx_base = tx_count();
}

export function delta(counter: Counter): u32 {
  return counter_value(counter) - unchecked(counter_base[counter]);
}

/** Frames transmitted since the last mark(). */
export function sent(): i32 {
  return tx_count() - tx_base;
}

export function pool_full(): bool {
  return pool_available() == TX_POOL_COUNT;
}

export { ip4 };
