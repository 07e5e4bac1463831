import type { RunEnd as LogRunEnd } from '../../core/log/run-end.js';
import type { LogEvent } from '../../core/log/summarize-log.js';
import type { Info } from '../../core/parse-info.js';
import {
  compareRuns,
  type RunChange,
  counterDelta as runCounterDelta,
  sameProcess,
} from '../../core/server-run.js';
import type { Confidence, Fix, Severity } from '../../doctor/report/types.js';
import { redisCli } from '../../doctor/rules/helpers.js';
import type { ResolvedWatchOptions } from '../options.js';
import type { ClientList } from '../sampling/read-client-list.js';
import type { Counters, IncidentKind, Sample, ServerFacts } from '../types.js';

/** What one successful sampling round saw. */
export interface Round {
  sample: Sample & Required<Pick<Sample, 'server' | 'counters' | 'gauges'>>;
  info: Info;
  /** Present on rounds that ran CLIENT LIST. */
  clientList?: ClientList;
  /** Log events written since the previous round (empty when no log is followed). */
  logEvents: LogEvent[];
}

/**
 * How the server's previous run ended, as its log told us (undefined: no log, or no start seen):
 * core/log/run-end.ts's classification, a shutdown that never finished counted as killed (it was).
 */
export type RunEnd = Exclude<LogRunEnd, 'shutdown-unfinished'> | undefined;

export const watchRunEnd = (end: LogRunEnd): RunEnd => (end === 'shutdown-unfinished' ? 'killed' : end);

/** State a detector keeps for its target between rounds. */
export interface DetectorMemory {
  /** New connections per second this target usually sees (undefined until the first rate). */
  churnBaselinePerS: number | undefined;
  churnRounds: number;
  reportedGhosts: Set<string>;
}

export const newDetectorMemory = (): DetectorMemory => ({
  churnBaselinePerS: undefined,
  churnRounds: 0,
  reportedGhosts: new Set(),
});

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
  kind: IncidentKind;
  severity: Severity;
  confidence: Confidence;
  title: string;
  message: string;
  evidence: Record<string, unknown>;
  /** Client connections closed or refused, where known (the metrics count these). */
  connections?: number;
  /** Used when the doctor's rule of the same id has no fix for this evidence (or there is none). */
  fix?: Fix[];
  explanation?: string;
}

export type Detector = (ctx: DetectContext) => Detection[];

export const secondsBetween = (from: number, to: number): number => Math.max(0, (to - from) / 1000);

/** Another server process answers than in the earlier sample (core/server-run.ts says how it is told). */
export const processChanged = (before: ServerFacts, now: ServerFacts): boolean => !sameProcess(before, now);

/** Another server process answers than at the previous round. */
export const serverChanged = (ctx: DetectContext): boolean =>
  ctx.prev !== undefined && processChanged(ctx.prev.sample.server, ctx.cur.sample.server);

/** The same server process as at the previous round, a restart since, or another server. */
const runChange = ({ prev, cur }: DetectContext): RunChange =>
  prev === undefined
    ? 'same'
    : compareRuns({ ...prev.sample.server, at: prev.sample.at }, { ...cur.sample.server, at: cur.sample.at });

/** The server process changed and the new one started since the previous round: a restart. */
export const restarted = (ctx: DetectContext): boolean => runChange(ctx) === 'restarted';

/** Another server that was already running answers now (failover, DNS or VIP moved). */
export const replaced = (ctx: DetectContext): boolean => runChange(ctx) === 'replaced';

/** How much a cumulative counter grew since the previous round (core/server-run.ts counterDelta). */
export function counterDelta(ctx: DetectContext, key: keyof Counters): number | undefined {
  if (!ctx.prev) return undefined;
  return runCounterDelta(ctx.prev.sample.counters[key], ctx.cur.sample.counters[key], runChange(ctx));
}

/**
 * A redis-cli command line for a topology member given as "host:port" (or "[v6]:port"), without login:
 * topology detectors know the address only (a sentinel has no password by default).
 */
export function cliAt(endpoint: string, ...args: string[]): string {
  const colon = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(endpoint.slice(colon + 1));
  return redisCli({ host, port, tls: false, username: undefined, hasAuth: false }, ...args);
}
