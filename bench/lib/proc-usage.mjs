// CPU time and memory of a running process, read from /proc (Linux), sampled while it runs. Not a
// benchmark itself: bench/run.mjs only runs bench/*.mjs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { median, round } from './stats.mjs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (getconf CLK_TCK; 100 almost everywhere). */
export const CLK_TCK = (() => {
  const n = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();

/** utime + stime of `pid` in milliseconds, or undefined once the process is gone. */
export function readCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields from its closing parenthesis.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK; // fields 14 and 15
  } catch {
    return undefined;
  }
}

/** VmRSS and VmHWM (peak RSS) of `pid` in KiB, or undefined once the process is gone. */
export function readMemKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    const rssKiB = field('VmRSS');
    return Number.isFinite(rssKiB) ? { rssKiB, hwmKiB: field('VmHWM') } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples `pid` until stop(): its CPU time every `cpuEveryMs`, its RSS every `rssEveryMs` (t: ms since
 * the sampler started). stop() takes one last sample of each (when the process is still there) and
 * returns { cpu: [{ t, cpuMs }], rss: [{ t, rssKiB }], hwmKiB }.
 */
export function sampleProcess(pid, { cpuEveryMs = 5_000, rssEveryMs = 1_000 } = {}) {
  const t0 = performance.now();
  const cpu = [];
  const rss = [];
  let hwmKiB = 0;
  const takeCpu = () => {
    const cpuMs = readCpuMs(pid);
    if (cpuMs !== undefined) cpu.push({ t: performance.now() - t0, cpuMs });
  };
  const takeRss = () => {
    const m = readMemKiB(pid);
    if (!m) return;
    rss.push({ t: performance.now() - t0, rssKiB: m.rssKiB });
    if (Number.isFinite(m.hwmKiB)) hwmKiB = Math.max(hwmKiB, m.hwmKiB);
  };
  takeCpu();
  takeRss();
  const cpuTimer = setInterval(takeCpu, cpuEveryMs);
  const rssTimer = setInterval(takeRss, rssEveryMs);
  let stopped;
  return {
    stop() {
      if (!stopped) {
        clearInterval(cpuTimer);
        clearInterval(rssTimer);
        takeCpu();
        takeRss();
        stopped = { cpu, rss, hwmKiB };
      }
      return stopped;
    },
  };
}

/** CPU time over wall time between two CPU samples, as % of one core. */
const pctBetween = (a, b) => (b.t > a.t ? (100 * (b.cpuMs - a.cpuMs)) / (b.t - a.t) : 0);

/**
 * The CPU samples of one run as % of one core: `steadyPct` from the first sample at or after `warmupMs`
 * (start-up and module loading excluded) to the last one, and back-to-back windows of `windowMs` from
 * there (only complete ones; each ends at the first sample at least `windowMs` after it started).
 */
export function cpuSummary(cpu, { warmupMs = 10_000, windowMs = 60_000 } = {}) {
  const first = cpu.findIndex((s) => s.t >= warmupMs);
  const last = cpu[cpu.length - 1];
  if (first < 0 || !last || last.t <= cpu[first].t) {
    return { steadyPct: null, steadySeconds: 0, windowPcts: [], medianWindowPct: null, maxWindowPct: null };
  }
  const windowPcts = [];
  let start = cpu[first];
  for (const s of cpu.slice(first + 1)) {
    if (s.t - start.t >= windowMs - 500) {
      windowPcts.push(round(pctBetween(start, s), 2));
      start = s;
    }
  }
  return {
    steadyPct: round(pctBetween(cpu[first], last), 2),
    steadySeconds: round((last.t - cpu[first].t) / 1000),
    windowPcts,
    medianWindowPct: windowPcts.length ? round(median(windowPcts), 2) : null,
    maxWindowPct: windowPcts.length ? Math.max(...windowPcts) : null,
  };
}

/** RSS samples as MB (10^6 bytes): median and max. */
export function rssSummary(rss) {
  const mbs = rss.map((s) => (s.rssKiB * 1024) / 1e6);
  return {
    samples: mbs.length,
    medianRssMB: mbs.length ? round(median(mbs)) : null,
    maxRssMB: mbs.length ? round(Math.max(...mbs)) : null,
  };
}
