// as-pect unit specs for assembly/. The test build has its own options (as-pect.asconfig.json):
// assertions on, the incremental runtime and more memory, never the release noAssert build.
// Frames the code under test transmits are captured for the specs through tests/unit/helpers/hal.ts.
// A tiny ENC28J60 register-file fake behind hal.spi_select/spi_transfer, for the driver specs
// (tests/unit/drivers/enc28j60*.spec.ts; test imports declared there, module "enc_mock"). It logs
// every CS frame's outgoing bytes and answers RCR/RBM from its registers and 8 KB buffer. Facts
// from /work/shared/reference/ENC28J60.md; host/sim holds the faithful model, this is only enough
// to check what the driver clocks.
function createEncMock(memoryOf) {
  const eth = new Uint8Array(4 * 32); // bank * 32 + addr; 0x1B..0x1F live in bank 0's slots
  const buf = new Uint8Array(8192);
  const phy = new Uint16Array(32);
  const frames = [];
  let current = null;
  let rdptLatch = 0;
  let tx = { lateCollisions: 0, stuck: false, started: 0 };
  const MAC2 = (bank, a) => a < 0x1b && (bank === 2 || (bank === 3 && (a <= 5 || a === 0x0a)));
  const bankOf = () => eth[0x1f] & 3;
  const slot = (bank, a) => (a >= 0x1b ? a : bank * 32 + a);
  const get = (bank, a) => eth[slot(bank, a)];
  const get16 = (bank, a) => get(bank, a) | (get(bank, a + 1) << 8);
  const set16 = (bank, a, v) => { eth[slot(bank, a)] = v & 0xff; eth[slot(bank, a + 1)] = (v >> 8) & 0x1f; };
  function reset() {
    eth.fill(0);
    eth[0x1e] = 0x80; // ECON2.AUTOINC
    eth[0x1d] = 0x01; // ESTAT.CLKRDY
    set16(0, 0x00, 0x05fa); set16(0, 0x08, 0x05fa); set16(0, 0x0a, 0x1fff); set16(0, 0x0c, 0x05fa);
    eth[32 + 0x18] = 0xa1; // ERXFCON
    set16(2, 0x0a, 0x0600); // MAMXFL
    eth[96 + 0x12] = 0x06; // EREVID B7
  }
  reset();
  function write(bank, a, v, op) {
    const k = slot(bank, a);
    const old = eth[k];
    if (bank === 0 && a === 0x0c) { rdptLatch = v; return; } // ERXRDPTL latched [DS 7.2.4]
    if (bank === 0 && a === 0x0d) { eth[k] = v & 0x1f; eth[0x0c] = rdptLatch; return; }
    if (bank === 1 && a === 0x19) return; // EPKTCNT read-only
    if (bank === 3 && a === 0x12) return; // EREVID read-only
    eth[k] = v;
    if (a === 0x1e && (v & 0x40)) { // ECON2.PKTDEC
      if (eth[32 + 0x19] > 0) eth[32 + 0x19]--;
      eth[k] &= ~0x40;
    }
    if (a === 0x1f && (v & 0x08) && !(old & 0x08)) transmit();
    if (bank === 2 && a === 0x17) phy[eth[64 + 0x14] & 0x1f] = eth[64 + 0x16] | (v << 8); // MIWRH
    if (bank === 2 && a === 0x12 && (v & 1)) { // MICMD.MIIRD
      const r = eth[64 + 0x14] & 0x1f;
      eth[64 + 0x18] = phy[r] & 0xff; eth[64 + 0x19] = phy[r] >> 8;
      if (r === 0x13) { phy[0x13] = 0; eth[0x1c] &= ~0x10; } // PHIR read clears LINKIF
    }
  }
  function transmit() {
    tx.started++;
    if (tx.stuck) return; // errata #13: TXRTS never clears, no TXIF
    const end = get16(0, 0x06);
    const tsv = [0, 0, 0x80, 0, 0, 0, 0];
    const n = end - get16(0, 0x04);
    tsv[0] = n & 0xff; tsv[1] = n >> 8;
    if (tx.lateCollisions > 0) { tx.lateCollisions--; tsv[3] |= 0x20; eth[0x1c] |= 0x02; }
    for (let i = 0; i < 7; i++) buf[(end + 1 + i) & 0x1fff] = tsv[i];
    eth[0x1f] &= ~0x08;
    eth[0x1c] |= 0x08; // TXIF
  }
  function rbmNext() {
    let p = get16(0, 0x00);
    const v = buf[p];
    if (eth[0x1e] & 0x80) p = p === get16(0, 0x0a) ? get16(0, 0x08) : (p + 1) & 0x1fff;
    set16(0, 0x00, p);
    return v;
  }
  function wbmNext(v) {
    let p = get16(0, 0x02);
    buf[p] = v;
    if (eth[0x1e] & 0x80) p = (p + 1) & 0x1fff;
    set16(0, 0x02, p);
  }
  // One byte clocked in a frame; returns the byte the chip drives out.
  function clock(f, b) {
    f.bytes.push(b);
    const n = f.bytes.length;
    if (n === 1) { f.op = b; f.bank = bankOf(); if (b === 0xff) { reset(); } return 0; }
    const op = f.op, a = op & 0x1f, bank = f.bank;
    if (op === 0x3a) return rbmNext();
    if (op === 0x7a) { wbmNext(b); return 0; }
    switch (op >> 5) {
      case 0: return (MAC2(bank, a) ? n === 3 : n === 2) ? get(bank, a) : 0xee;
      case 2: if (n === 2) write(bank, a, b); return 0;
      case 4: if (n === 2) write(bank, a, get(bank, a) | b); return 0;
      case 5: if (n === 2) write(bank, a, get(bank, a) & ~b); return 0;
    }
    return 0;
  }
  const hal = {
    spi_select(on) {
      if (on) { current = { bytes: [], op: -1, bank: 0 }; frames.push(current); } else current = null;
    },
    spi_transfer(txPtr, rxPtr, len) {
      const mem = new Uint8Array(memoryOf());
      for (let i = 0; i < len; i++) {
        const out = txPtr ? mem[txPtr + i] : 0;
        const back = current ? clock(current, out) : 0xff;
        if (rxPtr) mem[rxPtr + i] = back;
      }
    },
  };
  const test = {
    reset() { reset(); frames.length = 0; tx = { lateCollisions: 0, stuck: false, started: 0 }; phy.fill(0); },
    clear_log() { frames.length = 0; },
    frames: () => frames.length,
    frame_len: (i) => frames[i].bytes.length,
    frame_byte: (i, j) => frames[i].bytes[j],
    reg: (bank, a) => (bank === 0 && a === 0x0c ? get(0, 0x0c) : get(bank, a)),
    set_reg(bank, a, v) { eth[slot(bank, a)] = v; },
    phy: (a) => phy[a],
    set_phy(a, v) { phy[a] = v; },
    buf: (addr) => buf[addr & 0x1fff],
    set_buf(addr, ptr, len) {
      const mem = new Uint8Array(memoryOf());
      for (let i = 0; i < len; i++) buf[(addr + i) & 0x1fff] = mem[ptr + i];
    },
    tx_script(lateCollisions, stuck) { tx.lateCollisions = lateCollisions; tx.stuck = !!stuck; },
    tx_started: () => tx.started,
  };
  return { hal, test };
}

