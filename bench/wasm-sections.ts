// Just enough of the WebAssembly binary format (MVP) to read the memory, code and data
// sections: the declared initial pages, code size and where initialised data ends.
// Written here rather than shelling out to wabt so `npm run size` needs nothing installed.

export interface ModuleLayout {
  initialPages: number;
  codeBytes: number;
  /** End of the last active data segment with a constant i32 offset (0 if none). */
  dataEnd: number;
}

const SECTION_MEMORY = 5;
const SECTION_CODE = 10;
const SECTION_DATA = 11;
const OP_I32_CONST = 0x41;

export function moduleLayout(bytes: Uint8Array): ModuleLayout {
  let pos = 8; // magic + version
  const uleb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return result;
    }
  };
  const sleb32 = (): number => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[pos++];
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return shift < 32 && byte & 0x40 ? result | (-1 << shift) : result;
  };
  const layout: ModuleLayout = { initialPages: 0, codeBytes: 0, dataEnd: 0 };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = uleb();
    const end = pos + size;
    if (id === SECTION_MEMORY && uleb() > 0) {
      const flags = uleb();
      layout.initialPages = uleb();
      if (flags & 1) uleb(); // maximum
    } else if (id === SECTION_CODE) {
      layout.codeBytes = size;
    } else if (id === SECTION_DATA) {
      for (let n = uleb(); n > 0; n--) {
        const kind = uleb();
        if (kind === 2) uleb(); // explicit memory index
        let offset = -1;
        if (kind !== 1) {
          // Active segment: an init expression, usually `i32.const N; end`.
          if (bytes[pos] === OP_I32_CONST) {
            pos++;
            offset = sleb32() >>> 0;
          }
          while (bytes[pos++] !== 0x0b);
        }
        const length = uleb();
        if (offset >= 0) layout.dataEnd = Math.max(layout.dataEnd, offset + length);
        pos += length;
      }
    }
    pos = end;
  }
  return layout;
}
