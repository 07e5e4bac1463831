import type { LogEvent } from '../../core/log/summarize-log.js';
import type { Info } from '../../core/parse-info.js';
import type { Confidence, Fix, Severity } from '../../doctor/report/types.js';
import type { ResolvedWatchOptions } from '../options.js';
import type { ClientList } from '../sampling/read-client-list.js';
import type { Counters, IncidentCause, Sample } from '../types.js';

/** What one successful sampling round saw. */
export interface Round {
  sample: Sample & Required<Pick<Sample, 'server' | 'counters' | 'gauges'>>;
  info: Info;
  /** Present on rounds that ran CLIENT LIST. */
  clientList?: ClientList;
  /** Log events written since the previous round (empty when no log is followed). */
  logEvents: LogEvent[];
}

/** How the server's previous run ended, as its log told us (undefined: no log, or no start seen). */
export type RunEnd = 'clean' | 'crash-report' | 'killed' | undefined;

/** State a detector keeps for its target between rounds. */
export interface DetectorMemory {
  churnBaselinePerS: number;
  reportedGhosts: Set<string>;
}

export interface DetectContext {
  cur: Round;
  /** The previous successful round (there may have been failed ones in between). */
  prev: Round | undefined;
  /** The most recent CLIENT LIST before this round's (it may be older than `prev`). */
  prevList: ClientList | undefined;
  config: Record<string, string> | undefined;
  /** The log is followed, so "no line" means "did not happen". */
  logFollowed: boolean;
  /** How the previous run ended, when a start banner was read this round. */
  previousRunEnd: RunEnd;
  /** Epoch ms of the first failed round since `prev`, if any. */
  downSince: number | undefined;
  /** Connections watch itself opened since `prev` (its own share of total_connections_received). */
  ownConnects: number;
  options: ResolvedWatchOptions;
  memory: DetectorMemory;
  /** A redis-cli command line for this target (it asks for a password, never prints one). */
  cli: (...args: string[]) => string;
}

/** A detector's finding; the watcher adds id, target, times, docs and (from the doctor) fixes. */
export interface Detection {
  cause: IncidentCause;
  severity: Severity;
  confidence: Confidence;
  title: string;
  message: string;
  evidence: Record<string, unknown>;
  /** Used when the doctor's rule of the same id has no fix for this evidence (or there is none). */
  fix?: Fix[];
  explanation?: string;
}

export type Detector = (ctx: DetectContext) => Detection[];

export const restarted = (ctx: DetectContext): boolean =>
  ctx.prev !== undefined && ctx.prev.sample.server.runId !== ctx.cur.sample.server.runId;

/**
 * How much a cumulative counter grew since the previous round. After a restart the counter began
 * again at zero, so its whole value is new; a counter this server lacks gives undefined.
 */
export function counterDelta(ctx: DetectContext, key: keyof Counters): number | undefined {
  const now = ctx.cur.sample.counters[key];
  if (now === undefined || !ctx.prev) return undefined;
  const before = ctx.prev.sample.counters[key];
  if (restarted(ctx) || before === undefined) return restarted(ctx) ? now : undefined;
  return Math.max(0, now - before);
}

export const secondsBetween = (from: number, to: number): number => Math.max(0, (to - from) / 1000);
