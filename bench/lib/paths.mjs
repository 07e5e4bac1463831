// Where the benchmarks find what they run (the built dist/, the preload, the helper processes) and where they
// write their results. Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');
export const LAB = join(ROOT, 'dist/lab/index.js');
export const DOCTOR = join(ROOT, 'dist/doctor/index.js');
export const LIFELINE = join(ROOT, 'dist/client/lifeline.js');
export const HOLDER = join(ROOT, 'bench/lib/hold-connections.mjs');
export const PROXY_PROCESS = join(ROOT, 'bench/lib/proxy-process.mjs');
export const RSS_PRELOAD = join(ROOT, 'bench/lib/max-rss-preload.mjs');
export const OUT_DIR = join(ROOT, '.bench-out');

/** Benchmarks run against dist/: exits 1 (after saying so) when any of `files` is not built. */
export function exitUnlessBuilt(log, files) {
  if (files.every((file) => existsSync(file))) return;
  log(`dist/ is missing: run \`npm run build\` first (looked for ${CLI})`);
  process.exit(1);
}
