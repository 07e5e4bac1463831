// `lifeline watch --history <dir>` as the watch benchmarks read it: every record, and what the samples say
// about how often and how fast watch sampled each target. Not a benchmark itself: bench/run.mjs only runs
// bench/*.mjs.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { median, round } from './stats.mjs';

/** The `lifeline watch` command line both watch benchmarks run: NDJSON out, history in `historyDir`. */
export const watchArgs = (cli, urls, { intervalMs, seconds, historyDir }) => [
  cli,
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
 * Every record of the history directory, oldest first: rotated files (`lifeline-watch-<time>.ndjson`,
 * which sort before `lifeline-watch.ndjson`) then the current one. Counts lines that are not JSON.
 */
export async function readHistory(dir) {
  const names = (await readdir(dir)).filter((n) => /^lifeline-watch.*\.ndjson$/.test(n)).sort();
  const records = [];
  let badLines = 0;
  for (const name of names) {
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line));
      } catch {
        badLines++;
      }
    }
  }
  return { files: names, records, badLines };
}

const stat = (xs, digits = 2) =>
  xs.length
    ? { median: round(median(xs), digits), max: round(Math.max(...xs), digits), count: xs.length }
    : { median: null, max: null, count: 0 };

/**
 * Per target (in `targets` order, history URLs): samples, samples up, samples with a CLIENT LIST, the gaps
 * between consecutive samples (ms), the INFO round trips (sample.durationMs) and the CLIENT LIST round
 * trips (sample.clients.durationMs).
 */
export function summarizeSamples(records, targets) {
  const byTarget = new Map(targets.map((t) => [t, []]));
  for (const r of records) {
    if (r.type === 'sample') {
      if (!byTarget.has(r.target)) byTarget.set(r.target, []);
      byTarget.get(r.target).push(r);
    }
  }
  return [...byTarget].map(([target, samples]) => {
    samples.sort((a, b) => a.at - b.at);
    const gaps = samples.slice(1).map((s, i) => s.at - samples[i].at);
    const listed = samples.filter((s) => s.clients);
    return {
      target,
      samples: samples.length,
      up: samples.filter((s) => s.up).length,
      withClientList: listed.length,
      spanS: samples.length > 1 ? round((samples.at(-1).at - samples[0].at) / 1000) : 0,
      gapMs: stat(gaps, 0),
      infoMs: stat(samples.filter((s) => s.up).map((s) => s.durationMs)),
      clientListMs: stat(listed.map((s) => s.clients.durationMs)),
      listedClients: stat(
        listed.map((s) => s.clients.total),
        0,
      ),
      connectedClients: stat(
        samples.filter((s) => s.gauges).map((s) => s.gauges.connectedClients),
        0,
      ),
      firstError: samples.find((s) => !s.up)?.error,
    };
  });
}

/** The incident lines of `lifeline watch --json` (NDJSON on stdout), and the lines that are not JSON. */
export function parseIncidentLines(stdout) {
  const incidents = [];
  const other = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line);
      if (record.type === 'incident') incidents.push(record);
      else other.push(line);
    } catch {
      other.push(line);
    }
  }
  return { incidents, other };
}

/** Incidents in short: kind, cause, severity, target and message, for the report. */
export const briefIncident = (i) => ({
  kind: i.kind,
  cause: i.cause,
  severity: i.severity,
  target: i.target,
  at: i.at,
  occurrences: i.occurrences,
  message: i.message,
});
