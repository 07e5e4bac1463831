import { killsDelta } from '../../core/server-kills.js';
import { compareRuns, counterDelta, type RunReading } from '../../core/server-run.js';
import type { Counters, Sample, ServerFacts } from '../types.js';

export const DEFAULT_MAX_POINTS = 2000;

/**
 * One chart point: one sample, or consecutive samples of one target merged when the history has more
 * than maxPoints of them. Counter deltas are computed per sample before merging (a merged point cannot
 * see a restart inside it), so sums stay exact and peaks keep the spikes visible.
 */
export interface SeriesPoint {
  /** Epoch ms of the first and last sample merged here. */
  from: number;
  to: number;
  count: number;
  /** Connected clients over the up samples merged here (absent when none was up). */
  connectedMin?: number;
  connectedMax?: number;
  /** The last value. */
  connected?: number;
  maxclients?: number;
  /** Connections rejected during the point (sum of per-sample deltas) and the largest single delta. */
  rejected: number;
  rejectedPeak: number;
  /** Clients killed: output-buffer + query-buffer kills + evicted clients, sum and largest delta. */
  kills: number;
  killsPeak: number;
  /** Server restarts seen (core/server-run.ts: a new process started since the previous up sample). */
  restarts: number;
  /** Samples with up=false, and the first and last of them. */
  down: number;
  firstDownAt?: number;
  lastDownAt?: number;
  /** Whether the last sample merged here was up. */
  lastUp: boolean;
  /** When down>0 and lastUp: the first up sample after the last down one. */
  recoveredAt?: number;
}

export interface TargetSamples {
  target: string;
  /** Samples read, up and down (before any merging). */
  total: number;
  down: number;
  points: SeriesPoint[];
  /** Samples per point (1 unless downsampled). */
  perPoint: number;
  /** The server facts of the latest up sample. */
  server?: ServerFacts;
}

/** The last up sample with counters: what the next sample's deltas are taken against. */
export interface CounterBaseline {
  /** Its server process (undefined when the sample did not record one). */
  run: RunReading | undefined;
  counters: Counters;
}

/**
 * Rejected connections and kills (output-buffer + query-buffer kills + evicted clients) since the
 * baseline, by core/server-run.ts's rules: after a restart (or a counter reset) everything the counter
 * shows is new; another server that was already up (failover) only becomes the new baseline. The first
 * sample only sets the baseline: counts from before the history are not in it.
 */
export function sampleDeltas(
  baseline: CounterBaseline | undefined,
  sample: Sample,
): { rejected: number; kills: number; restarted: boolean; baseline: CounterBaseline | undefined } {
  if (!sample.up || !sample.counters) return { rejected: 0, kills: 0, restarted: false, baseline };
  const run = sample.server && { runId: sample.server.runId, uptimeS: sample.server.uptimeS, at: sample.at };
  const next: CounterBaseline = { run, counters: sample.counters };
  if (!baseline) return { rejected: 0, kills: 0, restarted: false, baseline: next };
  const change = baseline.run && run ? compareRuns(baseline.run, run) : 'same';
  const prev = baseline.counters;
  const cur = sample.counters;
  const delta = (key: keyof Counters) => counterDelta(prev[key], cur[key], change) ?? 0;
  return {
    rejected: delta('rejectedConnections'),
    kills: killsDelta(prev, cur, change),
    restarted: change === 'restarted',
    baseline: next,
  };
}

/** Per-target series built while streaming: deltas per sample, then merged pairwise to stay under maxPoints. */
export class SeriesBuilder {
  private readonly points: SeriesPoint[] = [];
  private perPoint = 1;
  private baseline: CounterBaseline | undefined;
  private total = 0;
  private down = 0;
  private server: ServerFacts | undefined;

  constructor(
    private readonly target: string,
    private readonly maxPoints: number,
  ) {}

