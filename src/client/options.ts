import type { ReplaySafety } from './command-table.js';

export type ReplayPolicy = 'safe' | 'none' | 'all';

export interface LifelineOptions {
  /**
   * Idle connections are probed with a PING after this long without traffic. @default 1000
   * With `heartbeatTimeoutMs`, a blackholed idle connection is found within interval + timeout.
   */
  heartbeatIntervalMs?: number;
  /** A heartbeat PING without a reply by then means the connection is dead. @default 2000 */
  heartbeatTimeoutMs?: number;
  /**
   * A command waiting this long while nothing at all was read from the socket means the connection is
   * dead (blocking commands get their own timeout on top). @default 3000
   */
  deadConnectionMs?: number;
  /** Every command settles by then at the latest (ERR_LIFELINE_TIMEOUT). 0 disables. @default 10000 */
  commandTimeoutMs?: number;
  /**
   * After a disconnect: 'safe' replays reads and idempotent writes and rejects the rest with
   * ERR_LIFELINE_MAYBE_EXECUTED; 'none' rejects everything that was written; 'all' replays everything
   * (the client's own behaviour). @default 'safe'
   */
  replay?: ReplayPolicy;
  /** Scripts (EVAL source or SHA) and functions (FCALL name) that are safe to run twice. */
  idempotentScripts?: readonly string[];
  /** A command followed by this many server-side kills is failed instead of resent. @default 2 */
  poisonAfterKills?: number;
  /** Reconnect backoff with full jitter: random(0, min(cap, base·2^attempt)). @default { baseMs: 50, capMs: 500 } */
  backoff?: { baseMs: number; capMs: number } | false;
  /** The idle timeout of a load balancer or NAT on the path, for the config audit (seconds). */
  lbIdleTimeoutS?: number;
  /** Ask the server after a reconnect (INFO deltas) to confirm the cause. @default true */
  confirmWithServer?: boolean;
  /**
   * A Sentinel-managed client (ioredis `sentinels` + `name`) is moved to the new master as soon as a
   * sentinel announces `+switch-master`, instead of writing to the demoted one until Sentinel drops
   * its connections. false: the failover is only reported. @default true
   */
  followFailover?: boolean;
}

/** Every default in one place, with the reason beside it. */
export const DEFAULTS = {
  heartbeatIntervalMs: 1000, // cheap (one PING per idle second) and inside the 5 s detection bound
  heartbeatTimeoutMs: 2000, // a loopback or LAN PING answers in under a millisecond; 2 s is a dead path
  deadConnectionMs: 3000, // Redis commands that take 3 s block every client anyway
  commandTimeoutMs: 10_000, // a promise the app can wait on, not forever
  replay: 'safe' as ReplayPolicy,
  poisonAfterKills: 2,
  backoff: { baseMs: 50, capMs: 500 }, // median recovery ~¼ of the cap once the server is back
  confirmWithServer: true,
  followFailover: true, // every write acknowledged by the old master after the switch is lost
} as const;

/** A drop this soon after a command was written counts against the command (`poisonAfterKills`). */
export const POISON_WINDOW_MS = 2000;

export type ResolvedOptions = Required<
  Omit<LifelineOptions, 'lbIdleTimeoutS' | 'idempotentScripts' | 'backoff'>
> & {
  lbIdleTimeoutS: number | undefined;
  idempotentScripts: ReadonlySet<string>;
  backoff: { baseMs: number; capMs: number } | false;
};

export function resolveOptions(options: LifelineOptions = {}): ResolvedOptions {
  for (const key of [
    'heartbeatIntervalMs',
    'heartbeatTimeoutMs',
    'deadConnectionMs',
    'commandTimeoutMs',
  ] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'number' || value < 0 || !Number.isFinite(value))) {
      throw new TypeError(
        `lifeline option "${key}" must be a non-negative number of milliseconds, not ${String(value)}`,
      );
    }
  }
  if (options.replay !== undefined && !['safe', 'none', 'all'].includes(options.replay)) {
    throw new TypeError(
      `lifeline option "replay" must be 'safe', 'none' or 'all', not ${String(options.replay)}`,
    );
  }
  return {
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? DEFAULTS.heartbeatTimeoutMs,
    deadConnectionMs: options.deadConnectionMs ?? DEFAULTS.deadConnectionMs,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
    replay: options.replay ?? DEFAULTS.replay,
    poisonAfterKills: options.poisonAfterKills ?? DEFAULTS.poisonAfterKills,
    backoff: options.backoff === undefined ? { ...DEFAULTS.backoff } : options.backoff,
    confirmWithServer: options.confirmWithServer ?? DEFAULTS.confirmWithServer,
    followFailover: options.followFailover ?? DEFAULTS.followFailover,
    lbIdleTimeoutS: options.lbIdleTimeoutS,
    idempotentScripts: new Set(options.idempotentScripts ?? []),
  };
}

/** Should a command that may have run be sent again, under this policy? */
export function mayReplay(policy: ReplayPolicy, safety: ReplaySafety): boolean {
  return policy === 'all' || (policy === 'safe' && safety !== 'unsafe');
}
