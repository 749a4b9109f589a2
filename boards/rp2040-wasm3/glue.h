// The board side of the netstack module's imports (assembly/hal.ts) for RP2040 + wasm3.
#pragma once

#include "wasm3.h"

/* spi0 and the chip-select GPIO for the ENC28J60. Returns the SPI clock actually set, in Hz. */
unsigned glue_board_init(void);

/* Links every import the module may have. Call after m3_LoadModule, before m3_RunStart. */
M3Result glue_link(IM3Module module);
