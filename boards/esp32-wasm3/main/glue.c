// The netstack module's imports (assembly/hal.ts) on an ESP32: ESP-IDF spi_master in polling
// mode with a GPIO chip select, esp_random(), and wasm3 raw functions. Every
// m3_LinkRawFunction line below is checked against the imports of the built module by
// tests/build/boards.test.ts. Not compiled in this repository (no ESP-IDF here).
#include <stdbool.h>
#include <string.h>

#include "bootloader_random.h"
#include "driver/gpio.h"
#include "driver/spi_master.h"
#include "esp_log.h"
#include "esp_random.h"
#include "esp_rom_sys.h"
#include "soc/soc_caps.h"
#include "wasm3.h"

#include "board_config.h"
#include "glue.h"
#include "netstack_text.h"

static const char *TAG = "netstack";

// Without DMA the SPI peripheral moves at most SOC_SPI_MAXIMUM_BUFFER_SIZE (64) bytes per
// transaction, so longer transfers go in pieces. CS is a GPIO, so it stays low across them;
// a hardware CS would rise between pieces and end the ENC28J60 command.
#define CHUNK_BYTES SOC_SPI_MAXIMUM_BUFFER_SIZE
static const uint8_t zeros[CHUNK_BYTES]; // clocked out when the module passes tx_ptr 0
static spi_device_handle_t enc28j60;

void glue_board_init(void) {
  // CS high before the pin becomes an output, so the chip never sees a stray command.
  gpio_set_level(BOARD_PIN_CS, 1);
  gpio_config_t cs = { .pin_bit_mask = 1ULL << BOARD_PIN_CS, .mode = GPIO_MODE_OUTPUT };
  ESP_ERROR_CHECK(gpio_config(&cs));
  spi_bus_config_t bus = {
    .mosi_io_num = BOARD_PIN_MOSI, .miso_io_num = BOARD_PIN_MISO, .sclk_io_num = BOARD_PIN_SCK,
    .quadwp_io_num = -1, .quadhd_io_num = -1, .max_transfer_sz = CHUNK_BYTES,
  };
  ESP_ERROR_CHECK(spi_bus_initialize(BOARD_SPI_HOST, &bus, SPI_DMA_DISABLED));
  spi_device_interface_config_t device = {
    .mode = 0, // the ENC28J60 speaks SPI mode 0 only (ENC28J60.md §1)
    .clock_speed_hz = BOARD_SPI_HZ,
    .spics_io_num = -1, // no hardware CS: hal.spi_select drives the GPIO
    .queue_size = 1,
  };
  ESP_ERROR_CHECK(spi_bus_add_device(BOARD_SPI_HOST, &device, &enc28j60));
  // The chip is alone on this bus: hold it, so polling transactions skip the bus arbitration.
  ESP_ERROR_CHECK(spi_device_acquire_bus(enc28j60, portMAX_DELAY));
  // Without Wi-Fi or Bluetooth running, esp_random() is only pseudo-random unless this
  // entropy source is on (ESP-IDF, "Random Number Generation"). It uses the SAR ADC: call
  // bootloader_random_disable() before the application uses the ADC, I2S, Wi-Fi or Bluetooth.
  bootloader_random_enable();
}

static void spi_select(bool on) {
  // CS must stay low >= 210 ns after the last clock of a MAC/MII access (ENC28J60.md §1).
  if (!on) esp_rom_delay_us(1);
  gpio_set_level(BOARD_PIN_CS, on ? 0 : 1);
}

static void spi_transfer(const uint8_t *tx, uint8_t *rx, size_t len) {
  while (len > 0) {
    size_t n = len < CHUNK_BYTES ? len : CHUNK_BYTES;
    spi_transaction_t transaction = { .length = n * 8, .tx_buffer = tx ? tx : zeros, .rx_buffer = rx };
    ESP_ERROR_CHECK(spi_device_polling_transmit(enc28j60, &transaction));
    if (tx) tx += n;
    if (rx) rx += n;
    len -= n;
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
  ESP_LOGI(TAG, "module [%d]: %s", (int)level, text);
  m3ApiSuccess();
}

m3ApiRawFunction(hal_random) {
  m3ApiReturnType(uint32_t);
  m3ApiReturn(esp_random());
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
  ESP_LOGE(TAG, "module abort: %s at %s:%d:%d", text, where, (int)line, (int)column);
  // Unwind the module; main.c reports the trap and restarts the board.
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
