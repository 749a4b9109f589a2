// netstack on a Raspberry Pi Pico (RP2040) with an ENC28J60 on spi0: wasm3 runs the module from
// flash, core 1 runs the poll loop (../common/wasm3_netstack.c) on its own stack, and the chip's
// INT pin wakes it early. Not compiled in this repository (no pico-sdk here): see README.md.
#include <stdint.h>
#include <stdio.h>

#include "hardware/sync.h"
#include "pico/multicore.h"
#include "pico/stdlib.h"

#include "board_config.h"
#include "glue.h"
#include "wasm3_netstack.h"

// wasm_blob.S places build/netstack-tiny.wasm in flash; wasm3 parses it in place (XIP).
extern const uint8_t netstack_wasm[], netstack_wasm_end[];

// wasm3 re-enters its interpreter on the native stack for each wasm call level. Core 0's stack
// is the SDK's 2 KiB in SCRATCH_Y; core 1 gets 32 KiB here, as wasm3's own embedded examples use.
static uint32_t loop_stack[BOARD_LOOP_STACK_BYTES / sizeof(uint32_t)];

static void poll_loop(void) {
  netstack_run(netstack_wasm, (uint32_t)(netstack_wasm_end - netstack_wasm));
}

int main(void) {
  stdio_init_all();
  unsigned hz = glue_board_init();
  printf("netstack: %s profile, %u-byte module, ENC28J60 on spi0 at %u Hz\n", BOARD_PROFILE,
         (unsigned)(netstack_wasm_end - netstack_wasm), hz);
  multicore_launch_core1_with_stack(poll_loop, loop_stack, sizeof loop_stack);
  for (;;) __wfi(); // core 0 only serves interrupts (USB stdio)
}
