// A long-running Node child measured while it runs: its CPU time and RSS sampled from /proc, and its own
// totals at exit (getrusage, through max-rss-preload.mjs). Not a benchmark itself: bench/run.mjs only runs
// bench/*.mjs.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { ROOT, RSS_PRELOAD } from './paths.mjs';
import { sampleProcess } from './proc-usage.mjs';

const STDERR_KEEP = 64 * 1024;

/**
 * Runs `node --import <preload> ...args` and samples it (CPU every `cpuEveryMs`, RSS every `rssEveryMs`)
 * until it exits; kills it (SIGTERM, then SIGKILL) after `timeoutMs`. While it runs, `tracker.current`
 * holds it, so that a cleanup can kill it (see lifecycle.mjs). `onSpawn(child)` is called once it started.
 * Resolves { wallMs, code, signal, timedOut, stdout, stderr, usage, cpu, rss, hwmKiB }: `usage` is what the
 * preload wrote at exit ({ maxRssKiB, userCpuMs, systemCpuMs }; undefined when the child was killed).
 */
export async function runSampled({
  args,
  rssFile,
  timeoutMs,
  tracker,
  env,
  cpuEveryMs = 5_000,
  rssEveryMs = 1_000,
  onSpawn,
}) {
  await rm(rssFile, { force: true });
  const r = await new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', RSS_PRELOAD, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, LIFELINE_BENCH_RSS_FILE: rssFile, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    tracker.current = child;
    const sampler = sampleProcess(child.pid, { cpuEveryMs, rssEveryMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr = (stderr + d).slice(-STDERR_KEEP);
    });
    let timedOut = false;
    let killTimer;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    }, timeoutMs);
    // /proc/<pid> is gone once the child is reaped: the exact totals at exit come from the preload.
    let samples;
    child.once('exit', () => {
      samples = sampler.stop();
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      sampler.stop();
      tracker.current = undefined;
      reject(e);
    });
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      clearTimeout(killTimer);
      tracker.current = undefined;
      resolvePromise({ wallMs, code, signal, timedOut, stdout, stderr, ...(samples ?? sampler.stop()) });
    });
    onSpawn?.(child);
  });
  const usage = await readFile(rssFile, 'utf8')
    .then((text) => JSON.parse(text))
    .catch(() => undefined);
  return { ...r, usage };
}
