import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CODES } from '../../core/error-codes.js';
import { CannotRunError } from '../../core/errors.js';
import type { Confidence, Fix, Severity } from '../../doctor/report/types.js';
import { type CounterBaseline, sampleDeltas } from '../report/timeline.js';
import type { Counters, Gauges, Incident, IncidentCause, Sample, ServerFacts } from '../types.js';
import { HISTORY_FILE } from './history-writer.js';

/** A history file: the current one or a rotated one (any `lifeline-watch*.ndjson`). */
const HISTORY_NAME = /^lifeline-watch.*\.ndjson$/;
/** Longer lines are garbage, not records (a sample is ~1 KiB); they are skipped without being held. */
const MAX_LINE_BYTES = 1024 * 1024;
const MAX_STARTS = 1000;
const MAX_INCIDENTS = 10_000;
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
  /** Server restarts seen (runId changed). */
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

export type StartRecord = {
  at: string;
  tool: { name: string; version: string };
  targets: string[];
  intervalMs: number;
};

export interface History {
  /** The files read, in order. */
  files: string[];
  starts: StartRecord[];
  /** Per target, in first-seen order. */
  samples: Map<string, TargetSamples>;
  /** In file order (the timeline sorts them); the most recent MAX_INCIDENTS at most. */
  incidents: Incident[];
  /** Lines that were not a valid history record (garbage, truncated, unknown type); other targets' records are not counted. */
  skippedLines: number;
  /** Epoch ms of the first and last record. */
  firstAt: number;
  lastAt: number;
  targets: string[];
}

export interface ReadHistoryOptions {
  /** Only this target (a URL; compared without credentials, or by host:port). */
  target?: string;
  /** Points per target at most (default 2000). */
  maxPoints?: number;
}

const fail = (message: string, cause?: unknown) =>
  new CannotRunError(ERROR_CODES.history, message, cause === undefined ? undefined : { cause });

/**
 * Reads a history file, or every history file of a directory in time order, streaming: memory stays
 * bounded by the number of targets times maxPoints, whatever the size of the history. Lines that are
 * not valid records are counted and skipped; a history with no valid record at all is an error.
 */
export async function readHistory(path: string, options: ReadHistoryOptions = {}): Promise<History> {
  const files = await historyFiles(path);
  const maxPoints = Math.max(2, options.maxPoints ?? DEFAULT_MAX_POINTS);
  const history: History = {
    files,
    starts: [],
    samples: new Map(),
    incidents: [],
    skippedLines: 0,
    firstAt: Number.POSITIVE_INFINITY,
    lastAt: Number.NEGATIVE_INFINITY,
    targets: [],
  };
  const series = new Map<string, SeriesBuilder>();
  const allTargets = new Set<string>();
  const wanted =
    options.target === undefined ? () => true : (t: string) => sameTarget(t, options.target ?? '');
  const seen = (target: string) => {
    allTargets.add(target);
    if (wanted(target) && !history.targets.includes(target)) history.targets.push(target);
    return wanted(target);
  };
  const at = (ms: number) => {
    history.firstAt = Math.min(history.firstAt, ms);
    history.lastAt = Math.max(history.lastAt, ms);
  };
  let records = 0;

  for (const file of files) {
    try {
      for await (const line of readLines(file)) {
        if (line !== undefined && line.trim() === '') continue;
        const record = line === undefined ? undefined : parseRecord(line);
        if (!record) {
          history.skippedLines += 1;
          continue;
        }
        records += 1;
        if (record.type === 'sample') {
          if (!seen(record.sample.target)) continue;
          at(record.sample.at);
          let builder = series.get(record.sample.target);
          if (!builder) {
            builder = new SeriesBuilder(record.sample.target, maxPoints);
            series.set(record.sample.target, builder);
          }
          builder.add(record.sample);
        } else if (record.type === 'incident') {
          if (!seen(record.incident.target)) continue;
          at(Date.parse(record.incident.at));
          history.incidents.push(record.incident);
          // Drop the oldest in batches: a pathological history cannot grow memory without bound.
          if (history.incidents.length > MAX_INCIDENTS * 1.1)
            history.incidents.splice(0, history.incidents.length - MAX_INCIDENTS);
        } else if (record.type === 'start') {
          const mine = record.start.targets.filter((t) => seen(t));
          if (mine.length === 0 && record.start.targets.length > 0) continue;
          at(Date.parse(record.start.at));
          if (history.starts.length < MAX_STARTS) history.starts.push({ ...record.start, targets: mine });
        } else {
          at(Date.parse(record.at));
        }
      }
    } catch (error) {
      throw fail(`Cannot read history file ${file}: ${(error as Error).message}.`, error);
    }
  }
  const where = files.length === 1 && files[0] === path ? path : `${path} (${files.length} files)`;
  if (records === 0) {
    const what =
      history.skippedLines === 0
        ? 'is empty'
        : `has ${history.skippedLines} lines, none of them a lifeline watch history record`;
    throw fail(`${where} ${what}: pass a file or directory written by lifeline watch.`);
  }
  if (history.targets.length === 0 && options.target === undefined)
    throw fail(`${where} holds no sample or incident record: pass a history written by lifeline watch.`);
  if (history.targets.length === 0) {
    throw fail(
      `${where} has no record for target ${options.target}; targets in it: ${[...allTargets].join(', ') || 'none'}.`,
    );
  }
  for (const target of history.targets) {
    const builder = series.get(target);
    if (builder) history.samples.set(target, builder.finish());
  }
  return history;
}

