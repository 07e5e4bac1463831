import type { Severity } from '../../doctor/report/types.js';
import type { History, SeriesPoint } from '../history/read-history.js';
import type { Counters, Incident, Sample, ServerFacts } from '../types.js';

export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/** The last up sample's counters: what the next sample's deltas are taken against. */
export interface CounterBaseline {
  runId: string | undefined;
  at: number;
  counters: Counters;
}

/**
 * Events between two readings of a cumulative counter. After a reset (restart, CONFIG RESETSTAT) the
 * counter restarted from zero, so everything it shows happened since: the delta is the new value, never
 * negative.
 */
export function counterDelta(prev: number | undefined, cur: number | undefined, reset: boolean): number {
  if (cur === undefined) return 0;
  if (reset) return cur;
  if (prev === undefined) return 0;
  return cur >= prev ? cur - prev : cur;
}

/**
 * Rejected connections and kills (output-buffer + query-buffer kills + evicted clients) since the
 * baseline. The first sample only sets the baseline: counts from before the history are not in it.
 * A new run id up for longer than since the baseline is another server (failover): its counters only
 * become the new baseline.
 */
export function sampleDeltas(
  baseline: CounterBaseline | undefined,
  sample: Sample,
): { rejected: number; kills: number; restarted: boolean; baseline: CounterBaseline | undefined } {
  if (!sample.up || !sample.counters) return { rejected: 0, kills: 0, restarted: false, baseline };
  const runId = sample.server?.runId;
  const next: CounterBaseline = { runId, at: sample.at, counters: sample.counters };
  if (!baseline) return { rejected: 0, kills: 0, restarted: false, baseline: next };
  const changed = runId !== undefined && baseline.runId !== undefined && runId !== baseline.runId;
  const replaced = changed && (sample.server?.uptimeS ?? 0) > (sample.at - baseline.at) / 1000 + 2;
  if (replaced) return { rejected: 0, kills: 0, restarted: false, baseline: next };
  const restarted = changed;
  const prev = baseline.counters;
  const cur = sample.counters;
  const delta = (key: keyof Counters) => counterDelta(prev[key], cur[key], restarted);
  return {
    rejected: delta('rejectedConnections'),
    kills: delta('outputBufferKills') + delta('queryBufferKills') + delta('evictedClients'),
    restarted,
    baseline: next,
  };
}

export interface DowntimeSpan {
  from: number;
  to: number;
  /** The history ends with the target still down. */
  ongoing: boolean;
}

export interface CauseCount {
  cause: string;
  /** Incidents (alerts) and the occurrences merged into them. */
  incidents: number;
  occurrences: number;
  worst: Severity;
}

export interface TargetTimeline {
  target: string;
  server?: ServerFacts;
  samples: number;
  downSamples: number;
  /** Samples per chart point (1 unless the history was downsampled). */
  perPoint: number;
  points: SeriesPoint[];
  incidents: Incident[];
  markers: { at: number; incident: Incident }[];
  bySeverity: Record<Severity, number>;
  byCause: CauseCount[];
  downtime: DowntimeSpan[];
  totals: {
    rejected: number;
    kills: number;
    restarts: number;
    downMs: number;
    peakConnected?: number;
    maxclients?: number;
  };
}

export interface Timeline {
  /** Who rendered it ("redis-lifeline 0.1.0"), passed in to keep this pure. */
  generatedBy: string;
  files: string[];
  window: { from: number; to: number };
  samples: number;
  skippedLines: number;
  /** Watch runs in the history (start records) and their sampling interval (the latest). */
  runs: number;
  intervalMs?: number;
  targets: TargetTimeline[];
  /** Every incident, in time order. */
  incidents: Incident[];
  bySeverity: Record<Severity, number>;
  byCause: CauseCount[];
  /** The most recent incident of each cause: the one whose fix to show. Worst severity first. */
  latestByCause: Incident[];
}

