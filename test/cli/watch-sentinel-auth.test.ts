/**
 * Sentinels with their own ACL user: watch logs in to them with LIFELINE_SENTINEL_USER /
 * LIFELINE_SENTINEL_PASSWORD (the redis+sentinel:// URL's credentials are the data nodes'), and a
 * wrong sentinel password is one line, exit 2, without the password in it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SentinelSet, startSentinel } from '../../src/lab/redis-server/start-sentinel.js';
import { WATCH_CONNECTION_NAME } from '../../src/watch/sampling/target-link.js';
import { closeAfterEach } from '../support/fault-rig.js';
import { expectOneLineError, runCli } from '../support/run-cli.js';
import { watching } from '../support/watching.js';
import { waitFor } from '../support/with-redis.js';

const SENTINEL_PASSWORD = 'sentinel-secret-5d1e';
const defer = closeAfterEach();
let set: SentinelSet;

beforeAll(async () => {
  // The lab's helpers ask the sentinels as the default user; watch must log in as "watcher".
  set = await startSentinel({ sentinelConfig: { user: `watcher on >${SENTINEL_PASSWORD} ~* &* +@all` } });
}, 60_000);
afterAll(() => set?.stop(), 30_000);

/** The users watch's connections to a sentinel are logged in as. */
async function watchUsersOn(port: number): Promise<string[]> {
  const redis = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    const list = String(await redis.call('CLIENT', 'LIST'));
    return list
      .split('\n')
      .filter((line) => line.includes(` name=${WATCH_CONNECTION_NAME} `))
      .map((line) => /\buser=(\S+)/.exec(line)?.[1] ?? '?');
  } finally {
    redis.disconnect();
  }
}

it('every sentinel subscription is logged in as the sentinel user', async () => {
  await watching(defer, set.url, {
    intervalMs: 500,
    sentinelAuth: { username: 'watcher', password: SENTINEL_PASSWORD },
  });
  for (const sentinel of set.sentinels) {
    const users = await waitFor(
      `watch's subscription on sentinel ${sentinel.port}`,
      async () => {
        const found = await watchUsersOn(sentinel.port);
        return found.length > 0 ? found : undefined;
      },
      5_000,
    );
    expect(users).toEqual(['watcher']);
  }
}, 30_000);

it('the CLI reads the sentinel login from the environment; a wrong password is one line, exit 2', async () => {
  const ok = await runCli(['watch', set.url, '--duration', '2s', '--no-live'], {
    LIFELINE_SENTINEL_USER: 'watcher',
    LIFELINE_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
  });
  expect(ok.stderr).not.toMatch(/error|cannot/i);
  expect(ok.code).toBe(0);

  const wrong = await runCli(['watch', set.url, '--duration', '2s', '--no-live'], {
    LIFELINE_SENTINEL_USER: 'watcher',
    LIFELINE_SENTINEL_PASSWORD: 'not-the-password',
  });
  expectOneLineError(wrong, /sentinel/i);
  expect(wrong.stderr).not.toContain('not-the-password');
}, 60_000);
