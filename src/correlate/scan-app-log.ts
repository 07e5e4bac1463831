import { isCannotRun } from '../core/errors.js';
import { redactLogLine } from '../core/redact.js';
import { parseAppLine } from './app-line.js';
import type { ErrorStore } from './error-store.js';
import { describeReadError, inputError } from './input-error.js';
import { looksBinary, readChunks } from './read-chunks.js';
import { PREFILTER, type Recognizer } from './recognise-error.js';
import type { TimeZone } from './time-zone.js';
import { parseTextStamp, type Stamp, type StampFormat } from './timestamp.js';

/** What one app log gave: its size, the timestamps read, the errors found. */
export interface FileScan {
  file: string;
  bytes: number;
  /** Lines read from its start to learn its timestamp format. */
  sampledLines: number;
  stampedSample: number;
  formats: Partial<Record<StampFormat, number>>;
  /** Errors found, and those of them whose timestamps had no offset (read in --tz). */
  errors: number;
  unzonedErrors: number;
  /** Error lines with no timestamp on them or on a line before them: not placed, not counted. */
  unstamped: number;
  /** Lines longer than the cap: their first MAX_LINE_BYTES were read. */
  overlong: number;
  firstAt: number | undefined;
  lastAt: number | undefined;
}

export interface ScanContext {
  zone: TimeZone;
  now: number;
  store: ErrorStore;
  recognizer: Recognizer;
  secrets: readonly (string | undefined)[];
}

/** Lines longer than this are cut (a JSON record with a huge payload); the scan never buffers more. */
export const MAX_LINE_BYTES = 64 * 1024;
const SAMPLE_LINES = 1000;
/** How far up a stack trace or a multi-line record its timestamped first line is looked for. */
const LOOKBACK_LINES = 200;
const SAMPLE_CHARS = 300;
const PEER = /\b((?:\d{1,3}\.){3}\d{1,3}|localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+):(\d{2,5})\b/i;

interface Placed {
  stamp: Stamp;
  /** Byte offset in the file of the record's timestamped line: one error per record. */
  record: number;
}

/**
 * Streams one app log: the prefilter runs over each chunk as one string (latin1, so string offsets are
 * byte offsets), and only the lines it hits are decoded, timestamped and recognised. A line without a
 * timestamp (a stack trace, a Python traceback) takes its record's: the nearest timestamped line above.
 */
