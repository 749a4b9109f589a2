// The board side of the netstack module's imports (assembly/hal.ts) for ESP32 + wasm3.
#pragma once

#include "wasm3.h"

/* SPI bus and chip-select GPIO for the ENC28J60, and the RNG's entropy source. */
void glue_board_init(void);

/* Links every import the module may have. Call after m3_LoadModule, before m3_RunStart. */
M3Result glue_link(IM3Module module);
