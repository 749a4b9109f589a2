// ENC28J60 register map for the model: addresses, bit names, reset values and write masks.
// Facts from /work/shared/reference/ENC28J60.md §2 (DS39662E Table 3-1/3-2, cross-checked there).
// Registers live in one 128-byte file, index = bank * 32 + address; the common registers
// 0x1B..0x1F are stored once, under bank 0 (see regIndex).

/** Index into the register file; 0x1A..0x1F are the same in every bank. */
export function regIndex(bank: number, addr: number): number {
  return addr >= 0x1a ? addr : bank * 32 + addr;
}

// Common registers (every bank).
export const EIE = 0x1b;
export const EIR = 0x1c;
export const ESTAT = 0x1d;
export const ECON2 = 0x1e;
export const ECON1 = 0x1f;

// EIE / EIR bits (EIE uses the same positions, plus INTIE at bit 7).
export const INTIE = 0x80;
export const PKTIF = 0x40;
export const DMAIF = 0x20;
export const LINKIF = 0x10;
export const TXIF = 0x08;
export const TXERIF = 0x02;
export const RXERIF = 0x01;
/** The flags that can drive INT (bit 2 is reserved, bit 7 is INTIE itself): §9 INT. */
export const INT_FLAGS = 0x7b;

// ESTAT bits.
export const ESTAT_INT = 0x80;
export const BUFER = 0x40;
export const LATECOL = 0x10;
export const RXBUSY = 0x04;
export const TXABRT = 0x02;
export const CLKRDY = 0x01;

// ECON2 bits.
export const AUTOINC = 0x80;
export const PKTDEC = 0x40;
export const PWRSV = 0x20;
export const VRPS = 0x08;

// ECON1 bits.
export const TXRST = 0x80;
export const RXRST = 0x40;
export const DMAST = 0x20;
export const CSUMEN = 0x10;
export const TXRTS = 0x08;
export const RXEN = 0x04;
export const BSEL = 0x03;

// Bank 0 (16-bit pairs, low byte at the even address).
export const ERDPT = 0x00;
export const EWRPT = 0x02;
export const ETXST = 0x04;
export const ETXND = 0x06;
export const ERXST = 0x08;
export const ERXND = 0x0a;
export const ERXRDPT = 0x0c;
export const ERXWRPT = 0x0e;
export const EDMAST = 0x10;
export const EDMAND = 0x12;
export const EDMADST = 0x14;
export const EDMACS = 0x16;

// Bank 1.
export const EHT0 = 0x00;
export const EPMM0 = 0x08;
export const EPMCS = 0x10;
export const EPMO = 0x14;
export const ERXFCON = 0x18;
export const EPKTCNT = 0x19;

// ERXFCON bits.
export const UCEN = 0x80;
export const ANDOR = 0x40;
export const CRCEN = 0x20;
export const PMEN = 0x10;
export const MPEN = 0x08;
export const HTEN = 0x04;
export const MCEN = 0x02;
export const BCEN = 0x01;

// Bank 2 (MAC/MII).
export const MACON1 = 0x00;
export const MACON3 = 0x02;
export const MACON4 = 0x03;
export const MABBIPG = 0x04;
export const MAIPGL = 0x06;
export const MAIPGH = 0x07;
export const MACLCON1 = 0x08;
export const MACLCON2 = 0x09;
export const MAMXFL = 0x0a;
export const MICMD = 0x12;
export const MIREGADR = 0x14;
export const MIWRL = 0x16;
export const MIWRH = 0x17;
export const MIRDL = 0x18;
export const MIRDH = 0x19;

// MACON3 bits.
export const PADCFG_SHIFT = 5;
export const TXCRCEN = 0x10;
export const HFRMEN = 0x04;
export const FULDPX = 0x01;

// MICMD bits.
export const MIISCAN = 0x02;
export const MIIRD = 0x01;

// Bank 3.
export const MAADR5 = 0x00; // MAADR5/6/3/4/1/2 at 0x00..0x05: see MAADR_OFFSETS
export const EBSTSD = 0x06;
export const EBSTCON = 0x07;
export const EBSTCS = 0x08;
export const MISTAT = 0x0a;
export const EREVID = 0x12;
export const ECOCON = 0x15;
export const EFLOCON = 0x17;
export const EPAUS = 0x18;

// MISTAT bits.
export const NVALID = 0x04;
export const SCAN = 0x02;
export const BUSY = 0x01;

/** Bank-3 address of each MAC byte in wire order: mac[0] is MAADR1 at 0x04 (§2 naming trap). */
export const MAADR_OFFSETS = [0x04, 0x05, 0x02, 0x03, 0x00, 0x01];

/** RCR of these clocks out a dummy byte before the value: all of bank 2, MAADR1-6 and MISTAT (§1). */
export function isMacMii(bank: number, addr: number): boolean {
  if (addr >= 0x1a) return false;
  return bank === 2 || (bank === 3 && (addr <= 0x05 || addr === MISTAT));
}

