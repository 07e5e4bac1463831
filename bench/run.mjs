// Runs every bench/*.mjs except this file (and hidden .*.mjs scratch files), one after another, each in its
// own child process. Exit 0 when every benchmark exits 0; 1 otherwise (or when there is none to run).
//
//   npm run bench                       (builds first)
//   node bench/run.mjs [name-filter...]  (only the benchmarks whose file name contains a filter)
//
// watch-20-servers and watch-cluster take ~12 minutes each: they watch for 10, the issue's duration.
// BENCH_WATCH_SECONDS shortens them (and sets watch-10k-clients' duration, 60 s by default):
//
//   BENCH_WATCH_SECONDS=60 npm run bench
//   node bench/run.mjs watch             (only the three watch benchmarks)
//
// correlate writes a 1 GB app log to the temp dir (BENCH_CORRELATE_MB sets its size in MB).
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SELF = basename(fileURLToPath(import.meta.url));
const PER_BENCH_TIMEOUT_MS = 10 * 60_000; // each benchmark bounds itself; this is the backstop
// The watch benchmarks run for BENCH_WATCH_SECONDS (watch-20-servers, watch-cluster: 600 s by default) plus
// set-up, a floor or a baseline, and cleanup.
const WATCH_SECONDS =
  Number(process.env.BENCH_WATCH_SECONDS) > 0 ? Number(process.env.BENCH_WATCH_SECONDS) : 600;
// chaos-soak: four runs of BENCH_CHAOS_SECONDS (120 s by default) with their set-up and deadlines.
const CHAOS_SECONDS =
  Number(process.env.BENCH_CHAOS_SECONDS) > 0 ? Number(process.env.BENCH_CHAOS_SECONDS) : 120;
const timeoutFor = (file) =>
  file.startsWith('watch-')
    ? Math.max(PER_BENCH_TIMEOUT_MS, (WATCH_SECONDS + 360) * 1000)
    : file.startsWith('chaos-')
      ? Math.max(PER_BENCH_TIMEOUT_MS, 4 * (CHAOS_SECONDS + 90) * 1000)
      : PER_BENCH_TIMEOUT_MS;

const filters = process.argv.slice(2);
const files = (await readdir(HERE, { withFileTypes: true }))
  .filter((d) => d.isFile() && d.name.endsWith('.mjs') && !d.name.startsWith('.') && d.name !== SELF)
  .map((d) => d.name)
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

if (files.length === 0) {
  process.stderr.write(`bench: no benchmark matched${filters.length ? ` ${filters.join(', ')}` : ''}\n`);
  process.exit(1);
}

let current;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    // The child gets the signal too when it comes from the terminal; forward it when it does not.
    if (current && current.exitCode === null) current.kill(signal);
    process.exitCode = 1;
  });
}

function runOne(file) {
  return new Promise((resolve) => {
    const started = performance.now();
    const timeoutMs = timeoutFor(file);
    const child = spawn(process.execPath, [join(HERE, file)], { stdio: 'inherit' });
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }, timeoutMs);
    const done = (code, signal, error) => {
      clearTimeout(timer);
      current = undefined;
      resolve({
        file,
        code,
        signal,
        error,
        timedOut,
        timeoutMs,
        seconds: (performance.now() - started) / 1000,
      });
    };
    child.once('error', (error) => done(null, null, error));
    child.once('exit', (code, signal) => done(code, signal));
  });
}

const results = [];
for (const file of files) {
  process.stdout.write(`\n=== bench/${file}\n`);
  const r = await runOne(file);
  results.push(r);
  if (process.exitCode === 1 && r.signal) break; // interrupted: do not start the next one
}

process.stdout.write('\n=== summary\n');
let failed = 0;
for (const r of results) {
  const ok = r.code === 0 && !r.timedOut;
  if (!ok) failed++;
  const why = r.timedOut
    ? `timed out after ${r.timeoutMs / 1000} s`
    : r.error
      ? `could not start: ${r.error.message}`
      : r.signal
        ? `killed by ${r.signal}`
        : `exit ${r.code}`;
  process.stdout.write(
    `${ok ? 'PASS' : 'FAIL'}  ${r.file}  (${r.seconds.toFixed(1)} s${ok ? '' : `, ${why}`})\n`,
  );
}
const skipped = files.length - results.length;
if (skipped > 0) process.stdout.write(`${skipped} not run (interrupted)\n`);
process.exit(failed > 0 || skipped > 0 || process.exitCode === 1 ? 1 : 0);
