// The netstack module under wasm3, shared by every wasm3 board: wasm3_netstack.c links the
// module's imports (assembly/hal.ts) and runs the start function, the configuration from the
// board's board_config.h and the poll loop. A board supplies only the hooks below (its glue.c)
// and its entry point, which sets up the SPI bus and calls netstack_run on the stack and core
// the loop is to run on. tests/build/boards.test.ts checks that every board that lists
// wasm3_netstack.c defines each hook with these types. Not compiled in this repository.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Loads the module from bytes (which may stay in flash: wasm3 parses them in place), links
   its imports, runs init(), checks abi_version(), configures the interface and polls forever.
   A wasm3 error or a refusal by the module is logged and restarts the board. */
void netstack_run(const uint8_t *wasm, uint32_t wasm_bytes);

/* ---- Hooks: each wasm3 board defines these. */

enum board_log_level { BOARD_LOG_INFO, BOARD_LOG_WARN, BOARD_LOG_ERROR };

/* One line of text for the board's console (no trailing newline). */
void board_log(enum board_log_level level, const char *text);

/* ENC28J60 chip select on its GPIO: on = CS low (a command starts), off = CS high (it ends),
   no sooner than 210 ns after the last clock (ENC28J60.md §1). */
void board_spi_select(bool on);

/* Clocks len bytes in SPI mode 0, blocking, CS untouched; tx NULL = clock out zeros, rx NULL =
   discard what comes back. */
void board_spi_transfer(const uint8_t *tx, uint8_t *rx, size_t len);

/* 32 bits from the hardware RNG. */
uint32_t board_random(void);

/* A millisecond clock for poll(now_ms); it may wrap. */
uint32_t board_now_ms(void);

/* Arms the falling-edge interrupt on the ENC28J60's INT pin. Called once, from the loop, before
   the first poll, so the interrupt belongs to the loop's core. */
void board_watch_int(void);

/* Whether the INT pin reads low now. */
bool board_int_low(void);

/* Sleeps until delay_ms has passed or INT has fallen since the last wait returned (an edge
   during a poll cuts the next wait short). Returns at once for 0. */
void board_wait(uint32_t delay_ms);

/* Restarts the board about 1 s from now, after the log has gone out. Does not return. */
void board_restart(void);
