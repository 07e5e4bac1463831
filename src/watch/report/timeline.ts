import type { Severity } from '../../doctor/report/types.js';
import type { History } from '../history/read-history.js';
import type { SeriesPoint } from '../history/sample-series.js';
import type { Incident, ServerFacts } from '../types.js';

export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

export interface DowntimeSpan {
  from: number;
  to: number;
  /** The history ends with the target still down. */
  ongoing: boolean;
}

export interface KindCount {
  kind: string;
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
  byKind: KindCount[];
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
  byKind: KindCount[];
  /** The most recent incident of each kind: the one whose fix to show. Worst severity first. */
  latestByKind: Incident[];
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
      byKind: countByKind(mine),
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
  for (const incident of incidents) latest.set(incident.kind, incident);
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
    byKind: countByKind(incidents),
    latestByKind: [...latest.values()].sort(
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

function countByKind(incidents: readonly Incident[]): KindCount[] {
  const byKind = new Map<string, KindCount>();
  for (const i of incidents) {
    const entry = byKind.get(i.kind) ?? { kind: i.kind, incidents: 0, occurrences: 0, worst: i.severity };
    entry.incidents += 1;
    entry.occurrences += i.occurrences;
    if (SEVERITIES.indexOf(i.severity) < SEVERITIES.indexOf(entry.worst)) entry.worst = i.severity;
    byKind.set(i.kind, entry);
  }
  return [...byKind.values()].sort(
    (a, b) => SEVERITIES.indexOf(a.worst) - SEVERITIES.indexOf(b.worst) || b.incidents - a.incidents,
  );
}

const sum = <T>(items: readonly T[], of: (item: T) => number): number =>
  items.reduce((total, item) => total + of(item), 0);
