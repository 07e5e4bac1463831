import type { Redis } from 'ioredis';
import type { RedisTarget } from '../../core/redis-url.js';

export interface CollectorContext {
  redis: Redis;
  target: RedisTarget;
  /** Per-step bound, milliseconds. */
  timeoutMs: number;
  /** --log PATH, when the user gave one. */
  logPath: string | undefined;
  /** At most this many bytes are read from the end of the log. */
  logMaxBytes: number;
}

/** Errors that mean "not permitted here" (ACL, renamed or disabled commands): evidence is unavailable. */
export function notPermitted(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (/NOPERM|unknown command|unknown subcommand|not allowed|DISABLED|ERR.*renamed/i.test(message)) {
    return message.replace(/\s+/g, ' ').slice(0, 200);
  }
  return undefined;
}
