// What a `lifeline watch` run left, as the watch benchmarks read it: every record of its --history, what the
// samples say about how often and how fast watch sampled each target, and its incidents (NDJSON on stdout).
// Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { median, round } from './stats.mjs';

/**
 * Every record of the history directory, oldest first: rotated files (`lifeline-watch-<time>.ndjson`,
 * which sort before `lifeline-watch.ndjson`) then the current one. Counts lines that are not JSON.
 */
async function readHistory(dir) {
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
function summarizeSamples(records, targets) {
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
function parseIncidentLines(stdout) {
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
const briefIncident = (i) => ({
  kind: i.kind,
  cause: i.cause,
  severity: i.severity,
  target: i.target,
  at: i.at,
  occurrences: i.occurrences,
  message: i.message,
});

/**
 * What the watch run `watch` (runWatch in watch-run.mjs) left: its history (`files`, `records`,
 * `badLines`), the samples summarized per target (summarizeSamples: `urls` first, in order), and its
 * output for the report: incidents in short, and the first 20 other stdout lines and stderr lines.
 */
export async function readWatchRun(watch, urls) {
  const { incidents, other } = parseIncidentLines(watch.stdout);
  const history = await readHistory(watch.historyDir);
  return {
    history,
    perTarget: summarizeSamples(history.records, urls),
    output: {
      incidents: incidents.map(briefIncident),
      otherStdoutLines: other.slice(0, 20),
      stderrLines: watch.stderr
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(0, 20),
    },
  };
}

/** The per-target summaries (summarizeSamples) of several targets in figures for the report. */
export function sampleFigures(perTarget) {
  const counts = perTarget.map((s) => s.samples);
  const sum = (pick) => perTarget.reduce((n, s) => n + pick(s), 0);
  const medianOf = (pick) => median(perTarget.map((s) => pick(s) ?? 0));
  return {
    samplesPerTarget: { min: Math.min(...counts), median: median(counts), max: Math.max(...counts) },
    samplesUp: sum((s) => s.up),
    samplesTotal: sum((s) => s.samples),
    samplesWithClientList: sum((s) => s.withClientList),
    maxGapMs: Math.max(...perTarget.map((s) => s.gapMs.max ?? 0)),
    medianGapMs: medianOf((s) => s.gapMs.median),
    infoRoundTripMedianMs: round(
      medianOf((s) => s.infoMs.median),
      2,
    ),
    infoRoundTripMaxMs: Math.max(...perTarget.map((s) => s.infoMs.max ?? 0)),
    clientListRoundTripMedianMs: round(
      medianOf((s) => s.clientListMs.median),
      2,
    ),
    listedClientsMedian: medianOf((s) => s.listedClients.median),
  };
}

/**
 * The targets watch did not keep the cadence on, one sentence each: fewer samples than `minShare` of one
 * every `intervalMs` over `seconds`, or a sample down. `named`: whether the sentence names the target.
 */
export function missedCadence(perTarget, { seconds, intervalMs, minShare, named = true }) {
  const expected = seconds * (1000 / intervalMs);
  return perTarget
    .filter((s) => s.samples < expected * minShare || s.up < s.samples)
    .map(
      (s) =>
        `watch took ${s.samples} samples${named ? ` of ${s.target}` : ''} (${s.up} up) in ${seconds} s: ` +
        `fewer than ${minShare * 100}% of one per second${s.firstError ? ` (${s.firstError})` : ''}`,
    );
}
