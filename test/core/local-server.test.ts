import { describe, expect, it } from 'vitest';
import { isLoopback, localServerProcess } from '../../src/core/local-server.js';
import { startRedis } from '../../src/lab/redis-server/start-redis.js';

describe('isLoopback: one answer for the doctor, watch and the lab proxy', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['10.0.0.5', false],
    ['128.0.0.1', false],
    ['cache.internal', false],
    ['[::2]', false],
    ['0.0.0.0', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});

describe('localServerProcess', () => {
  it('a redis-server on loopback is local; another host, or a pid that is not Redis, is not', async () => {
    const server = await startRedis();
    try {
      expect(await localServerProcess('127.0.0.1', server.pid)).toEqual({
        comm: expect.stringMatching(/redis|valkey/),
      });
      expect(await localServerProcess('10.1.2.3', server.pid)).toMatchObject({ reason: /not on this host/ });
      expect(await localServerProcess('127.0.0.1', process.pid)).toMatchObject({
        reason: /not visible here/,
      });
      expect(await localServerProcess('127.0.0.1', undefined)).toMatchObject({ reason: /no process_id/ });
    } finally {
      await server.stop();
    }
  });
});
