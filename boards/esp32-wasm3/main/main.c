// netstack on an ESP32 with an ENC28J60 on SPI3 (VSPI): wasm3 runs the module embedded in
// flash, one FreeRTOS task polls it, and the chip's INT pin wakes that task early. Not
// compiled in this repository (no ESP-IDF here): see ../README.md.
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "driver/gpio.h"
#include "esp_attr.h"
#include "esp_heap_caps.h"
#include "esp_log.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "wasm3.h"

#include "board_config.h"
#include "glue.h"

static const char *TAG = "netstack";

// main/CMakeLists.txt embeds build/netstack-tiny.wasm (EMBED_FILES names the symbols).
extern const uint8_t netstack_wasm[] asm("_binary_netstack_tiny_wasm_start");
extern const uint8_t netstack_wasm_end[] asm("_binary_netstack_tiny_wasm_end");

static IM3Runtime runtime;
static TaskHandle_t loop_task;

static void fatal(const char *what, const char *why) {
  ESP_LOGE(TAG, "%s: %s; restarting in 1 s", what, why);
  vTaskDelay(pdMS_TO_TICKS(1000));
  esp_restart();
}

static void check(M3Result result, const char *what) {
  if (result == m3Err_none) return;
  M3ErrorInfo info;
  m3_GetErrorInfo(runtime, &info);
  ESP_LOGE(TAG, "%s: %s (%s)", what, result, info.message ? info.message : "");
  fatal(what, "wasm3 error");
}

/** An export of the module (assembly/index.ts); tests/build/boards.test.ts checks the names. */
static IM3Function netstack_export(const char *name) {
  IM3Function function = NULL;
  check(m3_FindFunction(&function, runtime, name), name);
  return function;
}

/** Calls an export with u32 arguments; returns its i32 result (0 if it has none). */
static uint32_t call(IM3Function function, ...) {
  va_list args;
  va_start(args, function);
  M3Result result = m3_CallVL(function, args);
  va_end(args);
  check(result, m3_GetFunctionName(function));
  uint32_t value = 0;
  if (m3_GetRetCount(function) > 0) check(m3_GetResultsV(function, &value), "results");
  return value;
}

static void must(uint32_t result, const char *what) {
  if ((int32_t)result < 0) fatal(what, "refused by the module");
}

static void load(void) {
  // The module's memory is one malloc block of whole 64 KiB pages (plus a small header).
  ESP_LOGI(TAG, "largest free block before loading: %u bytes",
           (unsigned)heap_caps_get_largest_free_block(MALLOC_CAP_8BIT));
  IM3Environment environment = m3_NewEnvironment();
  if (environment) runtime = m3_NewRuntime(environment, BOARD_WASM3_STACK_BYTES, NULL);
  if (!runtime) fatal("wasm3", "out of memory");
  IM3Module module;
  check(m3_ParseModule(environment, &module, netstack_wasm, (uint32_t)(netstack_wasm_end - netstack_wasm)), "parse");
  check(m3_LoadModule(runtime, module), "load");
  check(glue_link(module), "link");
  // The start function is init(): it lays out all memory, and may use the imports.
  check(m3_RunStart(module), "start");
}

static void configure(void) {
  if (call(netstack_export("abi_version")) != NETSTACK_ABI_VERSION) fatal("abi_version", "module ABI differs from this glue");
  must(call(netstack_export("iface_set_mac"), 0, BOARD_MAC_HI16, BOARD_MAC_LO32), "iface_set_mac");
  must(call(netstack_export("iface_set_ipv4"), 0, BOARD_IPV4_ADDR, BOARD_IPV4_PREFIX, BOARD_IPV4_GATEWAY), "iface_set_ipv4");
  must(call(netstack_export("nic_attach_enc28j60"), 0, BOARD_ENC_FLAGS), "nic_attach_enc28j60");
  must(call(netstack_export("service_udp_echo"), BOARD_UDP_ECHO_PORT), "service_udp_echo");
  must(call(netstack_export("iface_up"), 0), "iface_up");
}

static void IRAM_ATTR on_enc28j60_int(void *arg) {
  BaseType_t woken = pdFALSE;
  vTaskNotifyGiveFromISR(loop_task, &woken);
  if (woken == pdTRUE) portYIELD_FROM_ISR();
}

static void watch_int_pin(void) {
  gpio_config_t pin = {
    .pin_bit_mask = 1ULL << BOARD_PIN_INT, .mode = GPIO_MODE_INPUT,
    .pull_up_en = GPIO_PULLUP_ENABLE, .intr_type = GPIO_INTR_NEGEDGE,
  };
  ESP_ERROR_CHECK(gpio_config(&pin));
  ESP_ERROR_CHECK(gpio_install_isr_service(0));
  ESP_ERROR_CHECK(gpio_isr_handler_add(BOARD_PIN_INT, on_enc28j60_int, NULL));
}

static void report(int32_t status, IM3Function revision) {
  if (status == 1) ESP_LOGI(TAG, "link up (ENC28J60 EREVID 0x%02x)", (unsigned)call(revision));
  else if (status == 2) ESP_LOGW(TAG, "no carrier");
  else if (status < 0) ESP_LOGE(TAG, "ENC28J60 error %d (the module retries)", (int)status);
}

static void poll_loop(void *arg) {
  loop_task = xTaskGetCurrentTaskHandle();
  // Everything runs in this task: the SPI device, its GPIOs and the INT interrupt (allocated
  // on this task's core) belong to it.
  glue_board_init();
  ESP_LOGI(TAG, "netstack %s profile, %u-byte module, ENC28J60 on SPI3 at %d Hz", BOARD_PROFILE,
           (unsigned)(netstack_wasm_end - netstack_wasm), BOARD_SPI_HZ);
  load();
  configure();
  watch_int_pin();
  IM3Function poll = netstack_export("poll");
  IM3Function nic_status = netstack_export("nic_status");
  IM3Function revision = netstack_export("nic_enc28j60_revision");
  int32_t last_status = 0;
  for (;;) {
    uint32_t now_ms = (uint32_t)(esp_timer_get_time() / 1000); // wraps after 49.7 days, as poll() allows
    uint32_t delay_ms = call(poll, now_ms);
    int32_t status = (int32_t)call(nic_status, 0);
    if (status != last_status) report(status, revision);
    last_status = status;
    // INT stays low while any enabled flag is set (ENC28J60.md §5), so a falling edge can be
    // missed while it is low: then look again within 1 ms instead of waiting for an edge.
    if (gpio_get_level(BOARD_PIN_INT) == 0 && delay_ms > 1) delay_ms = 1;
    // Needs a 1 kHz tick (sdkconfig.defaults) so 1 ms is one tick, not zero.
    if (delay_ms > 0) ulTaskNotifyTake(pdTRUE, pdMS_TO_TICKS(delay_ms));
  }
}

void app_main(void) {
  // wasm3 re-enters its interpreter on the native stack for each wasm call level: 32 KiB, as
  // wasm3's own embedded examples use.
  xTaskCreatePinnedToCore(poll_loop, "netstack", BOARD_TASK_STACK_BYTES, NULL, 5, NULL, 1);
}
