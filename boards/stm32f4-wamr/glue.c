// The netstack module's imports (assembly/hal.ts) on an STM32F429ZI: STM32Cube HAL SPI in
// polling mode with a GPIO chip select, the RNG peripheral, and WAMR native symbols. Every
// NativeSymbol line below is checked against the imports of the built module by
// tests/build/boards.test.ts. Not compiled in this repository (no STM32Cube or WAMR here).
#include <stdint.h>
#include <stdio.h>

#include "stm32f4xx_hal.h"
#include "wasm_export.h"

#include "board_config.h"
#include "glue.h"
#include "netstack_text.h"

#define SPI_TIMEOUT_MS 10
#define CHUNK_BYTES 64
static const uint8_t zeros[CHUNK_BYTES]; // clocked out when the module passes tx_ptr 0
static SPI_HandleTypeDef spi;
static RNG_HandleTypeDef rng;

static void fail(const char *what) {
  printf("netstack: %s failed; resetting\n", what);
  NVIC_SystemReset();
}

static void alternate_function(GPIO_TypeDef *port, uint16_t pin) {
  GPIO_InitTypeDef init = {
    .Pin = pin, .Mode = GPIO_MODE_AF_PP, .Pull = GPIO_NOPULL,
    .Speed = GPIO_SPEED_FREQ_VERY_HIGH, .Alternate = GPIO_AF5_SPI1,
  };
  HAL_GPIO_Init(port, &init);
}

void glue_board_init(void) {
  __HAL_RCC_GPIOA_CLK_ENABLE();
  __HAL_RCC_GPIOB_CLK_ENABLE();
  __HAL_RCC_SPI1_CLK_ENABLE();
  __HAL_RCC_RNG_CLK_ENABLE(); // runs from the 48 MHz PLL48CLK (PLLQ): see README.md
  // CS high before the pin becomes an output, so the chip never sees a stray command.
  HAL_GPIO_WritePin(BOARD_PIN_CS_PORT, BOARD_PIN_CS, GPIO_PIN_SET);
  GPIO_InitTypeDef cs = { .Pin = BOARD_PIN_CS, .Mode = GPIO_MODE_OUTPUT_PP, .Pull = GPIO_NOPULL, .Speed = GPIO_SPEED_FREQ_HIGH };
  HAL_GPIO_Init(BOARD_PIN_CS_PORT, &cs);
  alternate_function(BOARD_PIN_SCK_PORT, BOARD_PIN_SCK);
  alternate_function(BOARD_PIN_MISO_PORT, BOARD_PIN_MISO);
  alternate_function(BOARD_PIN_MOSI_PORT, BOARD_PIN_MOSI);
  spi.Instance = BOARD_SPI_INSTANCE;
  spi.Init.Mode = SPI_MODE_MASTER;
  spi.Init.Direction = SPI_DIRECTION_2LINES;
  spi.Init.DataSize = SPI_DATASIZE_8BIT;
  spi.Init.CLKPolarity = SPI_POLARITY_LOW; // mode 0 (ENC28J60.md §1)
  spi.Init.CLKPhase = SPI_PHASE_1EDGE;
  spi.Init.NSS = SPI_NSS_SOFT; // hal.spi_select drives the CS GPIO
  spi.Init.BaudRatePrescaler = BOARD_SPI_PRESCALER;
  spi.Init.FirstBit = SPI_FIRSTBIT_MSB;
  spi.Init.TIMode = SPI_TIMODE_DISABLE;
  spi.Init.CRCCalculation = SPI_CRCCALCULATION_DISABLE;
  spi.Init.CRCPolynomial = 7;
  if (HAL_SPI_Init(&spi) != HAL_OK) fail("SPI1 init");
  rng.Instance = RNG;
  if (HAL_RNG_Init(&rng) != HAL_OK) fail("RNG init");
}

static void spi_select(bool on) {
  // CS must stay low >= 210 ns after the last clock of a MAC/MII access (ENC28J60.md §1). The
  // HAL calls return once the bus is idle; 64 loop turns take well over 210 ns at 168 MHz.
  if (!on) for (volatile int turn = 0; turn < 64; turn++) {
  }
  HAL_GPIO_WritePin(BOARD_PIN_CS_PORT, BOARD_PIN_CS, on ? GPIO_PIN_RESET : GPIO_PIN_SET);
}

static void spi_transfer(const uint8_t *tx, uint8_t *rx, uint32_t len) {
  while (len > 0) {
    uint16_t n = len < CHUNK_BYTES ? (uint16_t)len : CHUNK_BYTES;
    uint8_t *out = (uint8_t *)(tx ? tx : zeros);
    // HAL_SPI_Transmit clears the receive overrun it leaves in two-line mode.
    HAL_StatusTypeDef status = rx ? HAL_SPI_TransmitReceive(&spi, out, rx, n, SPI_TIMEOUT_MS)
                                  : HAL_SPI_Transmit(&spi, out, n, SPI_TIMEOUT_MS);
    if (status != HAL_OK) fail("SPI transfer");
    if (tx) tx += n;
    if (rx) rx += n;
    len -= n;
  }
}

