// ESP32 + ENC28J60: the C side of ../board.json (tests/build/boards.test.ts checks that the two
// agree). Addresses are from 192.0.2.0/24 (RFC 5737 documentation); the MAC is locally
// administered (02:...). Change both files together.
#pragma once

#define NETSTACK_ABI_VERSION 3 /* host/abi.ts ABI_VERSION that this glue implements */
#define BOARD_PROFILE "tiny"   /* build/netstack-tiny.wasm, embedded by main/CMakeLists.txt */

/* SPI3_HOST (VSPI) on its IO_MUX pins. 20 MHz is the ENC28J60's maximum SCK
   (../../shared/reference/ENC28J60.md §1) and exactly the 80 MHz APB clock / 4. */
#define BOARD_SPI_HOST SPI3_HOST
#define BOARD_SPI_HZ 20000000
#define BOARD_PIN_SCK 18
#define BOARD_PIN_MOSI 23
#define BOARD_PIN_MISO 19
#define BOARD_PIN_CS 5   /* a plain GPIO, driven by hal.spi_select */
#define BOARD_PIN_INT 4  /* the chip's INT output, active low */

/* nic_attach_enc28j60 flags: bit 0 full duplex (off: the chip has no autonegotiation, so an
   autonegotiating switch port ends up half duplex, ENC28J60.md §8), bit 1 INT wired (on). */
#define BOARD_ENC_FLAGS 2

#define BOARD_MAC_HI16 0x024eu     /* 02:4e:53:00:00:01 */
#define BOARD_MAC_LO32 0x53000001u
#define BOARD_IPV4_ADDR 0xc000020bu /* 192.0.2.11 */
#define BOARD_IPV4_PREFIX 24
#define BOARD_IPV4_GATEWAY 0xc0000201u /* 192.0.2.1 */
#define BOARD_UDP_ECHO_PORT 7

#define BOARD_WASM3_STACK_BYTES (16 * 1024) /* wasm3's value stack (m3_NewRuntime) */
#define BOARD_TASK_STACK_BYTES (32 * 1024)  /* native stack of the poll loop's task */
