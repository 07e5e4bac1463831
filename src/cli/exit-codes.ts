/** Exit codes of every command (DESIGN.md). */
export const EXIT = {
  /** Ran; nothing at or above --fail-on. */
  ok: 0,
  /** Ran; findings at or above --fail-on (or a check crashed). */
  findings: 1,
  /** Could not run: bad arguments, unreachable, auth failed, not Redis, unusable log. */
  cannotRun: 2,
} as const;
