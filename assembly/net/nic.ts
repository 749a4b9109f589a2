// Which driver moves each interface's frames. An interface is either a frame nic (the host
// passes whole frames: hal.nic_tx out, rx() in) or the ENC28J60 on the SPI bus, serviced from
// poll() by net/nic_enc28j60.ts. One receive buffer per interface, whatever the driver.
import { FRAME_BUFFER_BYTES, IFACE_COUNT } from "../config";
import { hal_nic_tx } from "../hal";
import { enc_tx } from "../drivers/enc28j60";

const rx_buffers: usize = memory.data(FRAME_BUFFER_BYTES * IFACE_COUNT, 8);

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
