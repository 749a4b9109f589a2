// The wasm3_netstack.h hooks on an RP2040: pico-sdk hardware_spi in blocking (polling) mode with
// a GPIO chip select, pico_rand, a GPIO interrupt on INT and the watchdog. The imports and the
// poll loop are ../common/wasm3_netstack.c. Not compiled in this repository (no pico-sdk here).
#include <stdbool.h>
#include <stdio.h>

#include "hardware/gpio.h"
#include "hardware/spi.h"
#include "hardware/sync.h"
#include "hardware/watchdog.h"
#include "pico/rand.h"
#include "pico/stdlib.h"

#include "board_config.h"
#include "glue.h"
#include "wasm3_netstack.h"

static volatile bool enc28j60_int;

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

void board_log(enum board_log_level level, const char *text) {
  (void)level;
  printf("netstack: %s\n", text);
}

void board_spi_select(bool on) {
  // CS must stay low >= 210 ns after the last clock of a MAC/MII access (ENC28J60.md §1);
  // the blocking calls return once the bus is idle, so wait 32 cycles (256 ns at 125 MHz).
  if (!on) busy_wait_at_least_cycles(32);
  gpio_put(BOARD_PIN_CS, on ? 0 : 1);
}

void board_spi_transfer(const uint8_t *tx, uint8_t *rx, size_t len) {
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

uint32_t board_random(void) {
  return get_rand_32(); // pico_rand: ROSC random bits among its entropy sources
}

uint32_t board_now_ms(void) {
  return to_ms_since_boot(get_absolute_time());
}

static void on_gpio_irq(uint gpio, uint32_t events) {
  if (gpio != BOARD_PIN_INT || !(events & GPIO_IRQ_EDGE_FALL)) return;
  enc28j60_int = true;
  __sev(); // end the loop's wait now
}

void board_watch_int(void) {
  // Called on core 1, so the GPIO interrupt is enabled there and its callback runs there too.
  gpio_init(BOARD_PIN_INT);
  gpio_set_dir(BOARD_PIN_INT, GPIO_IN);
  gpio_pull_up(BOARD_PIN_INT);
  gpio_set_irq_enabled_with_callback(BOARD_PIN_INT, GPIO_IRQ_EDGE_FALL, true, &on_gpio_irq);
}

bool board_int_low(void) {
  return !gpio_get(BOARD_PIN_INT);
}

void board_wait(uint32_t delay_ms) {
  absolute_time_t until = make_timeout_time_ms(delay_ms);
  while (!enc28j60_int && !best_effort_wfe_or_timeout(until)) {
  }
  enc28j60_int = false; // an edge from here on cuts the next wait short
}

void board_restart(void) {
  watchdog_reboot(0, 0, 1000);
  for (;;) tight_loop_contents();
}
