import type { TimeZone } from './time-zone.js';
import { parseJsonStamp, parseTextStamp, type Stamp } from './timestamp.js';

/** What correlate needs of one application log record. */
export interface AppLine {
  stamp: Stamp | undefined;
  /** The words without the timestamp: a JSON record's message and error fields, or the text after it. */
  message: string;
  /** The app's host when the line names one (a JSON host/hostname field, syslog's host). */
  host: string | undefined;
  json: boolean;
}

const JSON_MESSAGE_FIELDS = [
  'msg',
  'message',
  'error',
  'err',
  'exception',
  'exc_info',
  'stack',
  'stack_trace',
  'error.message',
];
const JSON_HOST_FIELDS = ['hostname', 'host', 'host.name', 'hostName'];
const SYSLOG_HOST = /^(?:<\d{1,3}>)?[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? (\S+) /;
// The timestamp and the level/logger prefix, removed to leave the words: "2026-12-07 12:02:14,512 ",
// "[2026-12-07T12:02:14.512Z] ", "I, [2026-12-07T12:02:14.512345 #1234]  ERROR -- : ", "Dec  7 12:02:14 ".
const STAMP_PREFIX =
  /^\s*(?:<\d{1,3}>\d? ?)?(?:[A-Z], )?[[(]?(?:\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?: ?(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT))?|[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{10}(?:\d{3})?(?:\.\d+)?)(?: #\d+)?[\])]?\s*/;

// After the timestamp: a level, then a logger name ("ERROR app: ", "[WARN] ", "E ", "ERROR -- : "); a name
// in brackets stays: "[ioredis]" names the client.
const LEVEL_PREFIX =
  /^(?:\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|SEVERE|[DIWEF])\]?:?\s+)(?:--\s*[\w.-]*\s*:\s*|[\w.-]+:\s+)?/i;

const textOf = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const parts = [o.type, o.name, o.code, o.message].filter((p) => typeof p === 'string');
    return parts.length ? parts.join(': ') : undefined;
  }
  return undefined;
};

/** Reads a record: JSON when it is a JSON object, text otherwise. */
export function parseAppLine(line: string, zone: TimeZone, now?: number): AppLine {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('{')) {
    let record: unknown;
    try {
      record = JSON.parse(trimmed);
    } catch {
      record = undefined;
    }
    if (record && typeof record === 'object' && !Array.isArray(record)) {
      const r = record as Record<string, unknown>;
      const words = JSON_MESSAGE_FIELDS.map((k) => textOf(r[k])).filter((w): w is string => Boolean(w));
      const host = JSON_HOST_FIELDS.map((k) => r[k]).find((v): v is string => typeof v === 'string');
      return {
        stamp: parseJsonStamp(r, zone, now),
        message: words.length ? [...new Set(words)].join(' | ') : trimmed,
        host,
        json: true,
      };
    }
  }
  const stamp = parseTextStamp(line, zone, now);
  const host = stamp?.format === 'syslog' ? SYSLOG_HOST.exec(line)?.[1] : undefined;
  return {
    stamp,
    message: stamp ? line.replace(STAMP_PREFIX, '').replace(LEVEL_PREFIX, '') : line,
    host,
    json: false,
  };
}