/** Builds the report's model from a read history. Pure: same history, same timeline. */
export function buildTimeline(history: History, options: { generatedBy: string }): Timeline {
  const incidents = sortByTime(history.incidents);
  const targets = history.targets.map((target) => {
    const series = history.samples.get(target);
    const points = [...(series?.points ?? [])].sort((a, b) => a.from - b.from);
    const mine = incidents.filter((i) => i.target === target);
    const downtime = downtimeSpans(points);
    let peak: number | undefined;
    let maxclients: number | undefined;
    for (const p of points) {
      if (p.connectedMax !== undefined) peak = Math.max(peak ?? 0, p.connectedMax);
      if (p.maxclients !== undefined) maxclients = p.maxclients;
    }
    const timeline: TargetTimeline = {
      target,
      samples: series?.total ?? 0,
      downSamples: series?.down ?? 0,
      perPoint: series?.perPoint ?? 1,
      points,
      incidents: mine,
      markers: mine.map((incident) => ({ at: Date.parse(incident.at), incident })),
      bySeverity: countBySeverity(mine),
      byCause: countByCause(mine),
      downtime,
      totals: {
        rejected: sum(points, (p) => p.rejected),
        kills: sum(points, (p) => p.kills),
        restarts: sum(points, (p) => p.restarts),
        downMs: downtime.reduce((total, span) => total + (span.to - span.from), 0),
        ...(peak !== undefined ? { peakConnected: peak } : {}),
        ...(maxclients !== undefined ? { maxclients } : {}),
      },
    };
    if (series?.server) timeline.server = series.server;
    return timeline;
  });
  const latest = new Map<string, Incident>();
  for (const incident of incidents) latest.set(incident.cause, incident);
  const intervalMs = history.starts.at(-1)?.intervalMs;
  return {
    generatedBy: options.generatedBy,
    files: history.files,
    window: { from: history.firstAt, to: history.lastAt },
    samples: targets.reduce((total, t) => total + t.samples, 0),
    skippedLines: history.skippedLines,
    runs: history.starts.length,
    ...(intervalMs ? { intervalMs } : {}),
    targets,
    incidents,
    bySeverity: countBySeverity(incidents),
    byCause: countByCause(incidents),
    latestByCause: [...latest.values()].sort(
      (a, b) =>
        SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
        Date.parse(b.at) - Date.parse(a.at),
    ),
  };
}

/**
 * Spans with the target down, from the first down sample to the first up sample after it. Exact when
 * each point is one sample; to the width of a point when the history was downsampled.
 */
export function downtimeSpans(points: readonly SeriesPoint[]): DowntimeSpan[] {
  const spans: DowntimeSpan[] = [];
  let openFrom: number | undefined;
  for (const p of points) {
    if (p.down > 0) {
      openFrom ??= p.firstDownAt ?? p.from;
      if (p.lastUp) {
        spans.push({ from: openFrom, to: p.recoveredAt ?? p.to, ongoing: false });
        openFrom = undefined;
      }
    } else if (openFrom !== undefined) {
      spans.push({ from: openFrom, to: p.from, ongoing: false });
      openFrom = undefined;
    }
  }
  const last = points.at(-1);
  if (openFrom !== undefined && last)
    spans.push({ from: openFrom, to: last.lastDownAt ?? last.to, ongoing: true });
  return spans;
}

/** "2024-05-01 12:03:04Z": UTC to the second, for every renderer. */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

function sortByTime(incidents: readonly Incident[]): Incident[] {
  // Stable: incidents at the same time keep their order in the history.
  return [...incidents].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

function countBySeverity(incidents: readonly Incident[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const i of incidents) counts[i.severity] += 1;
  return counts;
}

function countByCause(incidents: readonly Incident[]): CauseCount[] {
  const byCause = new Map<string, CauseCount>();
  for (const i of incidents) {
    const entry = byCause.get(i.cause) ?? { cause: i.cause, incidents: 0, occurrences: 0, worst: i.severity };
    entry.incidents += 1;
    entry.occurrences += i.occurrences;
    if (SEVERITIES.indexOf(i.severity) < SEVERITIES.indexOf(entry.worst)) entry.worst = i.severity;
    byCause.set(i.cause, entry);
  }
  return [...byCause.values()].sort(
    (a, b) => SEVERITIES.indexOf(a.worst) - SEVERITIES.indexOf(b.worst) || b.incidents - a.incidents,
  );
}

const sum = <T>(items: readonly T[], of: (item: T) => number): number =>
  items.reduce((total, item) => total + of(item), 0);
