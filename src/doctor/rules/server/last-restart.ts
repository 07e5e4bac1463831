import type { ServerRun } from '../../../core/log/summarize-log.js';
import type { Evidence } from '../../evidence.js';

/** The run the server is in now and the one before it, as far as the log tail shows them. */
export function lastRestart(
  e: Evidence,
): { current: ServerRun; previous: ServerRun | undefined } | undefined {
  if (e.log.status !== 'ok') return undefined;
  const runs = e.log.value.runs;
  const current = runs.at(-1);
  if (!current?.startSeen) return undefined;
  return { current, previous: runs.at(-2) };
}

/** How the previous run ended, in words and for the evidence. */
export function describeEnd(run: ServerRun): string {
  if (run.crashReport) return 'crashed (a bug report is in the log)';
  if (run.endedCleanly) return 'shut down cleanly ("ready to exit, bye bye")';
  if (run.shutdownRequested) return 'began a shutdown but never finished it (killed during the final save?)';
  return 'stopped without any shutdown line (kill -9, OOM killer, crash or power loss)';
}
