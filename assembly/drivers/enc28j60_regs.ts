// ENC28J60 register, bit and opcode table (facts sheet /work/shared/reference/ENC28J60.md,
// after [DS] DS39662E Tables 3-1/3-2 and 4-1, [ERR] DS80349C).
//
// A control-register constant packs three fields:
//   bits 4:0  address inside the bank (the 5-bit argument of RCR/WCR/BFS/BFC, [DS Table 4-1])
//   bits 6:5  bank (ECON1.BSEL1:0); ignored for 0x1B..0x1F, which every bank shares [DS Fig 3-1]
//   bit 7     REG_MAC: a MAC/MII register whose RCR clocks out a dummy byte before the data
//             ([DS §4.2.1]: all of bank 2, bank-3 MAADR1..6 and MISTAT)

@inline export const REG_ADDR_MASK: u32 = 0x1f;
@inline export const REG_BANK_SHIFT: u32 = 5;
@inline export const REG_MAC: u32 = 0x80;
/** Addresses at or above this one are common to every bank (EIE, EIR, ESTAT, ECON2, ECON1). */
@inline export const REG_COMMON_FIRST: u32 = 0x1b;

// SPI opcodes (byte 0 = opcode in bits 7:5 | argument) [DS Table 4-1 p.26]
@inline export const OP_RCR: u32 = 0x00;
@inline export const OP_RBM: u32 = 0x3a;
@inline export const OP_WCR: u32 = 0x40;
@inline export const OP_WBM: u32 = 0x7a;
@inline export const OP_BFS: u32 = 0x80;
@inline export const OP_BFC: u32 = 0xa0;
@inline export const OP_SRC: u32 = 0xff;

// Common registers (all banks)
@inline export const EIE: u32 = 0x1b;
@inline export const EIR: u32 = 0x1c;
@inline export const ESTAT: u32 = 0x1d;
@inline export const ECON2: u32 = 0x1e;
@inline export const ECON1: u32 = 0x1f;

// Bank 0: 16-bit pairs, low byte at the even address; buffer pointers are 13-bit [DS Table 3-2]
@inline export const ERDPTL: u32 = 0x00;
@inline export const ERDPTH: u32 = 0x01;
@inline export const EWRPTL: u32 = 0x02;
@inline export const EWRPTH: u32 = 0x03;
@inline export const ETXSTL: u32 = 0x04;
@inline export const ETXSTH: u32 = 0x05;
@inline export const ETXNDL: u32 = 0x06;
@inline export const ETXNDH: u32 = 0x07;
@inline export const ERXSTL: u32 = 0x08;
@inline export const ERXSTH: u32 = 0x09;
@inline export const ERXNDL: u32 = 0x0a;
@inline export const ERXNDH: u32 = 0x0b;
@inline export const ERXRDPTL: u32 = 0x0c;
@inline export const ERXRDPTH: u32 = 0x0d;
@inline export const ERXWRPTL: u32 = 0x0e;
@inline export const ERXWRPTH: u32 = 0x0f;

// Bank 1
@inline export const EHT0: u32 = (1 << 5) | 0x00; // EHT0..EHT7 at 0x00..0x07
@inline export const ERXFCON: u32 = (1 << 5) | 0x18;
@inline export const EPKTCNT: u32 = (1 << 5) | 0x19;

// Bank 2: every register is MAC/MII (dummy byte on read) [DS §4.2.1]
@inline export const MACON1: u32 = REG_MAC | (2 << 5) | 0x00;
@inline export const MACON3: u32 = REG_MAC | (2 << 5) | 0x02;
@inline export const MACON4: u32 = REG_MAC | (2 << 5) | 0x03;
@inline export const MABBIPG: u32 = REG_MAC | (2 << 5) | 0x04;
@inline export const MAIPGL: u32 = REG_MAC | (2 << 5) | 0x06;
@inline export const MAIPGH: u32 = REG_MAC | (2 << 5) | 0x07;
@inline export const MAMXFLL: u32 = REG_MAC | (2 << 5) | 0x0a;
@inline export const MAMXFLH: u32 = REG_MAC | (2 << 5) | 0x0b;
@inline export const MICMD: u32 = REG_MAC | (2 << 5) | 0x12;
@inline export const MIREGADR: u32 = REG_MAC | (2 << 5) | 0x14;
@inline export const MIWRL: u32 = REG_MAC | (2 << 5) | 0x16;
@inline export const MIWRH: u32 = REG_MAC | (2 << 5) | 0x17;
@inline export const MIRDL: u32 = REG_MAC | (2 << 5) | 0x18;
@inline export const MIRDH: u32 = REG_MAC | (2 << 5) | 0x19;

