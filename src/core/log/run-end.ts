import type { LogEventKind } from './classify-log-event.js';

/** What one server run's log lines said about its end (a ServerRun carries the same flags). */
export interface RunEndFacts {
  /** A shutdown began: a signal, SHUTDOWN. */
  shutdownRequested: boolean;
  /** "bye bye" was written: the process exited on its own. */
  endedCleanly: boolean;
  /** A crash report was written. */
  crashReport: boolean;
}

/**
 * How a server run ended, from its log: a crash report; a clean exit; a shutdown that began and never
 * finished (killed during the final save?); or no shutdown line at all (killed: kill -9, the OOM
 * killer, a host failure).
 */
export type RunEnd = 'crash-report' | 'clean' | 'shutdown-unfinished' | 'killed';

export const noRunEndFacts = (): RunEndFacts => ({
  shutdownRequested: false,
  endedCleanly: false,
  crashReport: false,
});

/** Records what one log event of a run says about how the run ends (most say nothing). */
export function noteRunEndEvent(facts: RunEndFacts, kind: LogEventKind): void {
  if (kind === 'shutdown-requested') facts.shutdownRequested = true;
  else if (kind === 'shutdown-complete') facts.endedCleanly = true;
  else if (kind === 'crash') facts.crashReport = true;
}

/** A crash report outweighs everything, then a clean exit, then a shutdown that began. */
export function runEnd(facts: RunEndFacts): RunEnd {
  if (facts.crashReport) return 'crash-report';
  if (facts.endedCleanly) return 'clean';
  if (facts.shutdownRequested) return 'shutdown-unfinished';
  return 'killed';
}

/** The run did not exit cleanly: it crashed, or was killed (whether or not a shutdown had begun). */
export const crashed = (end: RunEnd): boolean => end !== 'clean';

/** Each end in words, to follow "the previous process". */
export const RUN_END_WORDS: Readonly<Record<RunEnd, string>> = {
  'crash-report': 'crashed (a bug report is in the log)',
  clean: 'shut down cleanly ("ready to exit, bye bye")',
  'shutdown-unfinished': 'began a shutdown but never finished it (killed during the final save?)',
  killed: 'stopped without any shutdown line (kill -9, OOM killer, crash or power loss)',
};

/** Follows a log's events in order and, at each start banner, tells how the run before it ended. */
export class RunEndTracker {
  private facts = noRunEndFacts();

  /** The end of the run that this event's start banner closes; undefined for any other event. */
  note(kind: LogEventKind): RunEnd | undefined {
    if (kind !== 'start') {
      noteRunEndEvent(this.facts, kind);
      return undefined;
    }
    const end = runEnd(this.facts);
    this.facts = noRunEndFacts();
    return end;
  }
}
