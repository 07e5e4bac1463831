// Timed child runs: any command's wall time, and one `lifeline doctor` run's wall time, peak RSS and CPU
// (through max-rss-preload.mjs). Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { CLI, ROOT, RSS_PRELOAD } from './paths.mjs';

/**
 * Runs a child; resolves { wallMs, code, signal, stdout, stderr, timedOut }. Kills it after `timeoutMs`.
 * While it runs, `tracker.current` holds it, so that a cleanup can kill it (see lifecycle.mjs). `input`,
 * when given, is written to its stdin (closed after); otherwise stdin is /dev/null.
 */
export function timedRun(command, args, { env, captureStdout = false, timeoutMs, tracker, input }) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: ROOT,
      env: env ?? process.env,
      stdio: [input === undefined ? 'ignore' : 'pipe', captureStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    tracker.current = child;
    if (input !== undefined) {
      child.stdin.on('error', () => {}); // a child that exits early: its 'close' reports it
      child.stdin.end(input);
    }
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      tracker.current = undefined;
      resolvePromise({ wallMs, code, signal, stdout, stderr, timedOut: wallMs >= timeoutMs });
    });
  });
}

/**
 * One `lifeline doctor <url> [...args] --json --fail-on none` under the peak-RSS preload, which writes its
 * usage to `rssFile`. Throws when the doctor times out, fails (an exit other than 0 or 1) or prints no
 * JSON. `inspect(report)` checks the report (throwing when it is not what the benchmark needs) before the
 * usage is read, and returns fields to add to the sample.
 * Resolves { wallMs, reportDurationMs, exitCode, maxRssMB, cpuMs, ...inspect(report) }.
 */
export async function measureDoctor({ url, args = [], rssFile, timeoutMs, tracker, inspect }) {
  await rm(rssFile, { force: true });
  const r = await timedRun(
    process.execPath,
    ['--import', RSS_PRELOAD, CLI, 'doctor', url, ...args, '--json', '--fail-on', 'none'],
    {
      env: { ...process.env, LIFELINE_BENCH_RSS_FILE: rssFile, NO_COLOR: '1' },
      captureStdout: true,
      timeoutMs,
      tracker,
    },
  );
  if (r.timedOut) throw new Error(`doctor did not finish within ${timeoutMs / 1000} s`);
  if (r.code !== 0 && r.code !== 1) {
    throw new Error(
      `doctor exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`doctor --json did not print JSON: ${r.stdout.slice(0, 200)}`);
  }
  const extra = inspect(report);
  const usage = JSON.parse(await readFile(rssFile, 'utf8'));
  return {
    wallMs: r.wallMs,
    reportDurationMs: report.durationMs,
    exitCode: r.code,
    maxRssMB: (usage.maxRssKiB * 1024) / 1e6,
    cpuMs: usage.userCpuMs + usage.systemCpuMs,
    ...extra,
  };
}
