// The RP2040 side of the netstack glue: board set-up here, the hooks of ../common/wasm3_netstack.h
// in glue.c.
#pragma once

/* spi0 and the chip-select GPIO for the ENC28J60. Returns the SPI clock actually set, in Hz. */
unsigned glue_board_init(void);
