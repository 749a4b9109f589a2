// Every release module must load on small WASM runtimes (wasm3, WAMR): MVP features only, and
// no floating point (microcontrollers without an FPU would emulate it, and the stack needs none).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROFILES } from '../../host/abi.ts';

/** Post-MVP features the module must not use, by wabt's names (older wabt: "sign-ext"). */
const FEATURES = [
  'simd', 'threads', 'reference-types', 'multi-value', 'tail-call', 'exceptions', 'bulk-memory',
  'sign-extension', 'mutable-globals', 'saturating-float-to-int',
];

function haveTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The flags that turn every feature above off in this wabt. A feature with only an --enable
 * flag is already off by default; one this wabt does not know at all cannot be accepted by it.
 */
function disableFlags(): string[] {
  const help = execFileSync('wasm-validate', ['--help'], { encoding: 'utf8' });
  const flags: string[] = [];
  for (const feature of FEATURES) {
    const names = feature === 'sign-extension' ? ['sign-extension', 'sign-ext'] : [feature];
    const name = names.find((n) => help.includes(`--disable-${n} `) || help.includes(`--disable-${n}\n`));
    if (name) flags.push(`--disable-${name}`);
  }
  return flags;
}

const tools = haveTool('wasm-validate') && haveTool('wasm2wat');
const skip = tools ? false : 'wabt (wasm-validate, wasm2wat) is not installed: apt-get install wabt';
if (skip && process.env.CI === 'true') test('wabt is installed (required in CI)', () => assert.fail(skip));

for (const profile of PROFILES) {
  const path = `build/netstack-${profile}.wasm`;

  test(`${path} uses only MVP features`, { skip }, () => {
    assert.ok(existsSync(path), `${path} is missing; run npm run build`);
    try {
      execFileSync('wasm-validate', [...disableFlags(), path], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      assert.fail(`wasm-validate rejected ${path}:\n${(error as { stderr?: string }).stderr ?? error}`);
    }
  });

  test(`${path} has no floating-point instructions`, { skip }, () => {
    assert.ok(existsSync(path), `${path} is missing; run npm run build`);
    const wat = execFileSync('wasm2wat', [path], { encoding: 'utf8', maxBuffer: 256 << 20 });
    const floats = wat.split('\n').filter((line) => /\bf(32|64)\./.test(line));
    assert.deepEqual(floats.slice(0, 5).map((line) => line.trim()), [], `${floats.length} float instructions`);
  });
}

// The check above is only worth something if the flags really reject a post-MVP module: this
// one is (i32) -> i32 { local.get 0; i32.extend8_s }, a sign-extension operator.
const SIGN_EXTENSION_MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, // type section: (i32) -> i32
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x07, 0x01, 0x05, 0x00, 0x20, 0x00, 0xc0, 0x0b, // code: local.get 0, i32.extend8_s, end
]);

test('the flags make wasm-validate reject a sign-extension operator', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'netstack-wasm-'));
  const path = join(dir, 'sign-ext.wasm');
  try {
    writeFileSync(path, SIGN_EXTENSION_MODULE);
    execFileSync('wasm-validate', [path], { stdio: 'pipe' });
    assert.throws(() => execFileSync('wasm-validate', [...disableFlags(), path], { stdio: 'pipe' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