/** Whether a stored (redacted) target URL is the one a user named, with or without credentials. */
export function sameTarget(stored: string, named: string): boolean {
  if (stored === named) return true;
  const endpoint = (url: string) => {
    try {
      const u = new URL(url);
      return `${u.protocol}//${u.hostname}:${u.port || '6379'}${u.pathname.replace(/^\/$/, '')}`;
    } catch {
      return url;
    }
  };
  return endpoint(stored) === endpoint(named);
}

async function historyFiles(path: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw code === 'ENOENT'
      ? fail(`History ${path} does not exist: pass the file or directory that lifeline watch wrote.`, error)
      : fail(`Cannot read history ${path}: ${(error as Error).message}.`, error);
  }
  if (!info.isDirectory()) return [path];
  let names: string[];
  try {
    names = await readdir(path);
  } catch (error) {
    throw fail(`Cannot read history directory ${path}: ${(error as Error).message}.`, error);
  }
  // Rotated files carry their rotation time in the name, so name order is time order; the current file is the newest.
  const rotated = names.filter((n) => HISTORY_NAME.test(n) && n !== HISTORY_FILE).sort();
  const ordered = [...rotated, ...(names.includes(HISTORY_FILE) ? [HISTORY_FILE] : [])].map((n) =>
    join(path, n),
  );
  if (ordered.length === 0)
    throw fail(
      `Directory ${path} has no history files (lifeline-watch*.ndjson): is it the --history directory?`,
    );
  return ordered;
}

/**
 * Splits a file into lines without ever holding more than MAX_LINE_BYTES of one line: node:readline
 * would buffer a newline-free file (binary garbage) whole. Yields undefined for an over-long line.
 */
async function* readLines(file: string): AsyncGenerator<string | undefined> {
  let parts: Buffer[] = [];
  let size = 0;
  let overlong = false;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (overlong || size + piece.length > MAX_LINE_BYTES) yield undefined;
      else yield Buffer.concat([...parts, piece]).toString('utf8');
      parts = [];
      size = 0;
      overlong = false;
    }
    if (overlong) continue;
    const rest = chunk.subarray(start);
    if (size + rest.length > MAX_LINE_BYTES) {
      overlong = true;
      parts = [];
      size = 0;
    } else if (rest.length > 0) {
      parts.push(Buffer.from(rest));
      size += rest.length;
    }
  }
  if (overlong) yield undefined;
  else if (size > 0) yield Buffer.concat(parts).toString('utf8');
}

type Parsed =
  | { type: 'sample'; sample: Sample }
  | { type: 'incident'; incident: Incident }
  | { type: 'start'; start: StartRecord }
  | { type: 'stop'; at: string };

