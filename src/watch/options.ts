import type { SentinelAuth } from '../core/redis-url.js';

/** What the user tells watch; every field has a default in WATCH_DEFAULTS. */
export interface WatchOptions {
  /** redis:// or rediss:// URLs (credentials allowed; only redacted forms are printed or stored). */
  urls: string[];
  /** INFO is sampled this often, milliseconds. @default 5000 */
  intervalMs?: number;
  /**
   * CLIENT LIST may take at most this share of wall time on the server (its cost grows with the
   * number of clients, so large servers are listed less often); more than 1 counts as 1. @default 0.01
   */
  clientListBudget?: number;
  /** Bound for connecting and for each command, milliseconds. @default 3000 */
  timeoutMs?: number;
  /** Server log to tail (one target only); by default CONFIG GET logfile/dir when the server is local. */
  logPath?: string;
  tlsCaFile?: string;
  tlsInsecure?: boolean;
  /** A normal connection idle this long while its app opened a newer one is a ghost, seconds. @default 600 */
  ghostIdleS?: number;
  /** New connections per second that count as a churn spike (and at least 4x the baseline). @default 20 */
  churnPerSecond?: number;
  /** Repeats of a cause on a target within this window are merged into one alert, milliseconds. @default 300000 */
  groupWindowMs?: number;
  /** Idle timeout of the application's pool, seconds (as the doctor's --client-idle-timeout). */
  clientIdleTimeoutS?: number;
  /** Idle timeout of a load balancer or NAT on the path, seconds. */
  lbIdleTimeoutS?: number;
  /**
   * Treat every redis:// URL as a seed of a Redis Cluster: watch all its nodes and what the cluster
   * says about itself (a URL whose first INFO says cluster_enabled:1 is one anyway).
   */
  cluster?: boolean;
  /** Credentials of the sentinels of redis+sentinel:// URLs, when they have their own (never printed). */
  sentinelAuth?: SentinelAuth;
}

export const WATCH_DEFAULTS = {
  intervalMs: 5_000,
  clientListBudget: 0.01,
  timeoutMs: 3_000,
  ghostIdleS: 600,
  churnPerSecond: 20,
  groupWindowMs: 5 * 60_000,
  /** CONFIG GET is repeated this often (a CONFIG SET changes what the detectors compare against). */
  configEveryMs: 60_000,
  /** At most this much new log is read per round. */
  logReadMaxBytes: 4 * 1024 * 1024,
} as const;

/** The options that stay optional once resolved (no default: absent means "not given"). */
type UndefaultedOption =
  | 'logPath'
  | 'tlsCaFile'
  | 'tlsInsecure'
  | 'clientIdleTimeoutS'
  | 'lbIdleTimeoutS'
  | 'cluster'
  | 'sentinelAuth';

export type ResolvedWatchOptions = Required<Omit<WatchOptions, UndefaultedOption>> &
  Pick<WatchOptions, UndefaultedOption>;

export function resolveWatchOptions(options: WatchOptions): ResolvedWatchOptions {
  return {
    ...options,
    intervalMs: options.intervalMs ?? WATCH_DEFAULTS.intervalMs,
    // A share of wall time: more than all of it means all of it.
    clientListBudget: Math.min(options.clientListBudget ?? WATCH_DEFAULTS.clientListBudget, 1),
    timeoutMs: options.timeoutMs ?? WATCH_DEFAULTS.timeoutMs,
    ghostIdleS: options.ghostIdleS ?? WATCH_DEFAULTS.ghostIdleS,
    churnPerSecond: options.churnPerSecond ?? WATCH_DEFAULTS.churnPerSecond,
    groupWindowMs: options.groupWindowMs ?? WATCH_DEFAULTS.groupWindowMs,
  };
}
