// Every board under boards/ against the built modules. The native glue (C for wasm3 and WAMR)
// cannot be compiled here, so this checks what can be checked without an SDK:
// - board.json follows the schema in boards/README.md, and its numbers add up: the SPI clock is
//   one the ENC28J60 accepts, the RAM budget holds the profile's memory as the runtime
//   allocates it (whole 64 KiB pages), the address and MAC are documentation/local ones that
//   the module itself accepts;
// - the glue implements every import of the board's built profile (release and debug), with the
//   signature the module declares: read from the binary, not from a list kept here, so a new
//   import fails every board that lacks it. Glue shared by several boards (boards/common, e.g.
//   the wasm3 imports and loop) counts for a board that lists it in board.json, compiles it in
//   its build files and defines every board_* hook it calls, with the types its header declares;
// - the C side agrees with board.json (board_config.h), the main loop calls exports that exist,
//   and the embedded module is the board's profile;
// - the Node runtime (linux-spidev) instantiates every profile with its own imports, and the
//   board's command line parses with the CLI's parser.
// Run after `npm run build`: node --import tsx --test tests/build/boards.test.ts
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ABI_VERSION, Errno, PROFILES, type Profile } from '../../host/abi.ts';
import { parseCidr, parseIpv4, parseMac } from '../../host/addr.ts';
import { parseCommand } from '../../host/cli-args.ts';
import { Stack } from '../../host/runtime.ts';

const PAGE_BYTES = 65536;
// ENC28J60 SCK limits: at most 20 MHz [DS p.1]; at least 8 MHz on B1/B4 silicon, whose MAC/MII
// access is unreliable below that [ERR #1] (../shared/reference/ENC28J60.md §1, §7).
const SPI_HZ_MAX = 20_000_000;
const SPI_HZ_MIN = 8_000_000;
/** Exports every main loop needs to bring the interface up and drive it. */
const LOOP_EXPORTS = ['abi_version', 'iface_set_mac', 'iface_set_ipv4', 'nic_attach_enc28j60', 'iface_up', 'poll', 'nic_status'];
const EXPECTED_BOARDS = ['esp32-wasm3', 'linux-spidev', 'rp2040-wasm3', 'stm32f4-wamr'];

// ---- The module binary: type, import, function and export sections (WebAssembly core spec 5.5).

type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';
interface FuncType { params: ValType[]; results: ValType[] }
interface FuncImport { module: string; name: string; type: FuncType }
interface ModuleShape { imports: FuncImport[]; exports: Map<string, FuncType> }

const VALTYPES: Record<number, ValType> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

function readModule(bytes: Uint8Array): ModuleShape {
  let pos = 0;
  const byte = () => {
    assert.ok(pos < bytes.length, 'module ends inside a section');
    return bytes[pos++];
  };
  const u32 = () => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw new Error('LEB128 longer than 5 bytes');
  };
  const name = () => {
    const length = u32();
    const text = new TextDecoder().decode(bytes.subarray(pos, pos + length));
    pos += length;
    return text;
  };
  const valtype = () => {
    const code = byte();
    assert.ok(code in VALTYPES, `unknown value type 0x${code.toString(16)}`);
    return VALTYPES[code];
  };
  const vector = <T>(read: () => T): T[] => Array.from({ length: u32() }, read);
  const limits = () => {
    const flags = byte();
    u32();
    if (flags & 1) u32();
  };

  assert.deepEqual([...bytes.subarray(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], 'not a version 1 wasm module');
  pos = 8;
  let types: FuncType[] = [];
  const imports: FuncImport[] = [];
  let importedFunctions: FuncType[] = [];
  let definedFunctions: FuncType[] = [];
  const exports = new Map<string, FuncType>();
  while (pos < bytes.length) {
    const id = byte();
    const size = u32();
    const end = pos + size;
    if (id === 1) {
      types = vector(() => {
        assert.equal(byte(), 0x60, 'function type expected');
        return { params: vector(valtype), results: vector(valtype) };
      });
    } else if (id === 2) {
      for (const _ of Array(u32())) {
        const module = name();
        const field = name();
        const kind = byte();
        if (kind === 0) imports.push({ module, name: field, type: types[u32()] });
        else if (kind === 1) (byte(), limits());
        else if (kind === 2) limits();
        else if (kind === 3) (valtype(), byte());
        else throw new Error(`unknown import kind ${kind}`);
      }
      importedFunctions = imports.map((i) => i.type);
    } else if (id === 3) {
      definedFunctions = vector(() => types[u32()]);
    } else if (id === 7) {
      for (const _ of Array(u32())) {
        const field = name();
        const kind = byte();
        const index = u32();
        if (kind !== 0) continue;
        const type = index < importedFunctions.length ? importedFunctions[index] : definedFunctions[index - importedFunctions.length];
        assert.ok(type, `export ${field} names function ${index}, which does not exist`);
        exports.set(field, type);
      }
    }
    pos = end;
  }
  return { imports, exports };
}

