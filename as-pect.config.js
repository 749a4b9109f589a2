// as-pect unit specs for assembly/. The test build has its own options (as-pect.asconfig.json):
// assertions on, the incremental runtime and more memory, never the release noAssert build.
// Frames the code under test transmits are captured for the specs through tests/unit/helpers/hal.ts.
export default {
  entries: ['tests/unit/**/*.spec.ts'],
  include: ['tests/unit/**/*.include.ts'],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    let instance;
    let captureAt = 0;
    let captureCapacity = 0;
    let txCount = 0;
    let txLen = 0;
    let randomState = 0x12345678;
    const imports = {
      hal: {
        nic_tx(iface, ptr, len) {
          txCount++;
          txLen = len;
          if (captureAt) {
            const mem = new Uint8Array(instance.exports.memory.buffer);
            mem.copyWithin(captureAt, ptr, ptr + Math.min(len, captureCapacity));
          }
          return 0;
        },
        log() {},
        random() {
          randomState ^= randomState << 13;
          randomState ^= randomState >>> 17;
          randomState ^= randomState << 5;
          return randomState | 0;
        },
      },
      test: {
        capture(ptr, capacity) {
          captureAt = ptr;
          captureCapacity = capacity;
        },
        tx_count: () => txCount,
        tx_len: () => txLen,
      },
    };
    instance = await instantiate(binary, createImports(imports));
    return instance;
  },
  outputBinary: false,
};
