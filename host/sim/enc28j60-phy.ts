// The ENC28J60 PHY registers as the MII sees them (facts sheet §2 PHY table, §5 Flags, §9 Link).
// The MII timing (MISTAT.BUSY) lives in the chip model; this class holds values and link rules.
import {
  DPXSTAT, LLSTAT, LSTAT, PDPXMD, PFDPX, PGEIE, PGIF, PHCON1, PHCON2, PHDPX, PHID1, PHID2, PHIE, PHIR,
  PHLCON, PHSTAT1, PHSTAT2, PHY_WRITE_MASK, PLNKIE, PLNKIF, PRST,
} from './enc28j60-regs.ts';

export class Phy {
  private regs = new Map<number, number>();
  /** PHSTAT1.LLSTAT latches low on link loss; it re-arms to the live state when read. */
  private llstat: boolean;

  constructor(
    private link: boolean,
    /** PHCON1.PDPXMD reset value, strapped by the LEDB polarity on silicon. */
    private readonly fullDuplexStrap: boolean,
  ) {
    this.llstat = link;
    this.reset();
  }

  /** PHY reset values (PHCON1.PRST); PHIR and the latch are left as they are. */
  reset(): void {
    this.regs.set(PHCON1, this.fullDuplexStrap ? PDPXMD : 0);
    this.regs.set(PHCON2, 0);
    this.regs.set(PHIE, 0);
    this.regs.set(PHLCON, 0x3422);
    if (!this.regs.has(PHIR)) this.regs.set(PHIR, 0);
  }

  get linkUp(): boolean {
    return this.link;
  }

  /** Current value without side effects (for the chip model's own decisions and for tests). */
  peek(addr: number): number {
    switch (addr) {
      case PHSTAT1:
        return PFDPX | PHDPX | (this.llstat ? LLSTAT : 0);
      case PHID1:
        return 0x0083;
      case PHID2:
        return 0x1400;
      case PHSTAT2:
        return (this.link ? LSTAT : 0) | (this.regs.get(PHCON1)! & PDPXMD ? DPXSTAT : 0);
      default:
        return this.regs.get(addr) ?? 0;
    }
  }

  /** An MII read: PHSTAT1 re-arms its latch, PHIR clears (the chip clears EIR.LINKIF too). */
  read(addr: number): number {
    const value = this.peek(addr);
    if (addr === PHSTAT1) this.llstat = this.link;
    if (addr === PHIR) this.regs.set(PHIR, 0);
    return value;
  }

  /** An MII write: read-only registers and bits ignore it; PRST resets and self-clears. */
  write(addr: number, value: number): void {
    const mask = PHY_WRITE_MASK[addr];
    if (mask === undefined) return;
    if (addr === PHCON1 && value & PRST) {
      this.reset();
      return;
    }
    this.regs.set(addr, value & mask & ~PRST);
  }

  /**
   * Carrier change. Returns whether EIR.LINKIF must be set: PLNKIF is always set, PGIF (and so
   * LINKIF) only when both PHIE.PGEIE and PHIE.PLNKIE are set (§5 LINKIF).
   */
  setLink(up: boolean): boolean {
    if (up === this.link) return false;
    this.link = up;
    if (!up) this.llstat = false;
    const phie = this.regs.get(PHIE)!;
    const both = (phie & (PGEIE | PLNKIE)) === (PGEIE | PLNKIE);
    this.regs.set(PHIR, this.regs.get(PHIR)! | PLNKIF | (both ? PGIF : 0));
    return both;
  }
}
