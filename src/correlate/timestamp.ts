import { offsetMs, type TimeZone } from './time-zone.js';

/** When a log line was written, and how finely its timestamp says so. */
export interface Stamp {
  at: number;
  /** The timestamp's resolution, ms: 1000 for whole seconds, 1 for milliseconds or finer. */
  precisionMs: number;
  /** The line said its offset (Z, +01:00, epoch): --tz did not apply. */
  zoned: boolean;
  /** Which format it was read as. */
  format: StampFormat;
}

export type StampFormat = 'iso' | 'slashes' | 'syslog' | 'clf' | 'epoch' | 'json';

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

// Timestamps are looked for near the start of a line only: a date inside a message is not its time.
const HEAD = 120;
// ISO 8601 and its everyday variants: "2026-12-07T12:02:14.512Z", "2026-12-07 12:02:14,512" (Python
// logging), "[2026-12-07T12:02:14.512345 #1234]" (Ruby Logger), "2026-12-07 12:02:14.512 +0100".
const ISO =
  /(?<!\d)(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?: ?(Z|[+-]\d{2}:?\d{2}\b|UTC\b|GMT\b))?/;
// Go's log and others: "2026/12/07 12:02:14.512".
const SLASHES = /(?<!\d)(\d{4})\/(\d{2})\/(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?/;
// BSD syslog: "Dec  7 12:02:14" (no year), optionally after a "<34>" priority.
const SYSLOG = /^(?:<\d{1,3}>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?/;
// Common log format: "[07/Dec/2026:12:02:14 +0000]".
const CLF = /(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?: ([+-]\d{4}))?/;
// Epoch seconds or milliseconds opening the line: "1765108934.512 ..." (Unix tools, some loggers).
const EPOCH = /^\[?(\d{10}|\d{13})(?:\.(\d{1,9}))?\]?[\s,]/;

const JSON_TIME_FIELDS = [
  'time',
  'timestamp',
  '@timestamp',
  'ts',
  't',
  'date',
  'datetime',
  'asctime',
  'logtime',
];

const fractionMs = (digits: string | undefined): number =>
  digits ? Math.floor(Number(`0.${digits}`) * 1000) : 0;
const precisionOf = (digits: string | undefined): number =>
  digits ? Math.max(1, 10 ** (3 - Math.min(3, digits.length))) : 1000;

/** Epoch seconds, ms or µs (a JSON logger's number), by magnitude. */
function fromEpochNumber(n: number): Stamp | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const ms = n > 1e17 ? n / 1e6 : n > 1e14 ? n / 1e3 : n > 1e11 ? n : n * 1000;
  // 2001–2100: anything else is a counter, not a time.
  if (ms < 978_307_200_000 || ms > 4_102_444_800_000) return undefined;
  const whole = Number.isInteger(n);
  return { at: Math.floor(ms), precisionMs: n > 1e11 || !whole ? 1 : 1000, zoned: true, format: 'epoch' };
}

/**
 * The timestamp of a line of text, or undefined. `zone` reads times without an offset; `now` chooses
 * syslog's missing year (the latest year that does not put the line more than a day in the future).
 */
export function parseTextStamp(line: string, zone: TimeZone, now = Date.now()): Stamp | undefined {
  const head = line.length > HEAD ? line.slice(0, HEAD) : line;
  let m = ISO.exec(head);
  if (m) {
    const [, y, mo, d, h, mi, s, frac, off] = m;
    const month = Number(mo) - 1;
    if (month > 11 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
    const offset = off === undefined ? undefined : offsetMs(off);
    const wall = [Number(y), month, Number(d), Number(h), Number(mi), Number(s), fractionMs(frac)] as const;
    const at = offset === undefined ? zone.toEpoch(...wall) : Date.UTC(...wall) - offset;
    return { at, precisionMs: precisionOf(frac), zoned: offset !== undefined, format: 'iso' };
  }
  m = EPOCH.exec(head);
  if (m) {
    const stamp = fromEpochNumber(Number(`${m[1]}${m[2] ? `.${m[2]}` : ''}`));
    if (stamp) return stamp;
  }
  m = SYSLOG.exec(head);
  if (m) {
    const [, mon, d, h, mi, s, frac] = m;
    const month = MONTHS[mon ?? ''];
    if (month === undefined) return undefined;
    const wall = (year: number) =>
      zone.toEpoch(year, month, Number(d), Number(h), Number(mi), Number(s), fractionMs(frac));
    const year = new Date(now).getUTCFullYear();
    let at = wall(year);
    if (at > now + 86_400_000) at = wall(year - 1);
    return { at, precisionMs: precisionOf(frac), zoned: false, format: 'syslog' };
  }
  m = SLASHES.exec(head);
  if (m) {
    const [, y, mo, d, h, mi, s, frac] = m;
    const at = zone.toEpoch(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(s),
      fractionMs(frac),
    );
    return { at, precisionMs: precisionOf(frac), zoned: false, format: 'slashes' };
  }
  m = CLF.exec(head);
  if (m) {
    const [, d, mon, y, h, mi, s, off] = m;
    const month = MONTHS[mon ?? ''];
    if (month === undefined) return undefined;
    const offset = off === undefined ? undefined : offsetMs(off);
    const wall = [Number(y), month, Number(d), Number(h), Number(mi), Number(s), 0] as const;
    const at = offset === undefined ? zone.toEpoch(...wall) : Date.UTC(...wall) - offset;
    return { at, precisionMs: 1000, zoned: offset !== undefined, format: 'clf' };
  }
  return undefined;
}

/** The time field of a parsed JSON log record (time, timestamp, @timestamp, ts, …; text or epoch). */
export function parseJsonStamp(
  record: Record<string, unknown>,
  zone: TimeZone,
  now = Date.now(),
): Stamp | undefined {
  for (const key of JSON_TIME_FIELDS) {
    const value = record[key];
    if (typeof value === 'number') {
      const stamp = fromEpochNumber(value);
      if (stamp) return { ...stamp, format: 'json' };
    } else if (typeof value === 'string' && value !== '') {
      const numeric = /^\d+(?:\.\d+)?$/.test(value) ? fromEpochNumber(Number(value)) : undefined;
      const stamp = numeric ?? parseTextStamp(value, zone, now);
      if (stamp) return { ...stamp, format: 'json' };
    }
  }
  return undefined;
}
