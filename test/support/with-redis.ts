import { Redis } from 'ioredis';
import {
  type RedisServer,
  type StartRedisOptions,
  startRedis,
} from '../../src/lab/redis-server/start-redis.js';

/** Runs `fn` against a throwaway server and always stops it. */
export async function withRedis<T>(
  options: StartRedisOptions,
  fn: (server: RedisServer) => Promise<T>,
): Promise<T> {
  const server = await startRedis(options);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/**
 * Polls `check` every 50 ms until it returns a truthy value or `timeoutMs` passes (then throws `what`;
 * a function is asked only then, so the message can say what the state was when the wait gave up).
 */
export async function waitFor<T>(
  what: string | (() => string),
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One command to 127.0.0.1:`port` on a fresh connection as the default user, closed after. */
export async function callOnce(port: number, ...args: (string | number)[]): Promise<unknown> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined); // the failure is the rejection below
  try {
    await redis.connect();
    return await redis.call(String(args[0]), ...args.slice(1));
  } finally {
    redis.disconnect();
  }
}

/**
 * Waits until 127.0.0.1:`port` answers ROLE as `role`; resolves when it did (Date.now()). Each try is
 * a fresh connection: Sentinel kills the clients of a node it reconfigures.
 */
export async function waitForRole(
  port: number,
  role: 'master' | 'slave',
  timeoutMs: number,
): Promise<number> {
  return waitFor(
    `127.0.0.1:${port} to answer ROLE as ${role}`,
    async () => {
      const reply = (await callOnce(port, 'ROLE').catch(() => undefined)) as unknown[] | undefined;
      return reply?.[0] === role ? Date.now() : 0;
    },
    timeoutMs,
  );
}
