// netstack on a NUCLEO-F429ZI (STM32F429ZI) with an ENC28J60 on SPI1: WAMR's interpreter runs
// the module (its bytes copied from flash into CCM), a FreeRTOS task polls it, and the chip's
// INT pin (EXTI15) wakes that task early. A CubeMX project provides main(), the clocks,
// FreeRTOS and the EXTI handler; its main() calls netstack_start() before starting the
// scheduler (README.md).
// Not compiled in this repository (no STM32Cube or WAMR here).
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "FreeRTOS.h"
#include "stm32f4xx_hal.h"
#include "task.h"
#include "wasm_export.h"

#include "board_config.h"
#include "glue.h"

// wasm_blob.S places build/netstack-tiny.wasm in flash.
extern const uint8_t netstack_wasm[], netstack_wasm_end[];

// CCM (64 KiB at 0x10000000, CPU-only: nothing here is touched by DMA) holds the module copy
// alone, all of it; the linker script needs a NOLOAD output section for .ccm_noinit. The task
// stack and WAMR's pool are ordinary .bss in SRAM (192 KiB from 0x20000000).
static uint8_t wasm_copy[BOARD_WASM_COPY_BYTES] __attribute__((section(".ccm_noinit"), aligned(4)));
static StackType_t task_stack[BOARD_TASK_STACK_BYTES / sizeof(StackType_t)];
static uint8_t wamr_pool[BOARD_WAMR_POOL_BYTES] __attribute__((aligned(8)));
static StaticTask_t task_block;
static TaskHandle_t task;
static wasm_module_inst_t instance;
static wasm_exec_env_t exec_env;

static void fatal(const char *what, const char *why) {
  printf("netstack: %s: %s; resetting in 1 s\n", what, why ? why : "");
  vTaskDelay(pdMS_TO_TICKS(1000));
  NVIC_SystemReset();
}

/** An export of the module (assembly/index.ts); tests/build/boards.test.ts checks the names. */
static wasm_function_inst_t netstack_export(const char *name) {
  wasm_function_inst_t function = wasm_runtime_lookup_function(instance, name);
  if (!function) fatal(name, "no such export");
  return function;
}

/** Calls an export with argc u32 arguments; returns its i32 result (0 if it has none). */
static uint32_t call(wasm_function_inst_t function, uint32_t argc, ...) {
  uint32_t argv[8] = { 0 };
  va_list args;
  va_start(args, argc);
  for (uint32_t i = 0; i < argc && i < 8; i++) argv[i] = va_arg(args, uint32_t);
  va_end(args);
  // The result, if any, comes back in argv[0].
  if (!wasm_runtime_call_wasm(exec_env, function, argc, argv)) fatal("module trap", wasm_runtime_get_exception(instance));
  return argv[0];
}

static void must(uint32_t result, const char *what) {
  if ((int32_t)result < 0) fatal(what, "refused by the module");
}

static void load(void) {
  RuntimeInitArgs init;
  memset(&init, 0, sizeof init);
  init.mem_alloc_type = Alloc_With_Pool;
  init.mem_alloc_option.pool.heap_buf = wamr_pool;
  init.mem_alloc_option.pool.heap_size = sizeof wamr_pool;
  if (!wasm_runtime_full_init(&init)) fatal("WAMR", "init");
  if (!glue_register()) fatal("WAMR", "registering the imports");
  uint32_t bytes = (uint32_t)(netstack_wasm_end - netstack_wasm);
  if (bytes > sizeof wasm_copy) fatal("module", "larger than BOARD_WASM_COPY_BYTES");
  memcpy(wasm_copy, netstack_wasm, bytes);
  char error[128];
  wasm_module_t module = wasm_runtime_load(wasm_copy, bytes, error, sizeof error);
  if (!module) fatal("load", error);
  // No app heap (0): the module lays out all its memory itself. Instantiation runs the start
  // function, init(), which may use the imports: they are registered above.
  instance = wasm_runtime_instantiate(module, BOARD_WASM_STACK_BYTES, 0, error, sizeof error);
  if (!instance) fatal("instantiate", error);
  exec_env = wasm_runtime_create_exec_env(instance, BOARD_WASM_STACK_BYTES);
  if (!exec_env) fatal("WAMR", "exec env");
}

