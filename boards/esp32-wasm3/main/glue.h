// The ESP32 side of the netstack glue: board set-up here, the hooks of
// ../../common/wasm3_netstack.h in glue.c.
#pragma once

/* SPI bus and chip-select GPIO for the ENC28J60, and the RNG's entropy source. */
void glue_board_init(void);
