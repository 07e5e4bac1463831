import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ERROR_CODES } from '../../core/error-codes.js';
import { LifelineError } from '../../core/errors.js';
import type { RedisServer } from './start-redis.js';

// What the throwaway topologies (start-sentinel.ts, start-cluster.ts) share: starting and stopping
// their processes together, asking a node one command, and waiting on a condition.

/**
 * Starts `count` processes at once. Every one that started goes into `started` (for the caller to stop
 * on failure); the first failure is thrown, naming which one failed.
 */
export async function startEach<T extends RedisServer>(
  what: string,
  count: number,
  start: (index: number) => Promise<T>,
  started: RedisServer[],
): Promise<T[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => start(i)));
  const servers: T[] = [];
  for (const result of results) if (result.status === 'fulfilled') servers.push(result.value);
  started.push(...servers);
  const failed = results.findIndex((result) => result.status === 'rejected');
  if (failed >= 0) {
    const reason = (results[failed] as PromiseRejectedResult).reason;
    throw startFailure(count > 1 ? `${what} ${failed + 1} of ${count}` : what, reason);
  }
  return servers;
}

/** Stops every server (all of them, even when one fails), then throws the first failure. */
export async function stopAll(servers: RedisServer[]): Promise<void> {
  const results = await Promise.allSettled(servers.map((server) => server.stop()));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** `error` as a one-line LifelineError prefixed with `context` (its own code kept, else topologyStart). */
export function startFailure(context: string, error: unknown): LifelineError {
  const message = `${context}: ${messageOf(error).replace(/\s*\n\s*/g, ' | ')}`;
  const code = error instanceof LifelineError ? error.code : ERROR_CODES.topologyStart;
  return new LifelineError(code, message, { cause: error });
}

/**
 * One command on a short-lived connection to 127.0.0.1:port (as the default user with `password`, when
 * the server has one); rejects on refusal, error reply or timeout.
 */
export async function ask(
  port: number,
  args: (string | number)[],
  timeoutMs = 2000,
  password?: string,
): Promise<unknown> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  redis.on('error', () => {}); // the rejected promise carries it
  try {
    await redis.connect();
    const [command, ...rest] = args;
    return await redis.call(String(command), ...rest);
  } finally {
    redis.disconnect();
  }
}

/**
 * Polls `check` every 100 ms until it returns something other than a string (a string says what it
 * still waits for; a thrown error counts as one), for at most `timeoutMs`; then throws `fail(why)`.
 */
export async function pollUntil<T>(
  check: () => Promise<T | string>,
  timeoutMs: number,
  fail: (why: string) => Error,
): Promise<Exclude<T, string>> {
  const until = Date.now() + timeoutMs;
  let why = 'not checked yet';
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) throw fail(why);
    const deadline = new AbortController();
    const result = await Promise.race([
      check().catch((error: unknown) => messageOf(error)),
      sleep(left, `still checking: ${why}`, { signal: deadline.signal }).catch(() => why),
    ]);
    deadline.abort();
    if (typeof result !== 'string') return result as Exclude<T, string>;
    why = result;
    await sleep(Math.min(100, Math.max(0, until - Date.now())));
  }
}

/** A whole number option of at least `min` (and at most `max`), else a topologyOptions error. */
export function checkCount(fn: string, option: Record<string, number>, min: number, max = Infinity): void {
  for (const [name, value] of Object.entries(option)) {
    if (!Number.isInteger(value) || value < min || value > max) {
      const range = max === Infinity ? `at least ${min}` : `from ${min} to ${max}`;
      throw new LifelineError(
        ERROR_CODES.topologyOptions,
        `${fn}: ${name} must be a whole number ${range}, not ${value}`,
      );
    }
  }
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
