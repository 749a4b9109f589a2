// What `npm test` runs after the build: the as-pect unit specs, then every node:test suite
// under tests/ (Node 20's --test takes no globs, so the files are listed here), one file at a
// time because the Linux suites create namespaces and TAP devices.
// Usage: node scripts/test.mjs [path-prefix...]   e.g. node scripts/test.mjs tests/linux tests/sim/enc28j60
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const prefixes = process.argv.slice(2).map((p) => p.replace(/\/+$/, ''));
let failed = false;

function run(title, command, args) {
  console.log(`\n== ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.error) console.error(`test: ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    console.error(`== ${title}: FAILED (${result.signal ?? `exit ${result.status}`})`);
    failed = true;
  }
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

const wanted = (path) => prefixes.length === 0 || prefixes.some((p) => path === p || path.startsWith(`${p}/`) || p.startsWith(path));

if (!wanted('tests/unit')) {
  // A prefix that names only node:test suites skips the specs.
} else if (existsSync('as-pect.config.js')) {
  run('unit specs (as-pect)', 'node_modules/.bin/asp', ['--config', 'as-pect.config.js']);
} else {
  console.log('\n== unit specs: skipped, as-pect.config.js does not exist yet');
}

// A prefix matches a directory or the start of a file's path (tests/sim/enc28j60 runs every
// tests/sim/enc28j60-*.test.ts).
const matches = (path, p) => path.startsWith(p);
const files = testFiles('tests').map((path) => relative('.', path)).filter((path) => prefixes.length === 0 || prefixes.some((p) => matches(path, p)));
if (files.length === 0) {
  console.log('\n== node:test suites: none found');
  // Asking for suites that do not exist is a mistake, not a pass.
  if (prefixes.length > 0 && !wanted('tests/unit')) failed = true;
} else {
  run(`node:test suites (${files.length} files)`, process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files]);
}

console.log(failed ? '\ntest: FAILED' : '\ntest: all passed');
process.exit(failed ? 1 : 0);
