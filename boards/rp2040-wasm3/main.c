// netstack on a Raspberry Pi Pico (RP2040) with an ENC28J60 on spi0: wasm3 runs the module from
// flash, core 1 runs the poll loop on its own stack, and the chip's INT pin wakes it early.
// Not compiled in this repository (no pico-sdk here): see README.md.
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "hardware/gpio.h"
#include "hardware/sync.h"
#include "hardware/watchdog.h"
#include "pico/multicore.h"
#include "pico/stdlib.h"
#include "wasm3.h"

#include "board_config.h"
#include "glue.h"

// wasm_blob.S places build/netstack-tiny.wasm in flash; wasm3 parses it in place (XIP).
extern const uint8_t netstack_wasm[], netstack_wasm_end[];

// wasm3 re-enters its interpreter on the native stack for each wasm call level. Core 0's stack
// is the SDK's 2 KiB in SCRATCH_Y; core 1 gets 32 KiB here, as wasm3's own embedded examples use.
static uint32_t loop_stack[BOARD_LOOP_STACK_BYTES / sizeof(uint32_t)];
static IM3Runtime runtime;
static volatile bool enc28j60_int;

static void fatal(const char *what, const char *why) {
  printf("netstack: %s: %s; rebooting in 1 s\n", what, why);
  watchdog_reboot(0, 0, 1000);
  for (;;) tight_loop_contents();
}

static void check(M3Result result, const char *what) {
  if (result == m3Err_none) return;
  M3ErrorInfo info;
  m3_GetErrorInfo(runtime, &info);
  printf("netstack: %s: %s (%s)\n", what, result, info.message ? info.message : "");
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

static void on_gpio_irq(uint gpio, uint32_t events) {
  if (gpio != BOARD_PIN_INT || !(events & GPIO_IRQ_EDGE_FALL)) return;
  enc28j60_int = true;
  __sev(); // end the loop's wait now
}

static void report(int32_t status, IM3Function revision) {
  if (status == 1) printf("netstack: link up (ENC28J60 EREVID 0x%02x)\n", (unsigned)call(revision));
  else if (status == 2) printf("netstack: no carrier\n");
  else if (status < 0) printf("netstack: ENC28J60 error %d (the module retries)\n", (int)status);
}

static void poll_loop(void) {
  load();
  configure();
  // The GPIO interrupt is enabled on this core, so its callback runs here too.
  gpio_init(BOARD_PIN_INT);
  gpio_set_dir(BOARD_PIN_INT, GPIO_IN);
  gpio_pull_up(BOARD_PIN_INT);
  gpio_set_irq_enabled_with_callback(BOARD_PIN_INT, GPIO_IRQ_EDGE_FALL, true, &on_gpio_irq);
  IM3Function poll = netstack_export("poll");
  IM3Function nic_status = netstack_export("nic_status");
  IM3Function revision = netstack_export("nic_enc28j60_revision");
  int32_t last_status = 0;
  for (;;) {
    enc28j60_int = false; // an edge from here on cuts the next wait short
    uint32_t delay_ms = call(poll, to_ms_since_boot(get_absolute_time()));
    int32_t status = (int32_t)call(nic_status, 0);
    if (status != last_status) report(status, revision);
    last_status = status;
    // INT stays low while any enabled flag is set (ENC28J60.md §5), so a falling edge can be
    // missed while it is low: then look again within 1 ms instead of waiting for an edge.
    if (!gpio_get(BOARD_PIN_INT) && delay_ms > 1) delay_ms = 1;
    absolute_time_t until = make_timeout_time_ms(delay_ms);
    while (!enc28j60_int && !best_effort_wfe_or_timeout(until)) {
    }
  }
}

int main(void) {
  stdio_init_all();
  unsigned hz = glue_board_init();
  printf("netstack: %s profile, %u-byte module, ENC28J60 on spi0 at %u Hz\n", BOARD_PROFILE,
         (unsigned)(netstack_wasm_end - netstack_wasm), hz);
  multicore_launch_core1_with_stack(poll_loop, loop_stack, sizeof loop_stack);
  for (;;) __wfi(); // core 0 only serves interrupts (USB stdio)
}