const wasmFile = (profile: Profile, debug: boolean) => `build/netstack-${profile}${debug ? '.debug' : ''}.wasm`;

function builtModule(profile: Profile, debug = false): { bytes: Uint8Array<ArrayBuffer>; shape: ModuleShape } {
  const path = wasmFile(profile, debug);
  assert.ok(existsSync(path), `${path} is missing; run npm run build`);
  const bytes = new Uint8Array(readFileSync(path));
  return { bytes, shape: readModule(bytes) };
}

/**
 * Instantiates a module with do-nothing imports made from its own import list (whatever it
 * imports today), so its start function (init) lays out all memory.
 */
function instantiateWithStubs(bytes: Uint8Array<ArrayBuffer>): Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory } {
  const module = new WebAssembly.Module(bytes);
  const imports: Record<string, Record<string, () => number>> = {};
  for (const i of WebAssembly.Module.imports(module)) (imports[i.module] ??= {})[i.name] = () => 0;
  return new WebAssembly.Instance(module, imports).exports as never;
}

/** What a board's runtime must allocate for the module: the static RAM, in whole pages. */
function memoryNeed(profile: Profile): { staticBytes: number; pages: number } {
  const exports = instantiateWithStubs(builtModule(profile).bytes);
  return { staticBytes: exports.heap_top(), pages: exports.memory.buffer.byteLength / PAGE_BYTES };
}

// ---- Boards

interface ReservedRam { what: string; bytes: number; define?: string; region?: string; estimate?: boolean }
interface Board {
  id: string;
  name: string;
  status: string;
  mcu: { part: string; core: string; clock_hz: number };
  runtime: { name: 'wasm3' | 'wamr' | 'node'; version: string };
  glue: string[];
  build: string;
  command?: string;
  profile: Profile;
  spi: {
    driver: string;
    bus: string;
    device?: string;
    mode: number;
    requested_hz: number;
    clock_hz: number | null;
    chip_select: 'gpio' | 'kernel';
    pins: { sck: string; mosi: string; miso: string; cs: string };
  };
  enc28j60: { int_pin: string | null; full_duplex: boolean };
  /** http_port only where the profile has the HTTP server (assembly/config.ts FEATURE_HTTP: not tiny). */
  net: { mac: string; ipv4: string; gateway: string; udp_echo_port: number; http_port?: number };
  ram: {
    total_bytes: number;
    regions?: Record<string, number>;
    reserved: ReservedRam[];
    wasm_memory_bytes: number;
    wasm_memory_region?: string;
  };
  notes: string[];
}

const boardIds = readdirSync('boards').filter((entry) => existsSync(join('boards', entry, 'board.json'))).sort();
const loadBoard = (id: string) => JSON.parse(readFileSync(join('boards', id, 'board.json'), 'utf8')) as Board;

/** Every text file of a board folder, recursively, as [path, text]. */
function boardFiles(id: string): [string, string][] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return walk(join('boards', id)).map((path) => [path, readFileSync(path, 'utf8')]);
}

const isInt = (value: unknown) => Number.isSafeInteger(value);
const isText = (value: unknown) => typeof value === 'string' && value.trim().length > 0;

/** 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737). */
const isDocumentationAddress = (addr: number) => [0xc00002, 0xc63364, 0xcb0071].includes(addr >>> 8);

test('boards/ has the four boards of issue 4, each a folder with board.json', () => {
  for (const id of EXPECTED_BOARDS) assert.ok(boardIds.includes(id), `boards/${id}/board.json is missing`);
});