/* The module's memory as base and size, for printing text from it. */
static const uint8_t *memory(wasm_module_inst_t instance, uint32_t *bytes) {
  uint64_t start = 0, end = 0;
  if (!wasm_runtime_get_app_addr_range(instance, 0, &start, &end)) end = 0;
  *bytes = (uint32_t)end;
  return wasm_runtime_addr_app_to_native(instance, 0);
}

// ---- Imports. Offsets into the module's memory are checked with
// wasm_runtime_validate_app_addr, which raises a module exception (a trap once the native
// returns) when out of range. The SPI buffers are "i", not "*": WAMR would turn offset 0, which
// the ABI defines as "no buffer", into a pointer to the start of memory.

static int32_t hal_nic_tx(wasm_exec_env_t exec_env, int32_t iface, uint32_t ptr, int32_t len) {
  (void)exec_env, (void)iface, (void)ptr, (void)len;
  // No frame NIC on this board: its one link is the ENC28J60, which the module drives over SPI.
  return -1;
}

static void hal_log(wasm_exec_env_t exec_env, int32_t level, uint32_t ptr, int32_t len) {
  wasm_module_inst_t instance = wasm_runtime_get_module_inst(exec_env);
  uint32_t bytes;
  const uint8_t *base = memory(instance, &bytes);
  char text[128];
  netstack_text(base, bytes, ptr, len < 0 ? UINT32_MAX : (uint32_t)len, text, sizeof text);
  printf("netstack: module [%d]: %s\n", (int)level, text);
}

static uint32_t hal_random(wasm_exec_env_t exec_env) {
  (void)exec_env;
  uint32_t value;
  if (HAL_RNG_GenerateRandomNumber(&rng, &value) != HAL_OK) fail("RNG");
  return value;
}

static void hal_spi_select(wasm_exec_env_t exec_env, int32_t on) {
  (void)exec_env;
  spi_select(on != 0);
}

static void hal_spi_transfer(wasm_exec_env_t exec_env, uint32_t tx_offset, uint32_t rx_offset, int32_t len) {
  wasm_module_inst_t instance = wasm_runtime_get_module_inst(exec_env);
  if (len < 0) {
    wasm_runtime_set_exception(instance, "hal.spi_transfer: negative length");
    return;
  }
  const uint8_t *tx = NULL;
  uint8_t *rx = NULL;
  if (tx_offset != 0) {
    if (!wasm_runtime_validate_app_addr(instance, tx_offset, (uint32_t)len)) return;
    tx = wasm_runtime_addr_app_to_native(instance, tx_offset);
  }
  if (rx_offset != 0) {
    if (!wasm_runtime_validate_app_addr(instance, rx_offset, (uint32_t)len)) return;
    rx = wasm_runtime_addr_app_to_native(instance, rx_offset);
  }
  spi_transfer(tx, rx, (uint32_t)len);
}

static void env_abort(wasm_exec_env_t exec_env, uint32_t message, uint32_t file, int32_t line, int32_t column) {
  wasm_module_inst_t instance = wasm_runtime_get_module_inst(exec_env);
  uint32_t bytes;
  const uint8_t *base = memory(instance, &bytes);
  char text[96], where[64];
  netstack_as_string(base, bytes, message, text, sizeof text);
  netstack_as_string(base, bytes, file, where, sizeof where);
  printf("netstack: module abort: %s at %s:%d:%d\n", text, where, (int)line, (int)column);
  // Unwind the module; netstack_task.c reports the exception and resets the board.
  wasm_runtime_set_exception(instance, "abort");
}

// WAMR keeps (and sorts) these arrays: they must live as long as the runtime, not be const.
static NativeSymbol hal_natives[] = {
  { "nic_tx", (void *)hal_nic_tx, "(iii)i", NULL },
  { "log", (void *)hal_log, "(iii)", NULL },
  { "random", (void *)hal_random, "()i", NULL },
  { "spi_select", (void *)hal_spi_select, "(i)", NULL },
  { "spi_transfer", (void *)hal_spi_transfer, "(iii)", NULL },
};

// WAMR's built-in libc also defines env.abort, as "(i)": build WAMR with
// WAMR_BUILD_LIBC_BUILTIN=0 (README.md) so that AssemblyScript's four-argument abort is this one.
static NativeSymbol env_natives[] = {
  { "abort", (void *)env_abort, "(iiii)", NULL },
};

bool glue_register(void) {
  return wasm_runtime_register_natives("hal", hal_natives, sizeof hal_natives / sizeof hal_natives[0]) &&
         wasm_runtime_register_natives("env", env_natives, sizeof env_natives / sizeof env_natives[0]);
}
