// The SPI bus behind the module's hal.spi_select / hal.spi_transfer imports. The runtime calls
// these with views of module memory that are valid only during the call.
export interface SpiBus {
  /** Chip select: true = CS low (a command frame starts), false = CS high (it ends). */
  select(on: boolean): void;
  /**
   * Clocks len bytes full duplex (mode 0, MSb first). tx null = clock out zeros; rx null =
   * discard what comes back. Both views, when given, are exactly len bytes long.
   */
  transfer(tx: Uint8Array | null, rx: Uint8Array | null, len: number): void;
  close(): void;
}

/** hal.spi_* for hosts without an SPI bus (the module touches SPI only once an ENC28J60 is
 *  attached, which these hosts never do). */
export const noSpiImports = {
  spi_select: (_on: number): void => {},
  spi_transfer: (_tx: number, _rx: number, _len: number): void => {
    throw new Error('netstack: the module used SPI but this host has no bus');
  },
};
