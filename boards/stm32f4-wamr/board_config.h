// NUCLEO-F429ZI (STM32F429ZI) + ENC28J60: the C side of board.json (tests/build/boards.test.ts
// checks that the two agree). Addresses are from 192.0.2.0/24 (RFC 5737 documentation); the MAC is locally
// administered (02:...). Change both files together.
#pragma once

#define NETSTACK_ABI_VERSION 3 /* host/abi.ts ABI_VERSION that this glue implements */
#define BOARD_PROFILE "tiny"   /* build/netstack-tiny.wasm, embedded by wasm_blob.S */

/* SPI1 (AF5) on PB3/PB4/PB5 (CN7 D23/D25/D22: on the NUCLEO-F429ZI, PA7 also reaches the
   Ethernet PHY's CRS_DV), clocked from APB2 = 84 MHz (168 MHz SYSCLK). The prescaler is a
   power of two: /4 would be 21 MHz, above the ENC28J60's 20 MHz maximum; /8 gives 10.5 MHz,
   above the 8 MHz floor of errata #1 (../../shared/reference/ENC28J60.md §1, §7). */
#define BOARD_SPI_INSTANCE SPI1
#define BOARD_SPI_PRESCALER SPI_BAUDRATEPRESCALER_8
#define BOARD_SPI_HZ 10500000
#define BOARD_PIN_SCK_PORT GPIOB
#define BOARD_PIN_SCK GPIO_PIN_3
#define BOARD_PIN_MISO_PORT GPIOB
#define BOARD_PIN_MISO GPIO_PIN_4
#define BOARD_PIN_MOSI_PORT GPIOB
#define BOARD_PIN_MOSI GPIO_PIN_5
#define BOARD_PIN_CS_PORT GPIOA
#define BOARD_PIN_CS GPIO_PIN_4 /* a plain GPIO output, driven by hal.spi_select (NSS unused) */
#define BOARD_PIN_INT_PORT GPIOF
#define BOARD_PIN_INT GPIO_PIN_15 /* CN10 D2, the chip's INT output, active low: EXTI15, falling edge */

/* nic_attach_enc28j60 flags: bit 0 full duplex (off), bit 1 INT wired (on). */
#define BOARD_ENC_FLAGS 2

#define BOARD_MAC_HI16 0x024eu     /* 02:4e:53:00:00:03 */
#define BOARD_MAC_LO32 0x53000003u
#define BOARD_IPV4_ADDR 0xc000020du /* 192.0.2.13 */
#define BOARD_IPV4_PREFIX 24
#define BOARD_IPV4_GATEWAY 0xc0000201u /* 192.0.2.1 */
#define BOARD_UDP_ECHO_PORT 7

/* RAM plan (board.json "ram"): the module's bytes are copied into CCM, all 64 KiB of it,
   because WAMR's loader may rewrite the buffer it is given (wasm_export.h, wasm_runtime_load);
   build/netstack-tiny.wasm is 51,579 bytes, so 13,957 are left to grow. The 192 KiB of SRAM
   (SRAM1+2+3, contiguous) hold WAMR's pool (the module's linear memory, one 64 KiB page, and
   everything else WAMR allocates), the task stack and the main stack (top of SRAM3). */
#define BOARD_WASM_COPY_BYTES (64 * 1024)  /* in CCM; must hold build/netstack-tiny.wasm */
#define BOARD_WAMR_POOL_BYTES (108 * 1024) /* in SRAM: 64 KiB linear memory + 44 KiB */
#define BOARD_WASM_STACK_BYTES (8 * 1024)  /* WAMR's wasm operand/frame stack, from the pool */
#define BOARD_TASK_STACK_BYTES (12 * 1024) /* the poll loop's FreeRTOS task, in SRAM */
