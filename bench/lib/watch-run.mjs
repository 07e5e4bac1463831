// The child processes of the watch benchmarks, run, checked and measured: `lifeline watch` itself, and the
// floor it is compared with (info-floor.mjs); the targets for watch and the verdict on its CPU and
// RSS. Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.
import { join } from 'node:path';
import { CLI, ROOT } from './paths.mjs';
import { roundCpu, runSampled, usageFigures } from './sampled-run.mjs';
import { round } from './stats.mjs';

const FLOOR_SCRIPT = join(ROOT, 'bench/lib/info-floor.mjs');

export const TARGET_CPU_PCT = 5; // of one core, over the whole run
export const TARGET_RSS_MB = 150; // MB = 10^6 bytes (the stricter reading of "150 MB")
export const MIN_SAMPLE_SHARE = 0.95; // of the seconds watched, per target: below it watch did not keep the cadence

/** The `lifeline watch` command line the watch benchmarks run: NDJSON out, history in `historyDir`. */
const watchArgs = (urls, { intervalMs, seconds, historyDir }) => [
  CLI,
  'watch',
  ...urls,
  '--interval',
  `${intervalMs / 1000}s`,
  '--duration',
  `${seconds}s`,
  '--no-live',
  '--json',
  '--history',
  historyDir,
];

/**
 * Runs `lifeline watch <urls>` every `intervalMs` for `seconds` (history in <life.tmp>/history), sampled
 * (runSampled; `progress` as there). Throws when it outlives its --duration or fails: exit 0 (no incident)
 * and 1 (an incident at warning or above: --fail-on warning, the default) are both a run. Resolves the
 * runSampled result and its `historyDir`.
 */
export async function runWatch(life, { urls, intervalMs, seconds, progress }) {
  const historyDir = join(life.tmp, 'history');
  const watch = await runSampled({
    args: watchArgs(urls, { intervalMs, seconds, historyDir }),
    rssFile: join(life.tmp, 'watch-usage.json'),
    timeoutMs: (seconds + 60) * 1000,
    tracker: life,
    progress,
  });
  if (watch.timedOut) throw new Error(`watch did not stop within ${seconds + 60} s (--duration ${seconds}s)`);
  if (watch.code !== 0 && watch.code !== 1) {
    throw new Error(
      `watch exited ${watch.code ?? watch.signal}: ${watch.stderr.trim().split('\n').slice(-5).join(' | ')}`,
    );
  }
  return { ...watch, historyDir };
}

/**
 * Runs the floor (info-floor.mjs, `--cluster` with `cluster`) on `ports` every `intervalMs` for `seconds`,
 * sampled, its progress logged every 30 s; throws when it fails. Resolves its figures for the result
 * file: usageFigures, then what the floor says of itself (rounds, ...), then its CPU samples.
 */
export async function runFloor(life, { ports, intervalMs, seconds, cluster = false, log }) {
  const floor = await runSampled({
    args: [
      FLOOR_SCRIPT,
      ...(cluster ? ['--cluster'] : []),
      String(seconds),
      String(intervalMs),
      ...ports.map(String),
    ],
    rssFile: join(life.tmp, 'floor-usage.json'),
    timeoutMs: (seconds + 30) * 1000,
    tracker: life,
    progress: { log, label: 'floor', everyMs: 30_000 },
  });
  if (floor.code !== 0 || floor.timedOut)
    throw new Error(`the floor exited ${floor.code ?? floor.signal}: ${floor.stderr.trim().slice(-500)}`);
  return {
    ...usageFigures(floor),
    ...JSON.parse(floor.stderr.trim().split('\n').at(-1)),
    cpuSamples: roundCpu(floor.cpu),
  };
}

/** Watch's steady CPU over the floor's (after the first 10 s), two decimals; null when either is missing. */
export const steadyRatio = (w, fl) =>
  w.steadyPct && fl.steadyPct ? round(w.steadyPct / fl.steadyPct, 2) : null;

/** The CPU and RSS targets (`cpuPct` of one core over the whole run, `rssMB` peak) watch misses. */
export function missedUsageTargets(w, { cpuPct = TARGET_CPU_PCT, rssMB = TARGET_RSS_MB } = {}) {
  const failures = [];
  if (w.cpuWholeRunPct === null) failures.push('watch wrote no usage at exit (killed?)');
  else if (w.cpuWholeRunPct >= cpuPct)
    failures.push(`watch CPU ${w.cpuWholeRunPct}% of one core over the run >= ${cpuPct}%`);
  if (w.peakRssMB >= rssMB) failures.push(`watch peak RSS ${w.peakRssMB} MB >= ${rssMB} MB`);
  return failures;
}
