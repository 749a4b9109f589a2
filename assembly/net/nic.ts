// Which driver moves each interface's frames. An interface is either a frame nic (the host
// passes whole frames: hal.nic_tx out, rx() in) or the ENC28J60 on the SPI bus, serviced from
// poll() by net/nic_enc28j60.ts. One receive buffer per interface, whatever the driver.
import { FRAME_BUFFER_BYTES, IFACE_COUNT } from "../config";
import { hal_nic_tx } from "../hal";
import { fill } from "../lib/bytes";
import { eth_emit_multicast_dst } from "../wire/ethernet";
import { enc_hash_add, enc_set_multicast_hash, enc_tx } from "../drivers/enc28j60";

const rx_buffers: usize = memory.data(FRAME_BUFFER_BYTES * IFACE_COUNT, 8);

/** Scratch for the ENC28J60's 64-bit multicast hash table and one group's MAC. */
const hash_table: usize = memory.data(8, 8);
const group_mac: usize = memory.data(8, 8);

/** The interface the ENC28J60 serves, or -1. One chip per module: hal has one chip select. */
let enc_iface: i32 = -1;

@inline export function nic_rx_buffer(iface: i32): usize {
  return rx_buffers + <usize>(iface * FRAME_BUFFER_BYTES);
}

export function nic_enc_iface(): i32 {
  return enc_iface;
}

export function nic_set_enc_iface(iface: i32): void {
  enc_iface = iface;
}

/** Sends one padded frame; < 0 when the driver dropped it. */
export function nic_send(iface: i32, frame: usize, len: i32): i32 {
  return iface == enc_iface ? enc_tx(frame, len) : hal_nic_tx(iface, frame, len);
}

/**
 * The groups iface now receives (count u32 addresses at groups, 224.0.0.1 among them). The
 * ENC28J60's hash filter (ERXFCON.HTEN) is programmed to pass their MAC addresses (RFC 1112
 * 6.4) instead of every multicast frame; hash collisions pass too, and net/ipv4.ts drops them.
 * A frame nic passes everything and needs nothing.
 */
export function nic_multicast_changed(iface: i32, groups: usize, count: i32): void {
  if (iface != enc_iface) return;
  fill(hash_table, 0, 8);
  for (let i = 0; i < count; i++) {
    eth_emit_multicast_dst(group_mac, load<u32>(groups + (<usize>i << 2)));
    enc_hash_add(hash_table, group_mac);
  }
  enc_set_multicast_hash(hash_table);
}
