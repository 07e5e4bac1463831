import type { Severity } from '../doctor/report/types.js';
import type { FailOn } from './option-parsers.js';

/** Exit codes of every command (DESIGN.md). */
export const EXIT = {
  /** Ran; nothing at or above --fail-on. */
  ok: 0,
  /** Ran; findings at or above --fail-on (or a check crashed). */
  findings: 1,
  /** Could not run: bad arguments, unreachable, auth failed, not Redis, unusable log. */
  cannotRun: 2,
} as const;

const RANK: Record<Severity, number> = { info: 1, warning: 2, critical: 3 };

/** Whether any of these severities (of findings or incidents) is at or above --fail-on. */
export function reachesFailOn(seen: Iterable<Severity>, failOn: FailOn): boolean {
  if (failOn === 'none') return false;
  for (const s of seen) if (RANK[s] >= RANK[failOn]) return true;
  return false;
}
