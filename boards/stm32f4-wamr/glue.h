// The board side of the netstack module's imports (assembly/hal.ts) for STM32F4 + WAMR.
#pragma once

#include <stdbool.h>

/* SPI1, its pins and the chip-select GPIO for the ENC28J60, and the RNG. */
void glue_board_init(void);

/* Registers every import the module may have with WAMR. Call after wasm_runtime_full_init,
   before wasm_runtime_load. */
bool glue_register(void);