for (const id of boardIds) {
  const board = loadBoard(id);
  const mcu = board.runtime?.name === 'wasm3' || board.runtime?.name === 'wamr';

  test(`${id}: board.json has every field, with sane values`, () => {
    assert.equal(board.id, id, 'id must be the folder name');
    for (const key of ['name', 'status', 'build'] as const) assert.ok(isText(board[key]), `${key}: text expected`);
    assert.ok(isText(board.mcu?.part) && isText(board.mcu?.core) && isInt(board.mcu?.clock_hz), 'mcu: part, core, clock_hz');
    assert.ok(['wasm3', 'wamr', 'node'].includes(board.runtime?.name), `runtime.name: wasm3, wamr or node, not ${board.runtime?.name}`);
    assert.ok(isText(board.runtime.version), 'runtime.version');
    assert.ok((PROFILES as readonly string[]).includes(board.profile), `profile: one of ${PROFILES.join(', ')}, not ${board.profile}`);
    if (mcu) assert.notEqual(board.profile, 'desktop', 'the desktop profile is for hosts with megabytes of memory, not MCUs');
    assert.ok(Array.isArray(board.glue) && board.glue.length > 0, 'glue: the files that implement the imports');
    for (const path of board.glue) assert.ok(existsSync(path), `glue file ${path} does not exist`);
    assert.ok(Array.isArray(board.notes), 'notes: a list');

    const { spi } = board;
    assert.ok(isText(spi?.driver) && isText(spi?.bus), 'spi: driver, bus');
    assert.equal(spi.mode, 0, 'the ENC28J60 speaks SPI mode 0 only (ENC28J60.md §1)');
    assert.ok(isInt(spi.requested_hz) && spi.requested_hz <= SPI_HZ_MAX, `spi.requested_hz ${spi.requested_hz} above the ENC28J60's 20 MHz`);
    if (spi.clock_hz !== null) {
      assert.ok(isInt(spi.clock_hz) && spi.clock_hz <= spi.requested_hz, 'spi.clock_hz: what the driver set, at most the request');
      assert.ok(spi.clock_hz >= SPI_HZ_MIN, `spi.clock_hz ${spi.clock_hz} below 8 MHz: unreliable on B1/B4 silicon (errata #1)`);
    }
    assert.ok(['gpio', 'kernel'].includes(spi.chip_select), 'spi.chip_select: gpio or kernel');
    if (mcu) assert.equal(spi.chip_select, 'gpio', 'an MCU drives CS as a GPIO: hardware CS rises between transfers of one command');
    for (const pin of ['sck', 'mosi', 'miso', 'cs'] as const) assert.ok(isText(spi.pins?.[pin]), `spi.pins.${pin}`);

    assert.ok(board.enc28j60?.int_pin === null || isText(board.enc28j60?.int_pin), 'enc28j60.int_pin: a pin or null');
    assert.equal(typeof board.enc28j60.full_duplex, 'boolean', 'enc28j60.full_duplex');
  });

  test(`${id}: MAC and addresses are locally administered / documentation ones`, () => {
    const [hi] = parseMac(board.net.mac);
    assert.equal(hi & 0x0300, 0x0200, `${board.net.mac}: a locally administered unicast MAC (02:...) expected`);
    const { addr, prefix } = parseCidr(board.net.ipv4);
    const gateway = parseIpv4(board.net.gateway);
    for (const a of [addr, gateway]) assert.ok(isDocumentationAddress(a), `${board.net.ipv4} / ${board.net.gateway}: RFC 5737 addresses only`);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    assert.equal((addr & mask) >>> 0, (gateway & mask) >>> 0, 'the gateway must be on the board\'s subnet');
    const ports = board.net.http_port === undefined ? [board.net.udp_echo_port] : [board.net.udp_echo_port, board.net.http_port];
    for (const port of ports) assert.ok(isInt(port) && port > 0 && port < 65536, `port ${port}`);
  });

  test(`${id}: the module accepts the board's configuration`, () => {
    const exports = instantiateWithStubs(builtModule(board.profile).bytes);
    const [hi, lo] = parseMac(board.net.mac);
    const { addr, prefix } = parseCidr(board.net.ipv4);
    assert.equal(exports.iface_set_mac(0, hi, lo), 0, 'iface_set_mac');
    assert.equal(exports.iface_set_ipv4(0, addr, prefix, parseIpv4(board.net.gateway)), 0, 'iface_set_ipv4');
    assert.equal(exports.nic_attach_enc28j60(0, encFlags(board)), 0, 'nic_attach_enc28j60');
    assert.ok(exports.service_udp_echo(board.net.udp_echo_port) >= 0, 'service_udp_echo');
    if (board.net.http_port !== undefined) assert.ok(exports.service_http(board.net.http_port) >= 0, 'service_http: this profile has no HTTP server; drop net.http_port');
    else assert.equal(exports.service_http(80), Errno.ENOSYS, `the ${board.profile} module serves HTTP: give net.http_port`);
    assert.equal(exports.iface_up(0), 0, 'iface_up');
  });

  test(`${id}: the RAM budget holds the ${board.profile} profile`, () => {
    const { ram } = board;
    assert.ok(isInt(ram?.total_bytes) && isInt(ram.wasm_memory_bytes) && Array.isArray(ram.reserved),
      'ram: total_bytes, reserved[], wasm_memory_bytes');
    for (const item of ram.reserved) assert.ok(isText(item.what) && isInt(item.bytes) && item.bytes > 0, `ram.reserved: ${JSON.stringify(item)}`);
    const reserved = ram.reserved.reduce((sum, item) => sum + item.bytes, 0);
    assert.ok(reserved + ram.wasm_memory_bytes <= ram.total_bytes,
      `reserved ${reserved} + module memory ${ram.wasm_memory_bytes} > ${ram.total_bytes} bytes of RAM`);
    if (ram.regions) {
      const regions = Object.entries(ram.regions);
      assert.equal(regions.reduce((sum, [, bytes]) => sum + bytes, 0), ram.total_bytes, 'ram.regions must add up to total_bytes');
      const used = new Map<string, number>();
      const place = (region: string | undefined, bytes: number, what: string) => {
        assert.ok(region !== undefined && region in ram.regions!, `${what}: region must be one of ${Object.keys(ram.regions!).join(', ')}`);
        used.set(region, (used.get(region) ?? 0) + bytes);
      };
      for (const item of ram.reserved) place(item.region, item.bytes, item.what);
      place(ram.wasm_memory_region, ram.wasm_memory_bytes, 'wasm_memory_region');
      for (const [region, bytes] of regions) assert.ok((used.get(region) ?? 0) <= bytes, `${region}: ${used.get(region)} bytes planned in ${bytes}`);
    }
    // wasm3 and WAMR allocate the module's memory in whole 64 KiB pages; so does a JS engine.
    const need = memoryNeed(board.profile);
    assert.ok(ram.wasm_memory_bytes >= need.staticBytes, `${board.profile} needs ${need.staticBytes} bytes of static RAM`);
    assert.ok(ram.wasm_memory_bytes >= need.pages * PAGE_BYTES,
      `${board.profile} has ${need.pages} pages after start (${need.pages * PAGE_BYTES} bytes); the budget is ${ram.wasm_memory_bytes}`);
  });

  if (mcu) mcuBoardTests(board);
  else nodeBoardTests(board);
}