export default {
  // ASP_SPECS=<glob> runs only those spec files (e.g. ASP_SPECS='tests/unit/wire/*.spec.ts').
  entries: [process.env.ASP_SPECS ?? 'tests/unit/**/*.spec.ts'],
  include: ['tests/unit/**/*.include.ts'],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    let instance;
    let captureAt = 0;
    let captureCapacity = 0;
    // capture_log: every frame at log + k * stride ([len: u32][frame]), up to count frames.
    let logAt = 0;
    let logStride = 0;
    let logMax = 0;
    let logCount = 0;
    let txCount = 0;
    let txLen = 0;
    let randomState = 0x12345678;
    let randomForced = null; // test.random_next(v): the next hal.random() returns v

    const enc = createEncMock(() => instance.exports.memory.buffer);
    const imports = {
      hal: {
        nic_tx(iface, ptr, len) {
          txCount++;
          txLen = len;
          if (captureAt) {
            const mem = new Uint8Array(instance.exports.memory.buffer);
            mem.copyWithin(captureAt, ptr, ptr + Math.min(len, captureCapacity));
          }
          if (logAt && logCount < logMax) {
            const mem = new Uint8Array(instance.exports.memory.buffer);
            const at = logAt + logCount * logStride;
            new DataView(mem.buffer).setUint32(at, len, true);
            mem.copyWithin(at + 4, ptr, ptr + Math.min(len, logStride - 4));
            logCount++;
          }
          return 0;
        },
        log() {},
        random() {
          if (randomForced !== null) { const v = randomForced; randomForced = null; return v | 0; }
          randomState ^= randomState << 13;
          randomState ^= randomState >>> 17;
          randomState ^= randomState << 5;
          return randomState | 0;
        },
        spi_select: enc.hal.spi_select,
        spi_transfer: enc.hal.spi_transfer,
      },
      enc_mock: enc.test,
      test: {
        capture(ptr, capacity) {
          captureAt = ptr;
          captureCapacity = capacity;
        },
        capture_log(ptr, stride, count) {
          logAt = ptr;
          logStride = stride;
          logMax = count;
          logCount = 0;
        },
        tx_count: () => txCount,
        tx_len: () => txLen,
        random_next(v) { randomForced = v >>> 0; },
      },
    };
    instance = await instantiate(binary, createImports(imports));
    return instance;
  },
  outputBinary: false,
};
