// netstack on an ESP32 with an ENC28J60 on SPI3 (VSPI): wasm3 runs the module embedded in
// flash, one FreeRTOS task runs the poll loop (../../common/wasm3_netstack.c), and the chip's
// INT pin wakes that task early. Not compiled in this repository (no ESP-IDF here): see
// ../README.md.
#include <stdint.h>

#include "esp_heap_caps.h"
#include "esp_log.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

#include "board_config.h"
#include "glue.h"
#include "wasm3_netstack.h"

static const char *TAG = "netstack";

// main/CMakeLists.txt embeds build/netstack-tiny.wasm (EMBED_FILES names the symbols).
extern const uint8_t netstack_wasm[] asm("_binary_netstack_tiny_wasm_start");
extern const uint8_t netstack_wasm_end[] asm("_binary_netstack_tiny_wasm_end");

static void poll_loop(void *arg) {
  // Everything runs in this task: the SPI device, its GPIOs and the INT interrupt (allocated
  // on this task's core) belong to it.
  glue_board_init();
  ESP_LOGI(TAG, "netstack %s profile, %u-byte module, ENC28J60 on SPI3 at %d Hz", BOARD_PROFILE,
           (unsigned)(netstack_wasm_end - netstack_wasm), BOARD_SPI_HZ);
  // The module's memory is one malloc block of whole 64 KiB pages (plus a small header).
  ESP_LOGI(TAG, "largest free block before loading: %u bytes",
           (unsigned)heap_caps_get_largest_free_block(MALLOC_CAP_8BIT));
  netstack_run(netstack_wasm, (uint32_t)(netstack_wasm_end - netstack_wasm));
}

void app_main(void) {
  // wasm3 re-enters its interpreter on the native stack for each wasm call level: 32 KiB, as
  // wasm3's own embedded examples use.
  xTaskCreatePinnedToCore(poll_loop, "netstack", BOARD_TASK_STACK_BYTES, NULL, 5, NULL, 1);
}