static void configure(void) {
  if (call(netstack_export("abi_version"), 0) != NETSTACK_ABI_VERSION) fatal("abi_version", "module ABI differs from this glue");
  must(call(netstack_export("iface_set_mac"), 3, 0, BOARD_MAC_HI16, BOARD_MAC_LO32), "iface_set_mac");
  must(call(netstack_export("iface_set_ipv4"), 4, 0, BOARD_IPV4_ADDR, BOARD_IPV4_PREFIX, BOARD_IPV4_GATEWAY), "iface_set_ipv4");
  must(call(netstack_export("nic_attach_enc28j60"), 2, 0, BOARD_ENC_FLAGS), "nic_attach_enc28j60");
  must(call(netstack_export("service_udp_echo"), 1, BOARD_UDP_ECHO_PORT), "service_udp_echo");
  must(call(netstack_export("iface_up"), 1, 0), "iface_up");
}

static void report(int32_t status, wasm_function_inst_t revision) {
  if (status == 1) printf("netstack: link up (ENC28J60 EREVID 0x%02x)\n", (unsigned)call(revision, 0));
  else if (status == 2) printf("netstack: no carrier\n");
  else if (status < 0) printf("netstack: ENC28J60 error %d (the module retries)\n", (int)status);
}

static void poll_loop(void *argument) {
  (void)argument;
  glue_board_init();
  printf("netstack: %s profile, %u-byte module, ENC28J60 on SPI1 at %d Hz\n", BOARD_PROFILE,
         (unsigned)(netstack_wasm_end - netstack_wasm), BOARD_SPI_HZ);
  load();
  configure();
  wasm_function_inst_t poll = netstack_export("poll");
  wasm_function_inst_t nic_status = netstack_export("nic_status");
  wasm_function_inst_t revision = netstack_export("nic_enc28j60_revision");
  int32_t last_status = 0;
  for (;;) {
    uint32_t delay_ms = call(poll, 1, HAL_GetTick()); // 1 kHz HAL tick (TIM6 under FreeRTOS)
    int32_t status = (int32_t)call(nic_status, 1, 0);
    if (status != last_status) report(status, revision);
    last_status = status;
    // INT stays low while any enabled flag is set (ENC28J60.md §5), so a falling edge can be
    // missed while it is low: then look again within 1 ms instead of waiting for an edge.
    if (HAL_GPIO_ReadPin(BOARD_PIN_INT_PORT, BOARD_PIN_INT) == GPIO_PIN_RESET && delay_ms > 1) delay_ms = 1;
    if (delay_ms > 0) ulTaskNotifyTake(pdTRUE, pdMS_TO_TICKS(delay_ms)); // needs a 1 kHz tick
  }
}

/* EXTI15 (PF15, falling edge; EXTI15_10_IRQHandler calls HAL_GPIO_EXTI_IRQHandler): the ENC28J60 has something. The NVIC priority must be numerically
   >= configLIBRARY_MAX_SYSCALL_INTERRUPT_PRIORITY for a FromISR call. */
void HAL_GPIO_EXTI_Callback(uint16_t pin) {
  if (pin != BOARD_PIN_INT || task == NULL) return;
  BaseType_t woken = pdFALSE;
  vTaskNotifyGiveFromISR(task, &woken);
  portYIELD_FROM_ISR(woken);
}

void netstack_start(void) {
  task = xTaskCreateStatic(poll_loop, "netstack", sizeof task_stack / sizeof task_stack[0], NULL,
                           tskIDLE_PRIORITY + 2, task_stack, &task_block);
}