/** nic_attach_enc28j60 flags: bit 0 full duplex, bit 1 the INT pin wakes the host. */
function encFlags(board: Board): number {
  return (board.enc28j60.full_duplex ? 1 : 0) | (board.enc28j60.int_pin !== null ? 2 : 0);
}

// ---- C boards (wasm3, WAMR)

/** `#define NAME value` lines of a header, comments stripped. */
function defines(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  for (const match of code.matchAll(/^\s*#define\s+(\w+)\s+(.+?)\s*$/gm)) result.set(match[1], match[2]);
  return result;
}

/** A define's value as a number: decimal or hex with an optional u suffix, or a product. */
function defineNumber(values: Map<string, string>, name: string): number {
  const text = values.get(name);
  assert.ok(text !== undefined, `board_config.h lacks ${name}`);
  const literal = (t: string) => {
    const m = /^(0x[0-9a-f]+|\d+)u?$/i.exec(t.trim());
    assert.ok(m, `${name}: cannot read "${text}" as a number`);
    return Number(m[1]);
  };
  const product = /^\(\s*([^()*]+?)\s*\*\s*([^()*]+?)\s*\)$/.exec(text);
  return product ? literal(product[1]) * literal(product[2]) : literal(text);
}

/** Checks a board.json pin against its define(s): GPIO18 / GP18 -> 18; PA5 -> GPIOA + GPIO_PIN_5. */
function checkPin(values: Map<string, string>, define: string, pin: string): void {
  const stm32 = /^P([A-K])(\d{1,2})$/.exec(pin);
  if (stm32) {
    assert.equal(values.get(`${define}_PORT`), `GPIO${stm32[1]}`, `${define}_PORT for ${pin}`);
    assert.equal(values.get(define), `GPIO_PIN_${stm32[2]}`, `${define} for ${pin}`);
    return;
  }
  const gpio = /^GP(?:IO)?(\d{1,2})$/.exec(pin);
  assert.ok(gpio, `pin "${pin}": expected GPIOn, GPn or Pxn`);
  assert.equal(defineNumber(values, define), Number(gpio[1]), `${define} for ${pin}`);
}

/** The wasm3 signature of a function type: results, then params in parentheses; v for none. */
const wasm3Letter: Record<string, string> = { i32: 'i', i64: 'I', f32: 'f', f64: 'F' };
const wasm3Signature = (type: FuncType) =>
  `${type.results.map((t) => wasm3Letter[t]).join('') || 'v'}(${type.params.map((t) => wasm3Letter[t]).join('')})`;
/** A glue's wasm3 signature string in that same form ('*' is wasm3's i32 pointer). */
function canonicalWasm3(signature: string): string {
  const m = /^([^()]*)\(([^()]*)\)$/.exec(signature.replace(/\s/g, '').replace(/\*/g, 'i'));
  assert.ok(m, `malformed wasm3 signature "${signature}"`);
  return `${m[1].replace(/v/g, '') || 'v'}(${m[2].replace(/v/g, '')})`;
}

/** The WAMR signature: params in parentheses, then the result. */
const wamrSignature = (type: FuncType) => `(${type.params.map((t) => wasm3Letter[t]).join('')})${type.results.map((t) => wasm3Letter[t]).join('')}`;
/** '*' (pointer), '~' (its length) and '$' (string) are all i32 in the module. */
const canonicalWamr = (signature: string) => signature.replace(/\s/g, '').replace(/[*~$]/g, 'i');

const C_TYPE: Record<string, RegExp> = { i32: /^(u?int32_t|[iu]32|int|unsigned)$/, i64: /^(u?int64_t|[iu]64)$/ };

interface Implementation { module: string; name: string; signature: string; function: string; file: string }

/** m3_LinkRawFunction(module, "hal", "nic_tx", "i(iii)", &hal_nic_tx) lines. */
function wasm3Links(file: string, text: string): Implementation[] {
  const pattern = /m3_LinkRawFunction(?:Ex)?\s*\(\s*\w+\s*,\s*"([^"]+)"\s*,\s*"([^"]+)"\s*,\s*"([^"]*)"\s*,\s*&?\s*(\w+)/g;
  return [...text.matchAll(pattern)].map((m) => ({ module: m[1], name: m[2], signature: m[3], function: m[4], file }));
}

/** NativeSymbol arrays registered with wasm_runtime_register_natives("hal", array, n). */
function wamrNatives(file: string, text: string): Implementation[] {
  const arrays = new Map<string, string>();
  for (const m of text.matchAll(/NativeSymbol\s+(\w+)\s*\[\s*\]\s*=\s*\{([\s\S]*?)\};/g)) arrays.set(m[1], m[2]);
  const result: Implementation[] = [];
  for (const m of text.matchAll(/wasm_runtime_register_natives\s*\(\s*"(\w+)"\s*,\s*(\w+)\s*,/g)) {
    const body = arrays.get(m[2]);
    assert.ok(body !== undefined, `${file}: wasm_runtime_register_natives("${m[1]}", ${m[2]}, ...) names no NativeSymbol array in this file`);
    for (const s of body.matchAll(/\{\s*"(\w+)"\s*,\s*\(\s*void\s*\*\s*\)\s*&?(\w+)\s*,\s*"([^"]*)"\s*,[^}]*\}/g)) {
      result.push({ module: m[1], name: s[1], function: s[2], signature: s[3], file });
    }
  }
  return result;
}

/** The body of a wasm3 raw function: from m3ApiRawFunction(name) to the next one (or the end). */
function checkWasm3Function(text: string, implementation: Implementation, type: FuncType): void {
  const where = `${implementation.file}: ${implementation.function}`;
  const start = text.search(new RegExp(`m3ApiRawFunction\\s*\\(\\s*${implementation.function}\\s*\\)`));
  assert.ok(start >= 0, `${where}: no m3ApiRawFunction(${implementation.function})`);
  const next = text.indexOf('m3ApiRawFunction', start + 1);
  const body = text.slice(start, next < 0 ? undefined : next);
  const returns = [...body.matchAll(/m3ApiReturnType\s*\(\s*([\w ]+?)\s*\)/g)].map((m) => m[1]);
  assert.equal(returns.length, type.results.length, `${where}: ${type.results.length} m3ApiReturnType expected`);
  returns.forEach((cType, i) => assert.match(cType, C_TYPE[type.results[i]], `${where}: returns ${cType} for ${type.results[i]}`));
  const args = [...body.matchAll(/m3ApiGetArg(Mem)?\s*\(\s*([\w *]+?)\s*,\s*\w+\s*\)/g)];
  assert.equal(args.length, type.params.length, `${where}: reads ${args.length} arguments, the import has ${type.params.length}`);
  args.forEach((m, i) => {
    if (m[1]) assert.equal(type.params[i], 'i32', `${where}: argument ${i} is a pointer, the import's is ${type.params[i]}`);
    else assert.match(m[2], C_TYPE[type.params[i]], `${where}: argument ${i} read as ${m[2]}, the import's is ${type.params[i]}`);
  });
}

/** A WAMR native: static <ret> name(wasm_exec_env_t env, <one C parameter per wasm param>). */
function checkWamrFunction(text: string, implementation: Implementation, type: FuncType): void {
  const where = `${implementation.file}: ${implementation.function}`;
  const m = new RegExp(`^(?:static\\s+)?([\\w ]+?)\\s+${implementation.function}\\s*\\(([^)]*)\\)\\s*\\{`, 'm').exec(text);
  assert.ok(m, `${where}: no definition`);
  const [first, ...params] = m[2].split(',').map((p) => p.trim());
  assert.match(first, /^wasm_exec_env_t\b/, `${where}: the first parameter must be wasm_exec_env_t`);
  assert.equal(params.length, type.params.length, `${where}: takes ${params.length} arguments, the import has ${type.params.length}`);
  params.forEach((p, i) => {
    const cType = p.replace(/\s+\w+$/, '');
    assert.match(cType, C_TYPE[type.params[i]], `${where}: argument ${i} is ${cType}, the import's is ${type.params[i]}`);
  });
  if (type.results.length === 0) assert.equal(m[1], 'void', `${where}: returns ${m[1]}, the import returns nothing`);
  else assert.match(m[1], C_TYPE[type.results[0]], `${where}: returns ${m[1]}, the import returns ${type.results[0]}`);
}

/** A C prototype or definition, reduced to types: return type and parameter types, names dropped. */
interface CFunction { name: string; returns: string; params: string[]; isStatic: boolean }

/** A parameter's type: "const uint8_t *tx" -> "const uint8_t *"; "void" stays "void". */
function cParamType(param: string): string {
  const p = param.trim().replace(/\s+/g, ' ');
  const named = /^(.*?[\w*])\s*\b([A-Za-z_]\w*)$/.exec(p);
  const type = named && !/^(const|signed|unsigned|struct|enum|union)$/.test(named[1]) ? named[1] : p;
  return type.replace(/\s*\*\s*/g, ' *').trim();
}

/** Top-level C functions named by pattern, declared (end = ';') or defined (end = '{'). */
function cFunctions(text: string, name: string, end: ';' | '{'): CFunction[] {
  const pattern = new RegExp(`^[ \\t]*(static\\s+)?([A-Za-z_][\\w \\t*]*?)\\s*\\b(${name})\\s*\\(([^)]*)\\)\\s*\\${end}`, 'gm');
  return [...text.matchAll(pattern)].map((m) => ({
    name: m[3],
    returns: cParamType(m[2]),
    params: m[4].split(',').map(cParamType),
    isStatic: m[1] !== undefined,
  }));
}

const cSignature = (f: CFunction) => `${f.returns} ${f.name}(${f.params.join(', ')})`;

function mcuBoardTests(board: Board): void {
  const sources = board.glue.filter((path) => existsSync(path)).map((path) => [path, readFileSync(path, 'utf8')] as const);
  const configPath = board.glue.find((path) => path.endsWith('board_config.h'));

  test(`${board.id}: board_config.h agrees with board.json`, () => {
    assert.ok(configPath, 'glue must list the board_config.h with the board\'s #defines');
    const values = defines(readFileSync(configPath, 'utf8'));
    const module = instantiateWithStubs(builtModule(board.profile).bytes);
    assert.equal(defineNumber(values, 'NETSTACK_ABI_VERSION'), module.abi_version(), 'NETSTACK_ABI_VERSION vs the module\'s abi_version()');
    assert.equal(module.abi_version(), ABI_VERSION, 'the module and host/abi.ts disagree on the ABI version');
    assert.equal(values.get('BOARD_PROFILE'), `"${board.profile}"`, 'BOARD_PROFILE');
    assert.equal(defineNumber(values, 'BOARD_SPI_HZ'), board.spi.requested_hz, 'BOARD_SPI_HZ vs spi.requested_hz');
    for (const pin of ['sck', 'mosi', 'miso', 'cs'] as const) checkPin(values, `BOARD_PIN_${pin.toUpperCase()}`, board.spi.pins[pin]);
    if (board.enc28j60.int_pin !== null) checkPin(values, 'BOARD_PIN_INT', board.enc28j60.int_pin);
    else assert.ok(!values.has('BOARD_PIN_INT'), 'BOARD_PIN_INT defined but board.json has no INT pin');
    assert.equal(defineNumber(values, 'BOARD_ENC_FLAGS'), encFlags(board), 'BOARD_ENC_FLAGS vs enc28j60 full_duplex / int_pin');
    const [hi, lo] = parseMac(board.net.mac);
    assert.equal(defineNumber(values, 'BOARD_MAC_HI16'), hi, 'BOARD_MAC_HI16');
    assert.equal(defineNumber(values, 'BOARD_MAC_LO32'), lo, 'BOARD_MAC_LO32');
    const { addr, prefix } = parseCidr(board.net.ipv4);
    assert.equal(defineNumber(values, 'BOARD_IPV4_ADDR'), addr, 'BOARD_IPV4_ADDR');
    assert.equal(defineNumber(values, 'BOARD_IPV4_PREFIX'), prefix, 'BOARD_IPV4_PREFIX');
    assert.equal(defineNumber(values, 'BOARD_IPV4_GATEWAY'), parseIpv4(board.net.gateway), 'BOARD_IPV4_GATEWAY');
    assert.equal(defineNumber(values, 'BOARD_UDP_ECHO_PORT'), board.net.udp_echo_port, 'BOARD_UDP_ECHO_PORT');
    if (board.net.http_port !== undefined) assert.equal(defineNumber(values, 'BOARD_HTTP_PORT'), board.net.http_port, 'BOARD_HTTP_PORT');
    else assert.ok(!values.has('BOARD_HTTP_PORT'), 'BOARD_HTTP_PORT defined but board.json has no http_port (the profile has no HTTP server)');
    for (const item of board.ram.reserved) {
      if (item.define) assert.equal(defineNumber(values, item.define), item.bytes, `${item.define} vs ram.reserved "${item.what}"`);
    }
    const wasmBytes = builtModule(board.profile).bytes.length;
    if (values.has('BOARD_WASM_COPY_BYTES')) {
      assert.ok(defineNumber(values, 'BOARD_WASM_COPY_BYTES') >= wasmBytes,
        `BOARD_WASM_COPY_BYTES is smaller than ${wasmFile(board.profile, false)} (${wasmBytes} bytes)`);
    }
    if (values.has('BOARD_WAMR_POOL_BYTES')) {
      assert.ok(defineNumber(values, 'BOARD_WAMR_POOL_BYTES') >= memoryNeed(board.profile).pages * PAGE_BYTES,
        'the WAMR pool cannot hold the module\'s memory');
    }
  });

  // Glue shared between boards (boards/common, e.g. the wasm3 imports and loop) counts for each
  // board that lists it in board.json, compiles it and defines every hook it calls.
  const own = (path: string) => path.startsWith(`boards/${board.id}/`);
  const shared = sources.filter(([path]) => !own(path));

  test(`${board.id}: every C file of the glue is built, and the board defines each hook that shared glue calls`, () => {
    for (const [path] of shared) assert.ok(path.startsWith('boards/common/'), `${path}: glue outside boards/${board.id}/ must be in boards/common/`);
    const buildText = boardFiles(board.id)
      .filter(([path]) => /(^|\/)CMakeLists\.txt$|\.cmake$/.test(path))
      .map(([, text]) => text.replace(/#.*$/gm, '')) // CMake comments do not build anything
      .join('\n');
    assert.ok(buildText.length > 0, `no CMakeLists.txt or *.cmake in boards/${board.id}`);
    for (const path of board.glue.filter((p) => p.endsWith('.c'))) {
      // A board's own file by its name; a shared one by its path from boards/ (common/x.c).
      const name = own(path) ? path.slice(path.lastIndexOf('/') + 1) : path.slice('boards/'.length);
      const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      assert.match(buildText, new RegExp(`(^|[\\s"/}])${escaped}(?=[\\s")]|$)`, 'm'), `${path} is glue but no build file of boards/${board.id} compiles it`);
    }
    const ownText = sources.filter(([path]) => own(path)).map(([, text]) => text).join('\n');
    for (const [path, text] of shared.filter(([p]) => p.endsWith('.c'))) {
      const header = path.replace(/\.c$/, '.h');
      assert.ok(existsSync(header), `${path}: its hooks must be declared in ${header}`);
      const hooks = cFunctions(readFileSync(header, 'utf8'), 'board_\\w+', ';');
      assert.ok(hooks.length > 0, `${header} declares no board_* hooks`);
      const declared = new Set(hooks.map((h) => h.name));
      for (const m of text.matchAll(/\b(board_\w+)\s*\(/g)) assert.ok(declared.has(m[1]), `${path} calls ${m[1]}, which ${header} does not declare`);
      for (const hook of hooks) {
        const definitions = cFunctions(ownText, hook.name, '{');
        assert.equal(definitions.length, 1, `boards/${board.id} must define ${cSignature(hook)} (declared in ${header}) once, found ${definitions.length}`);
        assert.ok(!definitions[0].isStatic, `boards/${board.id} defines ${hook.name} static: ${path} cannot link to it`);
        assert.equal(cSignature(definitions[0]), cSignature(hook), `boards/${board.id}: ${hook.name} differs from ${header}`);
      }
    }
  });

  test(`${board.id}: the firmware embeds the ${board.profile} module and no other`, () => {
    const mentions = [...boardFiles(board.id), ...shared].flatMap(([path, text]) =>
      [...text.matchAll(/netstack[-_](tiny|default|desktop)[-_.](?:debug[-_.])?wasm/g)].map((m) => ({ path, profile: m[1] })));
    assert.ok(mentions.length > 0, 'no file names build/netstack-<profile>.wasm');
    for (const { path, profile } of mentions) assert.equal(profile, board.profile, `${path} names the ${profile} module`);
  });

  test(`${board.id}: the main loop calls exports the module has`, () => {
    const { exports } = builtModule(board.profile).shape;
    const called = new Set(sources.flatMap(([, text]) => [...text.matchAll(/netstack_export\s*\(\s*"(\w+)"\s*\)/g)].map((m) => m[1])));
    for (const name of LOOP_EXPORTS) assert.ok(called.has(name), `the main loop never looks up ${name}`);
    for (const name of called) assert.ok(exports.has(name), `the main loop looks up ${name}, which the module does not export`);
  });

  for (const debug of [false, true]) {
    const path = wasmFile(board.profile, debug);
    test(`${board.id}: the ${board.runtime.name} glue implements every import of ${path} with its signature`, () => {
      const { shape } = builtModule(board.profile, debug);
      const implementations = sources.flatMap(([file, text]) => (board.runtime.name === 'wasm3' ? wasm3Links(file, text) : wamrNatives(file, text)));
      const api = board.runtime.name === 'wasm3' ? 'm3_LinkRawFunction' : 'NativeSymbol';
      assert.ok(implementations.length > 0, `no ${api} lines in ${board.glue.join(', ')}`);
      const key = (module: string, name: string) => `${module}.${name}`;
      const byName = new Map<string, Implementation>();
      for (const i of implementations) {
        assert.ok(!byName.has(key(i.module, i.name)), `${i.file}: ${key(i.module, i.name)} is linked twice`);
        byName.set(key(i.module, i.name), i);
      }
      for (const imported of shape.imports) {
        const implementation = byName.get(key(imported.module, imported.name));
        assert.ok(implementation, `${key(imported.module, imported.name)} is imported by ${path} but not implemented by the glue`);
        const text = readFileSync(implementation.file, 'utf8');
        if (board.runtime.name === 'wasm3') {
          assert.equal(canonicalWasm3(implementation.signature), wasm3Signature(imported.type),
            `${implementation.file}: ${key(imported.module, imported.name)} linked as "${implementation.signature}"`);
          checkWasm3Function(text, implementation, imported.type);
        } else {
          assert.equal(canonicalWamr(implementation.signature), wamrSignature(imported.type),
            `${implementation.file}: ${key(imported.module, imported.name)} registered as "${implementation.signature}"`);
          checkWamrFunction(text, implementation, imported.type);
        }
      }
      // wasm3 answers m3Err_functionLookupFailed when asked to link a function the module does
      // not import (hal.log today): a glue that links extras must not treat that as fatal.
      const imported = new Set(shape.imports.map((i) => key(i.module, i.name)));
      const extras = implementations.filter((i) => !imported.has(key(i.module, i.name)));
      if (board.runtime.name === 'wasm3' && extras.length > 0) {
        const file = extras[0].file;
        assert.match(readFileSync(file, 'utf8'), /m3Err_functionLookupFailed/,
          `${file} links ${extras.map((i) => key(i.module, i.name)).join(', ')}, which ${path} does not import, ` +
          'without tolerating m3Err_functionLookupFailed');
      }
    });
  }
}

// ---- The Node host (linux-spidev)

/** Stack.load with the runtime's own imports; returns the import object it instantiated with. */
async function runtimeImports(profile: Profile, debug: boolean): Promise<Record<string, Record<string, unknown>>> {
  const instantiate = WebAssembly.instantiate;
  let captured: Record<string, Record<string, unknown>> | undefined;
  WebAssembly.instantiate = ((bytes: BufferSource, imports: Record<string, Record<string, unknown>>) => {
    captured = imports;
    return instantiate(bytes, imports as WebAssembly.Imports);
  }) as typeof WebAssembly.instantiate;
  try {
    await Stack.load({ profile, debug, seed: 1 });
  } finally {
    WebAssembly.instantiate = instantiate;
  }
  assert.ok(captured, 'Stack.load did not instantiate through WebAssembly.instantiate');
  return captured;
}

function nodeBoardTests(board: Board): void {
  for (const profile of PROFILES) {
    for (const debug of [false, true]) {
      const path = wasmFile(profile, debug);
      test(`${board.id}: host/runtime.ts instantiates ${path} with every import, each taking its arguments`, async () => {
        const { shape } = builtModule(profile, debug);
        // Stack.load throws a LinkError if any import is missing or is not a function.
        const imports = await runtimeImports(profile, debug);
        for (const imported of shape.imports) {
          const fn = imports[imported.module]?.[imported.name];
          assert.equal(typeof fn, 'function', `${imported.module}.${imported.name}`);
          assert.equal((fn as (...args: unknown[]) => unknown).length, imported.type.params.length,
            `${imported.module}.${imported.name} declares ${(fn as () => void).length} parameters, the import has ${imported.type.params.length}`);
        }
      });
    }
  }

  test(`${board.id}: the spidev bus exists and the board's command parses with the CLI's parser`, async () => {
    const { SpidevBus } = await import('../../host/spi/spidev.ts');
    assert.equal(typeof SpidevBus, 'function', 'host/spi/spidev.ts exports SpidevBus');
    assert.ok(isText(board.command), 'command: the netstack command line for this board');
    const [program, ...argv] = board.command!.split(/\s+/);
    assert.equal(program, 'netstack');
    const command = parseCommand(argv);
    assert.equal(command.name, 'up');
    if (command.name !== 'up') return;
    const { options } = command;
    assert.equal(options.nic, 'enc28j60-spidev');
    assert.equal(options.spi, board.spi.device, '--spi vs spi.device');
    assert.equal(options.spiHz, board.spi.requested_hz, '--spi-hz vs spi.requested_hz');
    assert.equal(options.profile, board.profile, '--profile vs profile');
    assert.equal(options.ip, board.net.ipv4, '--ip vs net.ipv4');
    assert.equal(options.gateway, board.net.gateway, '--gw vs net.gateway');
    assert.equal(options.mac, board.net.mac, '--mac vs net.mac');
    assert.equal(options.fullDuplex, board.enc28j60.full_duplex, '--full-duplex vs enc28j60.full_duplex');
    // The Node host polls the chip; it does not watch an INT line (host/cli.ts upSpidev).
    assert.equal(board.enc28j60.int_pin, null, 'the Node host does not use the INT pin');
  });
}