/** Validates what the report uses; anything else about a record is optional and defaulted. */
function parseRecord(line: string): Parsed | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'sample': {
      const sample = asSample(value);
      return sample && { type: 'sample', sample };
    }
    case 'incident': {
      const incident = asIncident(value);
      return incident && { type: 'incident', incident };
    }
    case 'start': {
      if (!isTime(value.at) || !Array.isArray(value.targets)) return undefined;
      const tool = isObject(value.tool) ? value.tool : {};
      return {
        type: 'start',
        start: {
          at: value.at,
          tool: { name: str(tool.name, 'redis-lifeline'), version: str(tool.version, '?') },
          targets: value.targets.filter((t): t is string => typeof t === 'string'),
          intervalMs: count(value.intervalMs) ?? 0,
        },
      };
    }
    case 'stop':
      return isTime(value.at) ? { type: 'stop', at: value.at } : undefined;
    default:
      return undefined;
  }
}

function asSample(o: Record<string, unknown>): Sample | undefined {
  if (typeof o.target !== 'string' || typeof o.up !== 'boolean') return undefined;
  if (typeof o.at !== 'number' || !Number.isFinite(o.at)) return undefined;
  const sample: Sample = { target: o.target, at: o.at, up: o.up, durationMs: count(o.durationMs) ?? 0 };
  if (typeof o.error === 'string') sample.error = o.error;
  if (isObject(o.server) && typeof o.server.runId === 'string') {
    const s = o.server;
    sample.server = {
      product: str(s.product, 'redis'),
      version: str(s.version, '?'),
      runId: str(s.runId, ''),
      pid: count(s.pid) ?? 0,
      uptimeS: count(s.uptimeS) ?? 0,
      role: str(s.role, '?'),
    };
  }
  if (isObject(o.counters)) {
    const c = o.counters;
    const counters: Counters = {
      connectionsReceived: count(c.connectionsReceived) ?? 0,
      rejectedConnections: count(c.rejectedConnections) ?? 0,
      clientKillCalls: count(c.clientKillCalls) ?? 0,
    };
    for (const key of ['evictedClients', 'outputBufferKills', 'queryBufferKills', 'errorReplies'] as const) {
      const n = count(c[key]);
      if (n !== undefined) counters[key] = n;
    }
    sample.counters = counters;
  }
  if (isObject(o.gauges) && count(o.gauges.connectedClients) !== undefined) {
    const g = o.gauges;
    const gauges: Gauges = {
      connectedClients: count(g.connectedClients) ?? 0,
      blockedClients: count(g.blockedClients) ?? 0,
      usedMemoryBytes: count(g.usedMemoryBytes) ?? 0,
      maxmemoryBytes: count(g.maxmemoryBytes) ?? 0,
    };
    const maxclients = count(g.maxclients);
    if (maxclients !== undefined) gauges.maxclients = maxclients;
    sample.gauges = gauges;
  }
  return sample;
}

const SEVERITIES = new Set<string>(['critical', 'warning', 'info']);
const CONFIDENCES = new Set<string>(['high', 'medium', 'low']);

function asIncident(o: Record<string, unknown>): Incident | undefined {
  if (typeof o.target !== 'string' || typeof o.cause !== 'string' || typeof o.message !== 'string')
    return undefined;
  if (typeof o.severity !== 'string' || !SEVERITIES.has(o.severity) || !isTime(o.at)) return undefined;
  const fix: Fix[] = [];
  for (const f of Array.isArray(o.fix) ? o.fix : []) {
    if (!isObject(f) || typeof f.command !== 'string') continue;
    fix.push({
      command: f.command,
      ...(typeof f.note === 'string' ? { note: f.note } : {}),
      ...(typeof f.risk === 'string' ? { risk: f.risk } : {}),
    });
  }
  return {
    id: str(o.id, ''),
    target: o.target,
    // A cause this version does not know is still shown as written.
    cause: o.cause as IncidentCause,
    severity: o.severity as Severity,
    confidence: (typeof o.confidence === 'string' && CONFIDENCES.has(o.confidence)
      ? o.confidence
      : 'low') as Confidence,
    title: str(o.title, o.cause),
    message: o.message,
    evidence: isObject(o.evidence) ? o.evidence : {},
    fix,
    docs: str(o.docs, ''),
    at: o.at,
    occurrences: Math.max(1, count(o.occurrences) ?? 1),
    firstAt: isTime(o.firstAt) ? o.firstAt : o.at,
    lastAt: isTime(o.lastAt) ? o.lastAt : o.at,
  };
}

/** Per-target series built while streaming: deltas per sample, then merged pairwise to stay under maxPoints. */
class SeriesBuilder {
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
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is string => typeof v === 'string' && Number.isFinite(Date.parse(v));
const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
