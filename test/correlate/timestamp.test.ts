import { describe, expect, it } from 'vitest';
import { parseAppLine } from '../../src/correlate/app-line.js';
import { timeZone } from '../../src/correlate/time-zone.js';
import { parseTextStamp } from '../../src/correlate/timestamp.js';

const UTC = timeZone('UTC');
const KOLKATA = timeZone('Asia/Kolkata');
const PARIS = timeZone('Europe/Paris');
if (!UTC || !KOLKATA || !PARIS) throw new Error('this Node lacks time zone data');
const NOW = Date.UTC(2026, 11, 31, 0, 0, 0);
const at = (iso: string) => Date.parse(iso);

describe('timestamps of app log lines', () => {
  it.each([
    ['2026-12-07T12:02:14.512Z ERROR x', '2026-12-07T12:02:14.512Z', 1],
    ['[2026-12-07T12:02:14.512Z] error x', '2026-12-07T12:02:14.512Z', 1],
    ['2026-12-07T12:02:14.512+01:00 ERROR x', '2026-12-07T11:02:14.512Z', 1],
    ['2026-12-07 12:02:14.512 -0800 ERROR x', '2026-12-07T20:02:14.512Z', 1],
    ['2026-12-07T12:02:14Z ERROR x', '2026-12-07T12:02:14.000Z', 1000],
    ['2026-12-07T12:02:14.512345678Z x', '2026-12-07T12:02:14.512Z', 1],
    ['1796644934.512 ERROR x', '2026-12-07T12:02:14.512Z', 1],
    ['1796644934512 ERROR x', '2026-12-07T12:02:14.512Z', 1],
    ['10.0.0.1 - - [07/Dec/2026:12:02:14 +0100] "GET /" 500', '2026-12-07T11:02:14.000Z', 1000],
  ])('%s (with an offset: --tz does not apply)', (line, expected, precision) => {
    for (const zone of [UTC, KOLKATA]) {
      const stamp = parseTextStamp(line, zone, NOW);
      expect(stamp?.at).toBe(at(expected));
      expect(stamp?.precisionMs).toBe(precision);
    }
  });

  it.each([
    // Python logging's default asctime, local time.
    ['2026-12-07 12:02:14,512 ERROR app: x', '2026-12-07T06:32:14.512Z', 1],
    // Ruby Logger.
    [
      'E, [2026-12-07T12:02:14.512345 #1234] ERROR -- : Redis::ConnectionError',
      '2026-12-07T06:32:14.512Z',
      1,
    ],
    // Go's log package.
    ['2026/12/07 12:02:14 redis: connection pool timeout', '2026-12-07T06:32:14.000Z', 1000],
    // syslog: no year (the latest that is not in the future).
    ['Dec  7 12:02:14 web-1 app[311]: redis ECONNRESET', '2026-12-07T06:32:14.000Z', 1000],
    ['<27>Dec  7 12:02:14 web-1 app: x', '2026-12-07T06:32:14.000Z', 1000],
  ])('%s (no offset: read in --tz, here Asia/Kolkata)', (line, expected, precision) => {
    const stamp = parseTextStamp(line, KOLKATA, NOW);
    expect(stamp?.at).toBe(at(expected));
    expect(stamp?.precisionMs).toBe(precision);
    expect(stamp?.zoned).toBe(false);
  });

  it('reads local times across a DST change in the zone of the log', () => {
    // Paris: UTC+1 in winter, UTC+2 from the last Sunday of March (2026-03-29 02:00 → 03:00).
    expect(parseTextStamp('2026-03-29 01:30:00,000 x', PARIS, NOW)?.at).toBe(at('2026-03-29T00:30:00Z'));
    expect(parseTextStamp('2026-03-29 03:30:00,000 x', PARIS, NOW)?.at).toBe(at('2026-03-29T01:30:00Z'));
    expect(parseTextStamp('2026-07-01 12:00:00,000 x', PARIS, NOW)?.at).toBe(at('2026-07-01T10:00:00Z'));
  });

  it('puts syslog lines of December in last year when read in January', () => {
    const january = Date.UTC(2027, 0, 2);
    expect(parseTextStamp('Dec 31 23:59:59 h app: x', UTC, january)?.at).toBe(at('2026-12-31T23:59:59Z'));
    expect(parseTextStamp('Jan  1 00:00:01 h app: x', UTC, january)?.at).toBe(at('2027-01-01T00:00:01Z'));
  });

  it('takes fixed offsets as zones', () => {
    const zone = timeZone('+05:30');
    expect(zone && parseTextStamp('2026-12-07 12:02:14,512 x', zone, NOW)?.at).toBe(
      at('2026-12-07T06:32:14.512Z'),
    );
    expect(timeZone('Mars/Olympus')).toBeUndefined();
  });

  it('finds no timestamp where there is none, nor in the middle of a message', () => {
    expect(parseTextStamp('ERROR something failed', UTC, NOW)).toBeUndefined();
    expect(parseTextStamp(`${'x'.repeat(200)} 2026-12-07T12:02:14Z`, UTC, NOW)).toBeUndefined();
    expect(parseTextStamp('2026-13-45T99:02:14Z bad', UTC, NOW)).toBeUndefined();
    expect(parseTextStamp('12345 items', UTC, NOW)).toBeUndefined();
  });

  it('reads JSON lines: time fields as text or epoch, the message and the host', () => {
    const pino = parseAppLine(
      '{"level":50,"time":1796644934512,"hostname":"web-3","msg":"redis error","err":{"type":"Error","message":"read ECONNRESET"}}',
      UTC,
      NOW,
    );
    expect(pino.stamp?.at).toBe(at('2026-12-07T12:02:14.512Z'));
    expect(pino.host).toBe('web-3');
    expect(pino.message).toContain('read ECONNRESET');
    const bunyanSeconds = parseAppLine('{"ts":1796644934.5,"message":"x"}', UTC, NOW);
    expect(bunyanSeconds.stamp?.at).toBe(at('2026-12-07T12:02:14.500Z'));
    const ecs = parseAppLine('{"@timestamp":"2026-12-07T12:02:14.512Z","message":"x","host":"h"}', UTC, NOW);
    expect(ecs.stamp?.at).toBe(at('2026-12-07T12:02:14.512Z'));
    const local = parseAppLine('{"timestamp":"2026-12-07 12:02:14.512","message":"x"}', KOLKATA, NOW);
    expect(local.stamp?.at).toBe(at('2026-12-07T06:32:14.512Z'));
    expect(parseAppLine('{"msg":"no time"}', UTC, NOW).stamp).toBeUndefined();
  });

  it('keeps the words of a text line without its timestamp and level', () => {
    expect(parseAppLine('2026-12-07 12:02:14,512 ERROR app: redis GET failed: x', UTC, NOW).message).toBe(
      'redis GET failed: x',
    );
    expect(parseAppLine('Dec  7 12:02:14 web-1 app[311]: x', UTC, NOW).host).toBe('web-1');
  });
});
