// The wasm3_netstack.h hooks on an ESP32: ESP-IDF spi_master in polling mode with a GPIO chip
// select, esp_random(), esp_timer, a GPIO interrupt on INT and a FreeRTOS task notification.
// The imports and the poll loop are ../../common/wasm3_netstack.c. Not compiled in this
// repository (no ESP-IDF here).
#include <stdbool.h>

#include "bootloader_random.h"
#include "driver/gpio.h"
#include "driver/spi_master.h"
#include "esp_attr.h"
#include "esp_log.h"
#include "esp_random.h"
#include "esp_rom_sys.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "soc/soc_caps.h"

#include "board_config.h"
#include "glue.h"
#include "wasm3_netstack.h"

static const char *TAG = "netstack";

// Without DMA the SPI peripheral moves at most SOC_SPI_MAXIMUM_BUFFER_SIZE (64) bytes per
// transaction, so longer transfers go in pieces. CS is a GPIO, so it stays low across them;
// a hardware CS would rise between pieces and end the ENC28J60 command.
#define CHUNK_BYTES SOC_SPI_MAXIMUM_BUFFER_SIZE
static const uint8_t zeros[CHUNK_BYTES]; // clocked out when the module passes tx_ptr 0
static spi_device_handle_t enc28j60;
static TaskHandle_t loop_task; // the task that runs the poll loop, woken by INT

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

void board_log(enum board_log_level level, const char *text) {
  if (level == BOARD_LOG_ERROR) ESP_LOGE(TAG, "%s", text);
  else if (level == BOARD_LOG_WARN) ESP_LOGW(TAG, "%s", text);
  else ESP_LOGI(TAG, "%s", text);
}

void board_spi_select(bool on) {
  // CS must stay low >= 210 ns after the last clock of a MAC/MII access (ENC28J60.md §1).
  if (!on) esp_rom_delay_us(1);
  gpio_set_level(BOARD_PIN_CS, on ? 0 : 1);
}

void board_spi_transfer(const uint8_t *tx, uint8_t *rx, size_t len) {
  while (len > 0) {
    size_t n = len < CHUNK_BYTES ? len : CHUNK_BYTES;
    spi_transaction_t transaction = { .length = n * 8, .tx_buffer = tx ? tx : zeros, .rx_buffer = rx };
    ESP_ERROR_CHECK(spi_device_polling_transmit(enc28j60, &transaction));
    if (tx) tx += n;
    if (rx) rx += n;
    len -= n;
  }
}

uint32_t board_random(void) {
  return esp_random();
}

uint32_t board_now_ms(void) {
  return (uint32_t)(esp_timer_get_time() / 1000); // wraps after 49.7 days, as poll() allows
}

static void IRAM_ATTR on_enc28j60_int(void *arg) {
  BaseType_t woken = pdFALSE;
  vTaskNotifyGiveFromISR(loop_task, &woken);
  if (woken == pdTRUE) portYIELD_FROM_ISR();
}

void board_watch_int(void) {
  // Called from the poll loop's task: the interrupt is allocated on this task's core and
  // notifies this task.
  loop_task = xTaskGetCurrentTaskHandle();
  gpio_config_t pin = {
    .pin_bit_mask = 1ULL << BOARD_PIN_INT, .mode = GPIO_MODE_INPUT,
    .pull_up_en = GPIO_PULLUP_ENABLE, .intr_type = GPIO_INTR_NEGEDGE,
  };
  ESP_ERROR_CHECK(gpio_config(&pin));
  ESP_ERROR_CHECK(gpio_install_isr_service(0));
  ESP_ERROR_CHECK(gpio_isr_handler_add(BOARD_PIN_INT, on_enc28j60_int, NULL));
}

bool board_int_low(void) {
  return gpio_get_level(BOARD_PIN_INT) == 0;
}

void board_wait(uint32_t delay_ms) {
  // An edge while the loop polls leaves the notification pending, so the next wait ends at once.
  // Needs a 1 kHz tick (sdkconfig.defaults) so 1 ms is one tick, not zero.
  if (delay_ms > 0) ulTaskNotifyTake(pdTRUE, pdMS_TO_TICKS(delay_ms));
}

void board_restart(void) {
  vTaskDelay(pdMS_TO_TICKS(1000));
  esp_restart();
}
