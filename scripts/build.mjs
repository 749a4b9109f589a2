// Builds every profile of the module (release and debug) and bundles the host.
// Usage: node scripts/build.mjs [--wasm-only] [--host-only]
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const PROFILES = ['tiny', 'default', 'desktop'];
const args = new Set(process.argv.slice(2));
mkdirSync('build', { recursive: true });

if (!args.has('--host-only')) {
  PROFILES.forEach((name, id) => {
    for (const target of ['release', 'debug']) {
      const suffix = target === 'release' ? '' : '.debug';
      execFileSync(
        'node_modules/.bin/asc',
        ['assembly/index.ts', '--config', 'asconfig.json', '--target', target,
          '--use', `PROFILE=${id}`, '--outFile', `build/netstack-${name}${suffix}.wasm`],
        { stdio: 'inherit' },
      );
    }
  });
}

if (!args.has('--wasm-only')) {
  await build({
    entryPoints: { netstack: 'host/cli.ts', 'tap-worker': 'host/nic/tap-worker.ts' },
    outdir: 'build',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['koffi'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
}
