// A long-running Node child measured while it runs: its CPU time and RSS sampled from /proc, and its own
// totals at exit (getrusage, through max-rss-preload.mjs); the figures the benchmarks report of such a run.
// Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { ROOT, RSS_PRELOAD } from './paths.mjs';
import { cpuSummary, readCpuMs, readMemKiB, rssSummary, sampleProcess } from './proc-usage.mjs';
import { round } from './stats.mjs';

const STDERR_KEEP = 64 * 1024;

/**
 * Runs `node --import <preload> ...args` and samples it (CPU every `cpuEveryMs`, RSS every `rssEveryMs`)
 * until it exits; kills it (SIGTERM, then SIGKILL) after `timeoutMs`. While it runs, `tracker.current`
 * holds it, so that a cleanup can kill it (see lifecycle.mjs). With `progress` ({ log, label, everyMs }), logs
 * the child's CPU and RSS every `everyMs`, so that a long run shows it is alive.
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
  progress,
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
    const progressTimer = progress && logProgress(child.pid, progress);
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
      clearInterval(progressTimer);
      sampler.stop();
      tracker.current = undefined;
      reject(e);
    });
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearInterval(progressTimer);
      tracker.current = undefined;
      resolvePromise({ wallMs, code, signal, timedOut, stdout, stderr, ...(samples ?? sampler.stop()) });
    });
  });
  const usage = await readFile(rssFile, 'utf8')
    .then((text) => JSON.parse(text))
    .catch(() => undefined);
  return { ...r, usage };
}

/** Logs the CPU (% of one core since the last line) and RSS of `pid` every `everyMs`; returns the timer. */
function logProgress(pid, { log, label, everyMs }) {
  const t0 = performance.now();
  let last = { t: t0, cpuMs: 0 };
  const timer = setInterval(() => {
    const cpuMs = readCpuMs(pid);
    const mem = readMemKiB(pid);
    if (cpuMs === undefined || !mem) return;
    const now = performance.now();
    const pct = (100 * (cpuMs - last.cpuMs)) / (now - last.t);
    last = { t: now, cpuMs };
    log(
      `${label}: ${Math.round((now - t0) / 1000)} s, CPU ${round(pct, 2)}% of one core in the last ` +
        `${Math.round(everyMs / 1000)} s, RSS ${round(mem.rssKiB * 1.024e-3)} MB (load ${loadavg()[0].toFixed(2)})`,
    );
  }, everyMs);
  timer.unref();
  return timer;
}

/** CPU as % of one core over a child's whole life (start-up included), from its own totals at exit. */
export const wholeRunPct = (r) =>
  r.usage ? round((100 * (r.usage.userCpuMs + r.usage.systemCpuMs)) / r.wallMs, 2) : null;

/** Peak RSS in MB (10^6 bytes): the larger of ru_maxrss at exit and the last VmHWM read from /proc. */
export const peakRssMB = (r) => round(Math.max(r.usage?.maxRssKiB ?? 0, r.hwmKiB) * 1.024e-3);

/** The /proc CPU samples, rounded for the result file: [seconds, CPU ms]. */
export const roundCpu = (cpu) => cpu.map((s) => [round(s.t / 1000), round(s.cpuMs)]);

/**
 * A run's CPU and RSS figures: wall seconds, CPU over the whole run, CPU ms in total (unless `cpuMs` is
 * false), the CPU windows (cpuSummary), the RSS samples (rssSummary) and the peak RSS. With `exitCode`, the
 * child's exit code follows the wall seconds.
 */
export const usageFigures = (r, { exitCode = false, cpuMs = true } = {}) => ({
  wallS: round(r.wallMs / 1000),
  ...(exitCode ? { exitCode: r.code } : {}),
  cpuWholeRunPct: wholeRunPct(r),
  ...(cpuMs ? { cpuMs: r.usage ? round(r.usage.userCpuMs + r.usage.systemCpuMs) : null } : {}),
  ...cpuSummary(r.cpu),
  ...rssSummary(r.rss),
  peakRssMB: peakRssMB(r),
});
