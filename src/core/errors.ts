import type { ErrorCode } from './error-codes.js';

/**
 * Every error redis-lifeline raises on purpose carries a stable `code` from ERROR_CODES (callers match
 * on it, never on the message; docs/errors.md lists them) and a message that says what was wrong and
 * what to do.
 */
export class LifelineError extends Error {
  override name = 'LifelineError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The command could not run at all (bad arguments, unreachable, auth failed, not Redis, unreadable log).
 * The CLI prints its message as one line and exits 2.
 */
export class CannotRunError extends LifelineError {
  override name = 'CannotRunError';
}

export const isCannotRun = (error: unknown): error is CannotRunError => error instanceof CannotRunError;