export async function scanAppLog(file: string, ctx: ScanContext): Promise<FileScan> {
  const scan: FileScan = {
    file,
    bytes: 0,
    sampledLines: 0,
    stampedSample: 0,
    formats: {},
    errors: 0,
    unzonedErrors: 0,
    unstamped: 0,
    overlong: 0,
    firstAt: undefined,
    lastAt: undefined,
  };
  let carry: Buffer | undefined;
  let skipping = false; // inside an overlong line, until its newline
  let base = 0; // file offset of the current body
  let previous: Placed | undefined; // the last timestamped line before the current body
  let lastCounted = -1;
  let first = true;

  // No timestamp in the first lines and no placed error: say so now, not after reading a GB for nothing.
  const unreadable = (): void => {
    if (scan.sampledLines > 0 && scan.stampedSample === 0 && scan.errors === 0)
      throw inputError(
        file,
        `no timestamp it can read in its first ${scan.sampledLines} lines (ISO 8601, Python logging, syslog, Ruby Logger, common log format, epoch, JSON time fields: see docs/correlate.md)`,
      );
  };

  const stampOf = (line: string): Stamp | undefined => parseTextStamp(line, ctx.zone, ctx.now);

  /** The nearest timestamped line above `end` in this body: found, not within reach, or at the body's start. */
  const lookback = (text: string, end: number): Placed | 'none' | 'start' => {
    let pos = end - 1; // the '\n' before the line at `end`
    for (let i = 0; i < LOOKBACK_LINES; i++) {
      if (pos < 0) return 'start';
      const from = text.lastIndexOf('\n', pos - 1) + 1;
      const stamp = stampOf(text.slice(from, Math.min(pos, from + 200)));
      if (stamp) return { stamp, record: base + from };
      pos = from - 1;
    }
    return 'none';
  };

  const sample = (text: string): void => {
    let from = 0;
    while (scan.sampledLines < SAMPLE_LINES && from < text.length) {
      let to = text.indexOf('\n', from);
      if (to < 0) to = text.length;
      const raw = text.slice(from, Math.min(to, from + 4096)).replace(/\r$/, '');
      from = to + 1;
      if (raw.trim() === '') continue;
      scan.sampledLines++;
      const stamp = parseAppLine(raw, ctx.zone, ctx.now).stamp;
      if (!stamp) continue;
      scan.stampedSample++;
      scan.formats[stamp.format] = (scan.formats[stamp.format] ?? 0) + 1;
      scan.firstAt ??= stamp.at;
    }
  };

  const handle = (body: Buffer, text: string, start: number, end: number): void => {
    const raw = body
      .subarray(start, Math.min(end, start + MAX_LINE_BYTES))
      .toString('utf8')
      .replace(/\r$/, '');
    const line = parseAppLine(raw, ctx.zone, ctx.now);
    let placed: Placed | undefined;
    if (line.stamp) placed = { stamp: line.stamp, record: base + start };
    else {
      const found = lookback(text, start);
      placed = found === 'start' ? previous : found === 'none' ? undefined : found;
    }
    if (!placed) {
      if (ctx.recognizer.recognise(raw, line.message)) scan.unstamped++;
      return;
    }
    if (placed.record === lastCounted) return; // another line of a record already counted
    const recognised = ctx.recognizer.recognise(raw, line.message);
    if (!recognised) return;
    lastCounted = placed.record;
    scan.errors++;
    if (!placed.stamp.zoned) scan.unzonedErrors++;
    const peer = PEER.exec(raw);
    ctx.store.add(placed.stamp.at, placed.stamp.precisionMs, {
      recognised,
      file,
      host: line.host,
      peer: peer ? `${peer[1]}:${peer[2]}` : undefined,
      sample: () => {
        const one = redactLogLine(raw.replace(/\s+/g, ' ').trim(), ctx.secrets);
        return one.length > SAMPLE_CHARS ? `${one.slice(0, SAMPLE_CHARS - 1)}…` : one;
      },
    });
  };

  const processBody = (body: Buffer): void => {
    const text = body.toString('latin1');
    if (scan.sampledLines < SAMPLE_LINES) sample(text);
    const re = new RegExp(PREFILTER.source, 'g');
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const start = text.lastIndexOf('\n', m.index) + 1;
      let end = text.indexOf('\n', m.index);
      if (end < 0) end = text.length;
      re.lastIndex = end + 1;
      handle(body, text, start, end);
    }
    const last = lookback(text, text.length);
    if (last !== 'start') previous = last === 'none' ? undefined : last;
    if (previous) scan.lastAt = previous.stamp.at;
    base += body.length;
  };

  try {
    for await (const chunk of readChunks(file)) {
      scan.bytes += chunk.length;
      if (first) {
        first = false;
        if (looksBinary(chunk))
          throw inputError(file, 'binary data, not a text log (NUL or control bytes in its first 8 KB)');
      }
      let buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = undefined;
      if (skipping) {
        const nl = buf.indexOf(10);
        if (nl < 0) {
          base += buf.length;
          continue;
        }
        base += nl + 1;
        buf = buf.subarray(nl + 1);
        skipping = false;
      }
      const last = buf.lastIndexOf(10);
      if (last < 0) {
        if (buf.length > MAX_LINE_BYTES) {
          // Keep the line's head as a line of its own; drop the rest up to its newline.
          scan.overlong++;
          processBody(Buffer.concat([buf.subarray(0, MAX_LINE_BYTES), Buffer.from('\n')]));
          base += buf.length - MAX_LINE_BYTES - 1;
          skipping = true;
        } else carry = Buffer.from(buf);
        continue;
      }
      processBody(buf.subarray(0, last + 1));
      if (scan.sampledLines >= SAMPLE_LINES) unreadable();
      // A copy: a slice would keep the whole chunk alive.
      if (last + 1 < buf.length) carry = Buffer.from(buf.subarray(last + 1));
    }
    if (carry?.length) processBody(Buffer.concat([carry, Buffer.from('\n')]));
  } catch (error) {
    if (isCannotRun(error)) throw error;
    throw inputError(file, describeReadError(error));
  }
  unreadable();
  return scan;
}
