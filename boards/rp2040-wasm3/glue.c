// The netstack module's imports (assembly/hal.ts) on an RP2040: pico-sdk hardware_spi in
// blocking (polling) mode with a GPIO chip select, pico_rand, and wasm3 raw functions. Every
// m3_LinkRawFunction line below is checked against the imports of the built module by
// tests/build/boards.test.ts. Not compiled in this repository (no pico-sdk here).
#include <stdbool.h>
#include <stdio.h>

#include "hardware/gpio.h"
#include "hardware/spi.h"
#include "pico/rand.h"
#include "pico/stdlib.h"
#include "wasm3.h"

#include "board_config.h"
#include "glue.h"
#include "netstack_text.h"

unsigned glue_board_init(void) {
  // CS is SIO, not the PL022's CSn: in SPI mode 0 the PL022 raises CSn between frames, which
  // would end an ENC28J60 command in the middle. High before it becomes an output.
  gpio_init(BOARD_PIN_CS);
  gpio_put(BOARD_PIN_CS, 1);
  gpio_set_dir(BOARD_PIN_CS, GPIO_OUT);
  unsigned hz = spi_init(BOARD_SPI, BOARD_SPI_HZ);
  spi_set_format(BOARD_SPI, 8, SPI_CPOL_0, SPI_CPHA_0, SPI_MSB_FIRST); // mode 0 (ENC28J60.md §1)
  gpio_set_function(BOARD_PIN_MISO, GPIO_FUNC_SPI);
  gpio_set_function(BOARD_PIN_SCK, GPIO_FUNC_SPI);
  gpio_set_function(BOARD_PIN_MOSI, GPIO_FUNC_SPI);
  return hz;
}

static void spi_select(bool on) {
  // CS must stay low >= 210 ns after the last clock of a MAC/MII access (ENC28J60.md §1);
  // the blocking calls return once the bus is idle, so wait 32 cycles (256 ns at 125 MHz).
  if (!on) busy_wait_at_least_cycles(32);
  gpio_put(BOARD_PIN_CS, on ? 0 : 1);
}

static void spi_transfer(const uint8_t *tx, uint8_t *rx, size_t len) {
  if (tx && rx) spi_write_read_blocking(BOARD_SPI, tx, rx, len);
  else if (tx) spi_write_blocking(BOARD_SPI, tx, len); // discards what comes back
  else if (rx) spi_read_blocking(BOARD_SPI, 0x00, rx, len); // clocks out zeros
  else {
    static uint8_t sink[64];
    for (size_t n; len > 0; len -= n) {
      n = len < sizeof sink ? len : sizeof sink;
      spi_read_blocking(BOARD_SPI, 0x00, sink, n);
    }
  }
}

// ---- Imports. Offsets into the module's memory are checked with m3ApiCheckMem (a trap when
// out of range). m3ApiGetArgMem is not used for the SPI buffers: it would turn offset 0, which
// the ABI defines as "no buffer", into a pointer to the start of memory.

m3ApiRawFunction(hal_nic_tx) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(int32_t, iface);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(int32_t, len);
  (void)iface, (void)ptr, (void)len;
  // No frame NIC on this board: its one link is the ENC28J60, which the module drives over SPI.
  m3ApiReturn(-1);
}

m3ApiRawFunction(hal_log) {
  m3ApiGetArg(int32_t, level);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(int32_t, len);
  char text[128];
  netstack_text(_mem, m3_GetMemorySize(runtime), ptr, len < 0 ? UINT32_MAX : (uint32_t)len, text, sizeof text);
  printf("netstack: module [%d]: %s\n", (int)level, text);
  m3ApiSuccess();
}

m3ApiRawFunction(hal_random) {
  m3ApiReturnType(uint32_t);
  m3ApiReturn(get_rand_32()); // pico_rand: ROSC random bits among its entropy sources
}

m3ApiRawFunction(hal_spi_select) {
  m3ApiGetArg(int32_t, on);
  spi_select(on != 0);
  m3ApiSuccess();
}

m3ApiRawFunction(hal_spi_transfer) {
  m3ApiGetArg(uint32_t, tx_offset);
  m3ApiGetArg(uint32_t, rx_offset);
  m3ApiGetArg(int32_t, len);
  if (len < 0) m3ApiTrap(m3Err_trapOutOfBoundsMemoryAccess);
  const uint8_t *tx = NULL;
  uint8_t *rx = NULL;
  if (tx_offset != 0) {
    tx = m3ApiOffsetToPtr(tx_offset);
    m3ApiCheckMem(tx, len);
  }
  if (rx_offset != 0) {
    rx = m3ApiOffsetToPtr(rx_offset);
    m3ApiCheckMem(rx, len);
  }
  spi_transfer(tx, rx, (size_t)len);
  m3ApiSuccess();
}

m3ApiRawFunction(env_abort) {
  m3ApiGetArg(uint32_t, message);
  m3ApiGetArg(uint32_t, file);
  m3ApiGetArg(int32_t, line);
  m3ApiGetArg(int32_t, column);
  char text[96], where[64];
  netstack_as_string(_mem, m3_GetMemorySize(runtime), message, text, sizeof text);
  netstack_as_string(_mem, m3_GetMemorySize(runtime), file, where, sizeof where);
  printf("netstack: module abort: %s at %s:%d:%d\n", text, where, (int)line, (int)column);
  // Unwind the module; main.c reports the trap and reboots the board.
  m3ApiTrap(m3Err_trapAbort);
}

M3Result glue_link(IM3Module module) {
  // wasm3 checks each signature against the module's import ("function signature mismatch").
  const M3Result results[] = {
    m3_LinkRawFunction(module, "hal", "nic_tx", "i(iii)", &hal_nic_tx),
    m3_LinkRawFunction(module, "hal", "log", "v(iii)", &hal_log),
    m3_LinkRawFunction(module, "hal", "random", "i()", &hal_random),
    m3_LinkRawFunction(module, "hal", "spi_select", "v(i)", &hal_spi_select),
    m3_LinkRawFunction(module, "hal", "spi_transfer", "v(iii)", &hal_spi_transfer),
    m3_LinkRawFunction(module, "env", "abort", "v(iiii)", &env_abort),
  };
  for (size_t i = 0; i < sizeof results / sizeof results[0]; i++) {
    // An import the module does not have (today: hal.log) is not an error.
    if (results[i] != m3Err_none && results[i] != m3Err_functionLookupFailed) return results[i];
  }
  return m3Err_none;
}
