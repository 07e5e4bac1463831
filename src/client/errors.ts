import { ERROR_CODES, type ErrorCode } from '../core/error-codes.js';
import { LifelineError } from '../core/errors.js';

/** What was known about the connection when a command failed (modelled on StackExchange.Redis). */
export interface CommandFailureContext {
  endpoint: string;
  command: string;
  /** The command reached the socket before the failure: it may have run on the server. */
  written: boolean;
  sinceLastReadMs: number | null;
  sinceLastWriteMs: number | null;
  inFlight: number;
  queued: number;
  reconnectAttempts: number;
  /** The suspected cause of the disconnect, when there was one. */
  suspectedCause: string | null;
}

/** The codes of LifelineCommandError: the client's part of ERROR_CODES (src/core/error-codes.ts). */
export const CODES = {
  maybeExecuted: ERROR_CODES.maybeExecuted,
  timeout: ERROR_CODES.timeout,
  poisonCommand: ERROR_CODES.poisonCommand,
  clientClosed: ERROR_CODES.clientClosed,
} as const;

/** Errors lifeline raises for commands: a stable code, the context, and the original error as cause. */
export class LifelineCommandError extends LifelineError implements CommandFailureContext {
  override name = 'LifelineCommandError';
  readonly endpoint: string;
  readonly command: string;
  readonly written: boolean;
  readonly sinceLastReadMs: number | null;
  readonly sinceLastWriteMs: number | null;
  readonly inFlight: number;
  readonly queued: number;
  readonly reconnectAttempts: number;
  readonly suspectedCause: string | null;

  constructor(code: ErrorCode, headline: string, context: CommandFailureContext, cause?: unknown) {
    super(code, `${headline} ${describeContext(context)}`, { cause });
    this.endpoint = context.endpoint;
    this.command = context.command;
    this.written = context.written;
    this.sinceLastReadMs = context.sinceLastReadMs;
    this.sinceLastWriteMs = context.sinceLastWriteMs;
    this.inFlight = context.inFlight;
    this.queued = context.queued;
    this.reconnectAttempts = context.reconnectAttempts;
    this.suspectedCause = context.suspectedCause;
  }
}

/** "(command INCR, written, endpoint 127.0.0.1:6379, last read 5012 ms ago, ...)": fields as text too. */
function describeContext(c: CommandFailureContext): string {
  const ago = (ms: number | null) => (ms === null ? 'never' : `${Math.round(ms)} ms ago`);
  return (
    `(command ${c.command}, ${c.written ? 'written' : 'not written'}, endpoint ${c.endpoint}, last read ${ago(c.sinceLastReadMs)}, ` +
    `last write ${ago(c.sinceLastWriteMs)}, in flight ${c.inFlight}, queued ${c.queued}, reconnect attempts ${c.reconnectAttempts}` +
    `${c.suspectedCause ? `, suspected cause ${c.suspectedCause}` : ''})`
  );
}
