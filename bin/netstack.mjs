#!/usr/bin/env node
// Launcher for the bundled CLI; `npm run build` produces build/netstack.mjs.
import { existsSync } from 'node:fs';

const bundle = new URL('../build/netstack.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('netstack: not built yet; run `npm run build` (or `npm ci && npm run build`) first\n');
  process.exit(1);
}
await import(bundle.href);