  add(sample: Sample): void {
    this.total += 1;
    const point = this.pointOf(sample);
    const last = this.points.at(-1);
    if (last && last.count < this.perPoint) this.points[this.points.length - 1] = mergePoints(last, point);
    else this.points.push(point);
    if (this.points.length > this.maxPoints) {
      // Halving keeps every point the same number of samples wide: amortised O(1) per sample.
      const merged: SeriesPoint[] = [];
      for (let i = 0; i < this.points.length; i += 2) {
        const a = this.points[i] as SeriesPoint;
        const b = this.points[i + 1];
        merged.push(b ? mergePoints(a, b) : a);
      }
      this.points.length = 0;
      this.points.push(...merged);
      this.perPoint *= 2;
    }
  }

  finish(): TargetSamples {
    return {
      target: this.target,
      total: this.total,
      down: this.down,
      points: this.points,
      perPoint: this.perPoint,
      ...(this.server ? { server: this.server } : {}),
    };
  }

  private pointOf(sample: Sample): SeriesPoint {
    const point: SeriesPoint = {
      from: sample.at,
      to: sample.at,
      count: 1,
      rejected: 0,
      rejectedPeak: 0,
      kills: 0,
      killsPeak: 0,
      restarts: 0,
      down: 0,
      lastUp: sample.up,
    };
    if (!sample.up) {
      this.down += 1;
      point.down = 1;
      point.firstDownAt = sample.at;
      point.lastDownAt = sample.at;
      return point;
    }
    if (sample.server) this.server = sample.server;
    if (sample.gauges) {
      const n = sample.gauges.connectedClients;
      point.connectedMin = n;
      point.connectedMax = n;
      point.connected = n;
      if (sample.gauges.maxclients !== undefined) point.maxclients = sample.gauges.maxclients;
    }
    const deltas = sampleDeltas(this.baseline, sample);
    this.baseline = deltas.baseline;
    point.rejected = deltas.rejected;
    point.rejectedPeak = deltas.rejected;
    point.kills = deltas.kills;
    point.killsPeak = deltas.kills;
    point.restarts = deltas.restarted ? 1 : 0;
    return point;
  }
}

/** Merges two consecutive points of one target (a before b). */
export function mergePoints(a: SeriesPoint, b: SeriesPoint): SeriesPoint {
  const point: SeriesPoint = {
    from: a.from,
    to: b.to,
    count: a.count + b.count,
    rejected: a.rejected + b.rejected,
    rejectedPeak: Math.max(a.rejectedPeak, b.rejectedPeak),
    kills: a.kills + b.kills,
    killsPeak: Math.max(a.killsPeak, b.killsPeak),
    restarts: a.restarts + b.restarts,
    down: a.down + b.down,
    lastUp: b.lastUp,
  };
  const min = minOf(a.connectedMin, b.connectedMin);
  const max = maxOf(a.connectedMax, b.connectedMax);
  if (min !== undefined) point.connectedMin = min;
  if (max !== undefined) point.connectedMax = max;
  const connected = b.connected ?? a.connected;
  if (connected !== undefined) point.connected = connected;
  const maxclients = b.maxclients ?? a.maxclients;
  if (maxclients !== undefined) point.maxclients = maxclients;
  const firstDownAt = a.firstDownAt ?? b.firstDownAt;
  const lastDownAt = b.lastDownAt ?? a.lastDownAt;
  if (firstDownAt !== undefined) point.firstDownAt = firstDownAt;
  if (lastDownAt !== undefined) point.lastDownAt = lastDownAt;
  // The recovery that ends the merged point's last outage: inside b, at b's start, or inside a.
  const recoveredAt = !b.lastUp
    ? undefined
    : b.down > 0
      ? b.recoveredAt
      : a.down > 0
        ? a.lastUp
          ? a.recoveredAt
          : b.from
        : undefined;
  if (recoveredAt !== undefined) point.recoveredAt = recoveredAt;
  return point;
}

const minOf = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
const maxOf = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
