// Raspberry Pi Pico (RP2040) + ENC28J60: the C side of board.json (tests/build/boards.test.ts
// checks that the two agree). Addresses are from 192.0.2.0/24 (RFC 5737 documentation); the MAC
// is locally administered (02:...). Change both files together.
#pragma once

#define NETSTACK_ABI_VERSION 3 /* host/abi.ts ABI_VERSION that this glue implements */
#define BOARD_PROFILE "tiny"   /* build/netstack-tiny.wasm, embedded by wasm_blob.S */

/* spi0 on GP16-19. spi_init() is asked for the ENC28J60's maximum, 20 MHz
   (../../shared/reference/ENC28J60.md §1); the PL022 divides clk_peri (125 MHz by default) by
   an even prescale times (1 + SCR) and picks the fastest rate not above the request:
   125 MHz / (2 * 4) = 15.625 MHz, still above the 8 MHz floor of errata #1 (§7). */
#define BOARD_SPI spi0
#define BOARD_SPI_HZ 20000000
#define BOARD_PIN_MISO 16 /* spi0 RX */
#define BOARD_PIN_CS 17   /* a plain SIO GPIO, driven by hal.spi_select (not the PL022's CSn) */
#define BOARD_PIN_SCK 18
#define BOARD_PIN_MOSI 19 /* spi0 TX */
#define BOARD_PIN_INT 20  /* the chip's INT output, active low */

/* nic_attach_enc28j60 flags: bit 0 full duplex (off), bit 1 INT wired (on). */
#define BOARD_ENC_FLAGS 2

#define BOARD_MAC_HI16 0x024eu     /* 02:4e:53:00:00:02 */
#define BOARD_MAC_LO32 0x53000002u
#define BOARD_IPV4_ADDR 0xc000020cu /* 192.0.2.12 */
#define BOARD_IPV4_PREFIX 24
#define BOARD_IPV4_GATEWAY 0xc0000201u /* 192.0.2.1 */
#define BOARD_UDP_ECHO_PORT 7

#define BOARD_WASM3_STACK_BYTES (8 * 1024) /* wasm3's value stack (m3_NewRuntime) */
#define BOARD_LOOP_STACK_BYTES (32 * 1024) /* core 1's native stack, where the poll loop runs */
