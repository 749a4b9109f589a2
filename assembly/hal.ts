// The module's imports: the only way the stack reaches the outside world. Every host (the
// Node runtime, a board's native glue) implements exactly this list. Import module "hal".
// Time is not imported: the host passes it to poll(now_ms).
//
//   hal.nic_tx(iface: i32, ptr: i32, len: i32) -> i32   send one frame (no FCS); <0 = dropped
//   hal.log(level: i32, ptr: i32, len: i32)              UTF-16LE text, len in bytes (declared for
//                                                        diagnostics; no code logs yet, so builds omit it)
//   hal.random() -> i32                                  32 random bits
//   hal.spi_select(on: i32)                              ENC28J60 chip select: 1 = CS low (frame
//                                                        starts), 0 = CS high (frame ends)
//   hal.spi_transfer(tx_ptr: i32, rx_ptr: i32, len: i32) clock len bytes full duplex, SPI mode 0,
//                                                        MSb first; tx_ptr 0 = clock out zeros,
//                                                        rx_ptr 0 = discard what comes back
//   (the spi imports are used only by assembly/drivers/enc28j60.ts; unused imports are dropped)
//   env.abort(msg, file, line, column)                   AssemblyScript's trap report

// @ts-ignore: decorator
@external("hal", "nic_tx")
export declare function hal_nic_tx(iface: i32, ptr: usize, len: i32): i32;

// @ts-ignore: decorator
@external("hal", "log")
export declare function hal_log(level: i32, ptr: usize, len: i32): void;

// @ts-ignore: decorator
@external("hal", "random")
export declare function hal_random(): u32;

// @ts-ignore: decorator
@external("hal", "spi_select")
export declare function hal_spi_select(on: i32): void;

// @ts-ignore: decorator
@external("hal", "spi_transfer")
export declare function hal_spi_transfer(tx_ptr: usize, rx_ptr: usize, len: i32): void;
