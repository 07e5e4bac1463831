import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/error-codes.js';
import { CannotRunError } from '../../src/core/errors.js';
import { isSentinelUrl, nodeUrl, parseRedisUrl, parseSentinelUrl } from '../../src/core/redis-url.js';

describe('parseSentinelUrl', () => {
  it('reads sentinels, the master name, the db and the data nodes’ login; prints no password', () => {
    const t = parseSentinelUrl('redis+sentinel://app:p%40ss@10.0.0.1:26380,[::1],sentinel-3/mymaster/2');
    expect(t).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26380 },
        { host: '::1', port: 26379 },
        { host: 'sentinel-3', port: 26379 },
      ],
      masterName: 'mymaster',
      db: 2,
      username: 'app',
      password: 'p@ss',
      tls: false,
      url: 'redis+sentinel://app:***@10.0.0.1:26380,[::1],sentinel-3/mymaster/2',
    });
    expect(parseSentinelUrl('rediss+sentinel://h/m')).toMatchObject({
      tls: true,
      db: 0,
      username: undefined,
    });
    expect(isSentinelUrl('REDIS+SENTINEL://h/m')).toBe(true);
    expect(isSentinelUrl('redis://h')).toBe(false);
  });

  it.each([
    ['redis+sentinel://h1,h2', /no master name/],
    ['redis+sentinel:///m', /no sentinel host/],
    ['redis+sentinel://h:99999/m', /out of range/],
    ['redis+sentinel://h:x/m', /not host\[:port\]/],
    ['redis+sentinel://h/m/x', /database "x"/],
    ['redis+sentinel://h/m/1/2', /too many path parts/],
    ['redis+sentinel://:%zz@h/m', /not valid percent-encoding/],
  ])('%s: one line naming the problem, the password never echoed', (input, why) => {
    let error: unknown;
    try {
      parseSentinelUrl(input.replace('%zz', '%zzsecret'));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(CannotRunError);
    expect((error as CannotRunError).code).toBe(ERROR_CODES.badUrl);
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).not.toContain('secret');
  });

  it('nodeUrl addresses one data node with the login, and parses back to it', () => {
    const login = { username: 'app', password: 'p@ss:/', tls: true, db: 3 };
    const url = nodeUrl(login, { host: '::1', port: 6380 });
    expect(parseRedisUrl(url)).toMatchObject({ host: '::1', port: 6380, ...login });
  });
});
