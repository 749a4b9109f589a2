// `npm run size`: what each release profile costs a board. Flash is the .wasm itself (and
// its gzip size, for shipping); RAM is the static memory the module lays out at start.
//
// Static memory is measured by instantiating the module and reading heap_top() once: init()
// runs as the module's start function and creates every StaticArray then, so the first bump
// of the stub allocator sits just past everything the stack will ever use (within one 16-byte
// block). The data section alone would miss zero-filled memory.data() regions, which the
// compiler reserves without emitting bytes, so its end is printed only for comparison.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { PROFILES, type NetstackExports, type Profile } from '../host/abi.ts';
import { wasmPath } from '../host/runtime.ts';
import { moduleLayout } from './wasm-sections.ts';
import { noSpiImports } from '../host/spi/bus.ts';

export interface SizeRow {
  profile: Profile;
  wasmBytes: number;
  gzipBytes: number;
  codeBytes: number;
  dataEnd: number;
  heapBase: number;
  pagesDeclared: number;
  pagesAfterStart: number;
}

export async function measureSize(profile: Profile): Promise<SizeRow> {
  const bytes = readFileSync(wasmPath(profile));
  const layout = moduleLayout(bytes);
  // Imports that do nothing: we only want the layout after the start function ran.
  const imports = {
    hal: { nic_tx: () => 0, log: () => {}, random: () => 1, ...noSpiImports },
    env: { abort: () => { throw new Error('abort during start'); } },
  };
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  const ex = instance.exports as unknown as NetstackExports;
  return {
    profile,
    wasmBytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    codeBytes: layout.codeBytes,
    dataEnd: layout.dataEnd,
    heapBase: ex.heap_top(),
    pagesDeclared: layout.initialPages,
    pagesAfterStart: ex.memory.buffer.byteLength / 65536,
  };
}

export function sizeTable(rows: SizeRow[]): string {
  const header = ['profile', 'wasm B', 'gzip B', 'code B', 'data end B', 'static RAM B', 'pages (decl/after start)'];
  const body = rows.map((r) => [
    r.profile, r.wasmBytes, r.gzipBytes, r.codeBytes, r.dataEnd, r.heapBase, `${r.pagesDeclared}/${r.pagesAfterStart}`,
  ].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

export const SIZE_NOTE =
  'static RAM = first heap_top() after instantiation (heap base incl. StaticArrays made at start, +<=16 B); ' +
  'data end = end of the initialised data segments only; pages are 64 KiB.';

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = [];
  for (const profile of PROFILES) rows.push(await measureSize(profile));
  process.stdout.write(`netstack release module sizes\n${sizeTable(rows)}\n${SIZE_NOTE}\n`);
}