// Bank 3: MAADR (MAC, dummy byte); MAADR1 is the first address byte on the wire (§2 naming trap)
@inline export const MAADR5: u32 = REG_MAC | (3 << 5) | 0x00;
@inline export const MAADR6: u32 = REG_MAC | (3 << 5) | 0x01;
@inline export const MAADR3: u32 = REG_MAC | (3 << 5) | 0x02;
@inline export const MAADR4: u32 = REG_MAC | (3 << 5) | 0x03;
@inline export const MAADR1: u32 = REG_MAC | (3 << 5) | 0x04;
@inline export const MAADR2: u32 = REG_MAC | (3 << 5) | 0x05;
@inline export const MISTAT: u32 = REG_MAC | (3 << 5) | 0x0a;
@inline export const EREVID: u32 = (3 << 5) | 0x12; // ETH register: no dummy byte

// EIE / EIR bits
@inline export const EIE_INTIE: u32 = 0x80;
@inline export const EIE_PKTIE: u32 = 0x40;
@inline export const EIE_LINKIE: u32 = 0x10;
@inline export const EIE_TXIE: u32 = 0x08;
@inline export const EIE_TXERIE: u32 = 0x02;
@inline export const EIE_RXERIE: u32 = 0x01;
@inline export const EIR_PKTIF: u32 = 0x40;
@inline export const EIR_DMAIF: u32 = 0x20;
@inline export const EIR_LINKIF: u32 = 0x10;
@inline export const EIR_TXIF: u32 = 0x08;
@inline export const EIR_TXERIF: u32 = 0x02;
@inline export const EIR_RXERIF: u32 = 0x01;
// ESTAT bits
@inline export const ESTAT_CLKRDY: u32 = 0x01;
@inline export const ESTAT_TXABRT: u32 = 0x02;
@inline export const ESTAT_RXBUSY: u32 = 0x04;
// ECON2 bits
@inline export const ECON2_AUTOINC: u32 = 0x80;
@inline export const ECON2_PKTDEC: u32 = 0x40;
@inline export const ECON2_PWRSV: u32 = 0x20;
@inline export const ECON2_VRPS: u32 = 0x08;
// ECON1 bits
@inline export const ECON1_TXRST: u32 = 0x80;
@inline export const ECON1_RXRST: u32 = 0x40;
@inline export const ECON1_TXRTS: u32 = 0x08;
@inline export const ECON1_RXEN: u32 = 0x04;
@inline export const ECON1_BSEL: u32 = 0x03;
// ERXFCON bits [LNX-H]
@inline export const ERXFCON_UCEN: u32 = 0x80;
@inline export const ERXFCON_ANDOR: u32 = 0x40;
@inline export const ERXFCON_CRCEN: u32 = 0x20;
@inline export const ERXFCON_PMEN: u32 = 0x10;
@inline export const ERXFCON_MPEN: u32 = 0x08;
@inline export const ERXFCON_HTEN: u32 = 0x04;
@inline export const ERXFCON_MCEN: u32 = 0x02;
@inline export const ERXFCON_BCEN: u32 = 0x01;
// MACON1 / MACON3 / MACON4 bits
@inline export const MACON1_TXPAUS: u32 = 0x08;
@inline export const MACON1_RXPAUS: u32 = 0x04;
@inline export const MACON1_MARXEN: u32 = 0x01;
@inline export const MACON3_PADCFG0: u32 = 0x20; // PADCFG = 001: pad to 60 bytes and append CRC
@inline export const MACON3_TXCRCEN: u32 = 0x10;
@inline export const MACON3_FRMLNEN: u32 = 0x02;
@inline export const MACON3_FULDPX: u32 = 0x01;
@inline export const MACON4_DEFER: u32 = 0x40;
// MICMD / MISTAT bits
@inline export const MICMD_MIIRD: u32 = 0x01;
@inline export const MISTAT_BUSY: u32 = 0x01;

// PHY registers (16-bit, through MII only) and bits [DS §2 PHY table]
@inline export const PHCON1: u32 = 0x00;
@inline export const PHSTAT1: u32 = 0x01;
@inline export const PHCON2: u32 = 0x10;
@inline export const PHSTAT2: u32 = 0x11;
@inline export const PHIE: u32 = 0x12;
@inline export const PHIR: u32 = 0x13;
@inline export const PHLCON: u32 = 0x14;
@inline export const PHCON1_PDPXMD: u32 = 0x0100;
@inline export const PHCON2_HDLDIS: u32 = 0x0100;
@inline export const PHSTAT2_LSTAT: u32 = 0x0400;
@inline export const PHIE_PLNKIE: u32 = 0x0010;
@inline export const PHIE_PGEIE: u32 = 0x0002;

// Receive status vector (RSV bits 16..31 = header bytes +4/+5) [DS Table 7-3 p.44]
@inline export const RSV_RXOK_BYTE4: u32 = 0x80; // bit 23 "received OK"
// Transmit status vector [DS Table 7-1 p.41]; errata #13/#15: late collision from the TSV only
@inline export const TSV_LATECOL_BYTE3: u32 = 0x20; // bit 29
@inline export const TSV_DONE_BYTE2: u32 = 0x80; // bit 23
