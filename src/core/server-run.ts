/**
 * One server process's run, as INFO shows it: whether two readings are the same process, a restart or
 * another server, and what a cumulative counter gained between them. The one home of these rules for
 * watch's detectors, its metrics, the report and the client's reconnect snapshot.
 */

/** What identifies a server process in INFO. */
export interface ProcessIdentity {
  /** INFO run_id: absent (or '' in histories written before it could be) where a proxy hides it. */
  runId?: string | undefined;
  /** INFO uptime_in_seconds, when known. */
  uptimeS?: number | undefined;
}

/** One reading of a server process, and when it was taken. */
export interface RunReading extends ProcessIdentity {
  /** Epoch ms of the reading. */
  at: number;
}

/**
 * From one reading to the next: the same process; a new process started since the first reading
 * (restart); or another process that was already running (failover, a moved DNS name or VIP).
 */
export type RunChange = 'same' | 'restarted' | 'replaced';

/** uptime_in_seconds is whole seconds, read a moment after the reading's timestamp. */
export const UPTIME_SLACK_S = 2;

const known = (runId: string | undefined): string | undefined => (runId ? runId : undefined);

/**
 * Whether two readings are of the same server process. run_id decides when both have one (a random id
 * per start; uptime may go back with the host clock); without it, an uptime that went back is a new
 * process.
 */
export function sameProcess(before: ProcessIdentity, now: ProcessIdentity): boolean {
  const a = known(before.runId);
  const b = known(now.runId);
  if (a !== undefined && b !== undefined) return a === b;
  return before.uptimeS === undefined || now.uptimeS === undefined || now.uptimeS >= before.uptimeS;
}

/**
 * Another process that has been up for longer than the time between the readings (plus slack) was
 * already running at the first one: another server, not a restart.
 */
export function compareRuns(before: RunReading, now: RunReading): RunChange {
  if (sameProcess(before, now)) return 'same';
  const sinceS = Math.max(0, (now.at - before.at) / 1000);
  return now.uptimeS !== undefined && now.uptimeS > sinceS + UPTIME_SLACK_S ? 'replaced' : 'restarted';
}

/**
 * How much a cumulative counter grew between two readings. After a restart it began again at zero, so
 * its whole value is new; one that went down within a run was reset (CONFIG RESETSTAT), so the same;
 * another server's counter cannot be compared with the previous one's; a counter missing from either
 * reading gives undefined. Never negative.
 */
export function counterDelta(
  before: number | undefined,
  now: number | undefined,
  change: RunChange,
): number | undefined {
  if (now === undefined || change === 'replaced') return undefined;
  if (change === 'restarted') return now;
  if (before === undefined) return undefined;
  return now >= before ? now - before : now;
}

/**
 * What a cumulative counter grew by over the whole interval between two readings, for a rate: known
 * only within one run and without a reset. After a restart or a reset counterDelta's count covers only
 * part of the interval, so a rate from it would read low; undefined then, to be skipped.
 */
export function intervalDelta(
  before: number | undefined,
  now: number | undefined,
  change: RunChange,
): number | undefined {
  if (change !== 'same' || before === undefined || now === undefined || now < before) return undefined;
  return now - before;
}
