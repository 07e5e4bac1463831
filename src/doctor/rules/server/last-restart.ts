import { RUN_END_WORDS, runEnd } from '../../../core/log/run-end.js';
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

/** How the previous run ended (core/log/run-end.ts), in words and for the evidence. */
export const describeEnd = (run: ServerRun): string => RUN_END_WORDS[runEnd(run)];
