import type { Incident } from '../types.js';
import { historyError, historyFiles, readLines } from './history-files.js';
import { parseHistoryRecord, type StartRecord } from './parse-history-record.js';
import { DEFAULT_MAX_POINTS, SeriesBuilder, type TargetSamples } from './sample-series.js';

export type { StartRecord } from './parse-history-record.js';
export type { SeriesPoint, TargetSamples } from './sample-series.js';

const MAX_STARTS = 1000;
const MAX_INCIDENTS = 10_000;

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
        const record = line === undefined ? undefined : parseHistoryRecord(line);
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
      throw historyError(`Cannot read history file ${file}: ${(error as Error).message}.`, error);
    }
  }
  const where = files.length === 1 && files[0] === path ? path : `${path} (${files.length} files)`;
  if (records === 0) {
    const what =
      history.skippedLines === 0
        ? 'is empty'
        : `has ${history.skippedLines} lines, none of them a lifeline watch history record`;
    throw historyError(`${where} ${what}: pass a file or directory written by lifeline watch.`);
  }
  if (history.targets.length === 0 && options.target === undefined)
    throw historyError(
      `${where} holds no sample or incident record: pass a history written by lifeline watch.`,
    );
  if (history.targets.length === 0) {
    throw historyError(
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
