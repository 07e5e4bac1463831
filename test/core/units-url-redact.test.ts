import { describe, expect, it } from 'vitest';
import { redactConfig, redactText, redactUrl } from '../../src/core/redact.js';
import { parseRedisUrl } from '../../src/core/redis-url.js';
import {
  formatBytes,
  formatBytesExact,
  formatDuration,
  parseBytes,
  parseDuration,
} from '../../src/core/units.js';

describe('units', () => {
  it('parses redis.conf memory units (k=1000, kb=1024)', () => {
    expect(parseBytes('1gb')).toBe(1024 ** 3);
    expect(parseBytes('256kb')).toBe(262144);
    expect(parseBytes('1k')).toBe(1000);
    expect(parseBytes('123')).toBe(123);
    expect(parseBytes('12 parsecs')).toBeUndefined();
  });

  it('formats bytes and durations', () => {
    expect(formatBytes(1536)).toBe('1.5kb');
    expect(formatBytesExact(64 * 1024 ** 2)).toBe('64mb');
    expect(formatBytesExact(1000)).toBe('1000');
    expect(formatDuration(93_000)).toBe('1m 33s');
    expect(formatDuration(2 * 86_400_000 + 3_600_000)).toBe('2d 1h');
  });

  it('parses durations with a default unit', () => {
    expect(parseDuration('350', 's')).toBe(350_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('250ms', 's')).toBe(250);
    expect(parseDuration('soon')).toBeUndefined();
  });
});

describe('parseRedisUrl', () => {
  it('reads user, password, db and TLS, and keeps the password out of url', () => {
    const t = parseRedisUrl('rediss://app:s3cret%21@cache.internal:6380/2');
    expect(t).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      db: 2,
      username: 'app',
      password: 's3cret!',
      tls: true,
    });
    expect(t.url).not.toContain('s3cret');
  });

  it('defaults the port to 6379 and reads IPv6 hosts', () => {
    expect(parseRedisUrl('redis://[::1]')).toMatchObject({ host: '::1', port: 6379, db: 0 });
  });

  it.each([
    ['not a url', /not a URL/],
    ['http://127.0.0.1:6379', /unsupported scheme "http:"/],
    ['redis://127.0.0.1:6379/abc', /database "abc"/],
    ['redis://:hunter2@127.0.0.1:99999', /Malformed Redis URL/],
  ])('rejects %s with a usage error', (input, message) => {
    expect(() => parseRedisUrl(input)).toThrow(message);
    try {
      parseRedisUrl(input);
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_LIFELINE_BAD_URL' });
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('redaction', () => {
  it('never lets secrets through', () => {
    expect(redactUrl('redis://u:pw@h:1')).toBe('redis://u:***@h:1');
    expect(redactConfig({ requirepass: 'x', masterauth: '', timeout: '0' })).toEqual({
      requirepass: '[redacted]',
      masterauth: '',
      timeout: '0',
    });
    expect(redactText('WRONGPASS for hunter2', ['hunter2'])).toBe('WRONGPASS for ***');
  });
});
