import type { SentinelAuth } from '../core/redis-url.js';

/**
 * The sentinels' login, from the environment only (LIFELINE_SENTINEL_USER / LIFELINE_SENTINEL_PASSWORD):
 * a redis+sentinel:// URL's credentials are the data nodes', and a password on the command line would
 * show in the process list.
 */
export function sentinelAuthFromEnv(): { sentinelAuth?: SentinelAuth } {
  const username = process.env.LIFELINE_SENTINEL_USER || undefined;
  const password = process.env.LIFELINE_SENTINEL_PASSWORD || undefined;
  if (username === undefined && password === undefined) return {};
  return {
    sentinelAuth: {
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    },
  };
}