/**
 * Bits the host may change with WCR/BFS/BFC, per register file index. 0 = reserved or read-only
 * (writes ignored, reserved addresses read 0). Pointer high bytes hold 5 bits (13-bit pointers).
 * Clear-only flags (EIR, ESTAT) and action bits are handled in the model, not here.
 */
export const WRITE_MASK = new Uint8Array(128);
/** Reset values (§2), same indexing. */
export const RESET = new Uint8Array(128);

function def(bank: number, addr: number, mask: number, reset = 0): void {
  WRITE_MASK[regIndex(bank, addr)] = mask;
  RESET[regIndex(bank, addr)] = reset;
}
function pair(bank: number, addr: number, maskHigh: number, reset = 0): void {
  def(bank, addr, 0xff, reset & 0xff);
  def(bank, addr + 1, maskHigh, reset >> 8);
}

// Common. EIR/ESTAT masks name the bits that can be cleared; ECON2 excludes PKTDEC (an action).
def(0, EIE, 0xfb);
def(0, EIR, DMAIF | TXIF | TXERIF | RXERIF);
def(0, ESTAT, BUFER | LATECOL | TXABRT);
def(0, ECON2, AUTOINC | PWRSV | VRPS, AUTOINC);
def(0, ECON1, 0xff);
// Bank 0.
pair(0, ERDPT, 0x1f, 0x05fa);
pair(0, EWRPT, 0x1f);
pair(0, ETXST, 0x1f);
pair(0, ETXND, 0x1f);
pair(0, ERXST, 0x1f, 0x05fa);
pair(0, ERXND, 0x1f, 0x1fff);
pair(0, ERXRDPT, 0x1f, 0x05fa);
pair(0, ERXWRPT, 0); // read-only: reset value 0, moved by the RX logic
WRITE_MASK[regIndex(0, ERXWRPT)] = 0;
pair(0, EDMAST, 0x1f);
pair(0, EDMAND, 0x1f);
pair(0, EDMADST, 0x1f);
pair(0, EDMACS, 0); // read-only checksum result
WRITE_MASK[regIndex(0, EDMACS)] = 0;
// Bank 1.
for (let i = 0; i < 8; i++) def(1, EHT0 + i, 0xff);
for (let i = 0; i < 8; i++) def(1, EPMM0 + i, 0xff);
pair(1, EPMCS, 0xff);
pair(1, EPMO, 0x1f);
def(1, ERXFCON, 0xff, UCEN | CRCEN | BCEN);
def(1, EPKTCNT, 0); // read-only
// Bank 2.
def(2, MACON1, 0x0f);
def(2, MACON3, 0xff);
def(2, MACON4, 0x70);
def(2, MABBIPG, 0x7f);
def(2, MAIPGL, 0x7f);
def(2, MAIPGH, 0x7f);
def(2, MACLCON1, 0x0f, 0x0f);
def(2, MACLCON2, 0x3f, 0x37);
pair(2, MAMXFL, 0xff, 0x0600);
def(2, MICMD, MIISCAN | MIIRD);
def(2, MIREGADR, 0x1f);
pair(2, MIWRL, 0xff);
def(2, MIRDL, 0); // read-only
def(2, MIRDH, 0);
// Bank 3.
for (const offset of MAADR_OFFSETS) def(3, offset, 0xff);
def(3, EBSTSD, 0xff);
def(3, EBSTCON, 0xff);
def(3, EBSTCS, 0); // self-test result, read-only (the self-test itself is not modelled)
def(3, EBSTCS + 1, 0);
def(3, MISTAT, 0); // read-only
def(3, EREVID, 0); // read-only; value set by the model from options.revision
def(3, ECOCON, 0x07, 0x04);
def(3, EFLOCON, 0x03); // FULDPXS (bit 2) is a read-only mirror, filled on read
pair(3, EPAUS, 0xff, 0x1000);

// PHY registers (16-bit, reached through MII): §2 PHY table.
export const PHCON1 = 0x00;
export const PHSTAT1 = 0x01;
export const PHID1 = 0x02;
export const PHID2 = 0x03;
export const PHCON2 = 0x10;
export const PHSTAT2 = 0x11;
export const PHIE = 0x12;
export const PHIR = 0x13;
export const PHLCON = 0x14;

export const PRST = 0x8000;
export const PLOOPBK = 0x4000;
export const PPWRSV = 0x0800;
export const PDPXMD = 0x0100;
export const PFDPX = 0x1000;
export const PHDPX = 0x0800;
export const LLSTAT = 0x0004;
export const TXDIS = 0x2000;
export const HDLDIS = 0x0100;
export const LSTAT = 0x0400;
export const DPXSTAT = 0x0200;
export const PLNKIE = 0x0010;
export const PGEIE = 0x0002;
export const PLNKIF = 0x0010;
export const PGIF = 0x0004;

/** Writable bits of the writable PHY registers; the rest are read-only. */
export const PHY_WRITE_MASK: Record<number, number> = {
  [PHCON1]: PRST | PLOOPBK | PPWRSV | PDPXMD,
  [PHCON2]: 0x4000 | TXDIS | 0x0400 | HDLDIS,
  [PHIE]: PLNKIE | PGEIE,
  [PHLCON]: 0x3ffe,
};
