import type { ClientFields } from '../parse-client-list.js';
import { classifyLogMessage, type LogEventKind } from './classify-log-event.js';
import { type LogLine, parseLogLine } from './parse-log-line.js';
import { type RoleChange, RoleChangeTracker } from './role-changes.js';

export interface LogEvent {
  kind: LogEventKind;
  at: number | undefined;
  pid: number | undefined;
  level: LogLine['level'] | undefined;
  client?: ClientFields;
  detail?: Record<string, string>;
}

/** One lifetime of the server process as the log shows it: from a start banner to the next one. */
export interface ServerRun {
  pid: number | undefined;
  version: string | undefined;
  startedAt: number | undefined;
  lastLineAt: number | undefined;
  shutdownRequested: boolean;
  /** "bye bye" was written: the process exited on its own. */
  endedCleanly: boolean;
  crashReport: boolean;
  /** true for the last run in the log (still running, or the log stops there). */
  current: boolean;
  /** false when the log tail starts in the middle of this run (its banner was not read). */
  startSeen: boolean;
}

export interface LogSummary {
  linesRead: number;
  linesParsed: number;
  format: 'legacy' | 'logfmt' | 'mixed' | 'unknown';
  counts: Partial<Record<LogEventKind, number>>;
  /** The most recent events of each kind (at most `keepPerKind`), oldest first. */
  events: LogEvent[];
  runs: ServerRun[];
  /**
   * Each change of role the log shows (promoted, demoted), with what led to it (a cluster election
   * after a FAIL, CLUSTER FAILOVER, REPLICAOF from Sentinel…), oldest first, the latest KEEP_ROLE_CHANGES.
   */
  roleChanges: RoleChange[];
  firstLineAt: number | undefined;
  lastLineAt: number | undefined;
}

const KEEP_PER_KIND = 50;

/** Summarises log text (already bounded by the reader). Lines it cannot parse are counted, not fatal. */
export function summarizeLog(text: string): LogSummary {
  const counts: Partial<Record<LogEventKind, number>> = {};
  const byKind = new Map<LogEventKind, LogEvent[]>();
  const runs: ServerRun[] = [];
  let legacy = 0;
  let logfmt = 0;
  let linesRead = 0;
  let firstLineAt: number | undefined;
  let lastLineAt: number | undefined;
  let run: ServerRun | undefined;
  const roles = new RoleChangeTracker();

  const openRun = (startSeen: boolean, at: number | undefined, pid: number | undefined): ServerRun => {
    if (run) run.current = false;
    run = {
      pid,
      version: undefined,
      startedAt: startSeen ? at : undefined,
      lastLineAt: at,
      shutdownRequested: false,
      endedCleanly: false,
      crashReport: false,
      current: true,
      startSeen,
    };
    runs.push(run);
    return run;
  };

  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '') continue;
    linesRead++;
    const parsed = parseLogLine(line);
    if (parsed) {
      if (line.startsWith('pid=')) logfmt++;
      else legacy++;
      if (parsed.at !== undefined) {
        firstLineAt ??= parsed.at;
        lastLineAt = parsed.at;
      }
    }
    // Crash reports are written raw (no prefix), so unparsed lines are classified too.
    const classified = classifyLogMessage(parsed ? parsed.message : line);
    const at = parsed?.at ?? lastLineAt;
    const pid = parsed?.pid;
    if (classified?.kind === 'start') openRun(true, at, pid);
    // A tail that begins mid-run opens an implicit run, but not on a daemonizing parent's "C" lines
    // (they precede the first banner and would look like a run that never ended) nor on garbage.
    if (!run && (parsed === undefined || parsed.role === 'C') && classified?.kind !== 'crash') continue;
    const current = run ?? openRun(false, at, pid);
    if (at !== undefined) current.lastLineAt = at;
    if (!classified) continue;
    roles.note(classified, at, parsed ? parsed.message : line);

    switch (classified.kind) {
      case 'start-version':
        current.version = classified.detail?.version;
        current.pid = Number(classified.detail?.pid) || current.pid;
        break;
      case 'shutdown-requested':
        current.shutdownRequested = true;
        break;
      case 'shutdown-complete':
        current.endedCleanly = true;
        break;
      case 'crash':
        current.crashReport = true;
        break;
    }
    counts[classified.kind] = (counts[classified.kind] ?? 0) + 1;
    const list = byKind.get(classified.kind) ?? [];
    list.push({ ...classified, at, pid, level: parsed?.level });
    if (list.length > KEEP_PER_KIND) list.shift();
    byKind.set(classified.kind, list);
  }

  const events = [...byKind.values()].flat().sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  const linesParsed = legacy + logfmt;
  const format = linesParsed === 0 ? 'unknown' : logfmt === 0 ? 'legacy' : legacy === 0 ? 'logfmt' : 'mixed';
  return {
    linesRead,
    linesParsed,
    format,
    counts,
    events,
    runs,
    roleChanges: roles.changes,
    firstLineAt,
    lastLineAt,
  };
}
