import { TOOL_VERSION } from '../version.js';
import { type Burst, groupBursts } from './bursts.js';
import { ErrorStore } from './error-store.js';
import { inputError } from './input-error.js';
import { type Correlation, MATCH_DEFAULTS, matchBursts } from './match-bursts.js';
import { Recognizer } from './recognise-error.js';
import { type FileScan, scanAppLog } from './scan-app-log.js';
import type { Coverage, ServerEvent, ServerFacts } from './server-events.js';
import { readServerLog } from './server-log-events.js';
import { readHistoryEvents, readServerFacts, startEvent } from './server-sources.js';
import { type TimeZone, timeZone } from './time-zone.js';

export interface CorrelateOptions {
  /** App logs: plain text, JSON lines, gzip; "-" is stdin. */
  files: string[];
  /** The server: INFO/CONFIG, and its log when it runs on this host. */
  url?: string | undefined;
  /** The server's log (Redis or Valkey). */
  logPath?: string | undefined;
  /** lifeline watch's history (a file or its directory). */
  historyPath?: string | undefined;
  /** Zone of app timestamps without an offset (default: this machine's). */
  tz?: string | undefined;
  /** Zone the server log was written in (default: this machine's, as Redis writes local time). */
  logTz?: string | undefined;
  windowMs?: number;
  /** Errors further apart than this are separate bursts. */
  gapMs?: number;
  skewMs?: number;
  timeoutMs?: number;
  tlsCaFile?: string | undefined;
  tlsInsecure?: boolean | undefined;
  /** "Now", for syslog's missing year (tests). */
  now?: number;
}

export const CORRELATE_DEFAULTS = {
  gapMs: 5000,
  windowMs: MATCH_DEFAULTS.windowMs,
  skewMs: MATCH_DEFAULTS.skewMs,
  timeoutMs: 5000,
} as const;

export interface CorrelateResult {
  schemaVersion: 1;
  tool: { name: 'redis-lifeline'; version: string };
  generatedAt: string;
  settings: { zone: string; logZone: string; windowMs: number; gapMs: number; skewMs: number };
  files: FileScan[];
  errors: number;
  /** Errors found past the grouping bound: counted, not grouped. */
  notGrouped: number;
  bursts: number;
  matched: number;
  correlations: Correlation[];
  server: {
    events: ServerEvent[];
    coverage: Coverage[];
    facts?: ServerFacts;
    /** What could not be read, and other notes about the server side. */
    notes: string[];
  };
  notes: string[];
}

const zoneOrFail = (name: string | undefined, option: string): TimeZone => {
  const zone = timeZone(name);
  if (!zone)
    throw inputError(
      option,
      `unknown time zone "${name}": use an IANA name such as Europe/Paris, or an offset such as +05:30 or UTC`,
    );
  return zone;
};

/** Reads the app logs and the server's timeline, groups the errors into bursts, matches them. */
export async function correlate(options: CorrelateOptions): Promise<CorrelateResult> {
  const zone = zoneOrFail(options.tz, '--tz');
  const logZone = options.logTz ? zoneOrFail(options.logTz, '--log-tz') : undefined;
  const gapMs = options.gapMs ?? CORRELATE_DEFAULTS.gapMs;
  const windowMs = options.windowMs ?? CORRELATE_DEFAULTS.windowMs;
  const skewMs = options.skewMs ?? CORRELATE_DEFAULTS.skewMs;
  const now = options.now ?? Date.now();
  const secrets = passwordOf(options.url);

  // The server first: a bad URL or log fails fast, before a long scan.
  const events: ServerEvent[] = [];
  const coverage: Coverage[] = [];
  const serverNotes: string[] = [];
  let facts: ServerFacts | undefined;
  if (options.url) {
    facts = await readServerFacts(options.url, {
      timeoutMs: options.timeoutMs ?? CORRELATE_DEFAULTS.timeoutMs,
      tlsCaFile: options.tlsCaFile,
      tlsInsecure: options.tlsInsecure,
    });
    const start = startEvent(facts, events.length + 1);
    if (start) events.push(start);
    if (facts.logUnavailable && !options.logPath) serverNotes.push(`server log: ${facts.logUnavailable}`);
  }
  const logPath = options.logPath ?? facts?.logPath;
  if (logPath) {
    const log = await readServerLog(logPath, logZone, events.length + 1);
    events.push(...log.events);
    // Redis writes no line when nothing happens: with the URL read now, the running server's log
    // covers up to now, so a burst after its last line is still the server's silence.
    if (log.coverage && facts && !log.ended) log.coverage.to = Math.max(log.coverage.to, now);
    if (log.coverage) coverage.push(log.coverage);
    if (log.droppedEvents)
      serverNotes.push(`server log: only its last ${log.events.length} events were kept`);
  }
  if (options.historyPath) {
    const history = await readHistoryEvents(options.historyPath, events.length + 1);
    events.push(...history.events);
    coverage.push(history.coverage);
  }

  const store = new ErrorStore();
  const recognizer = new Recognizer();
  const files: FileScan[] = [];
  for (const file of options.files)
    files.push(await scanAppLog(file, { zone, now, store, recognizer, secrets }));

  const bursts: Burst[] = groupBursts(store, gapMs);
  const correlations = matchBursts(bursts, events, coverage, facts, { windowMs, skewMs });
  const notes: string[] = [];
  if (store.dropped > 0)
    notes.push(
      `partial: ${store.size} errors were grouped; ${store.dropped} more were counted but not grouped (the bound is ${store.size})`,
    );
  for (const f of files) {
    if (f.unstamped > 0)
      notes.push(
        `${f.file}: ${f.unstamped} error lines had no timestamp (nor a timestamped line above them): not placed`,
      );
    if (f.overlong > 0) notes.push(`${f.file}: ${f.overlong} lines longer than 64 KB were cut`);
    if (f.bytes === 0) notes.push(`${f.file}: empty`);
    if (f.unzonedErrors > 0 && !options.tz)
      notes.push(
        `${f.file}: its timestamps have no offset; read in this machine's zone (${zone.name}); pass --tz if it was written elsewhere`,
      );
  }
  return {
    schemaVersion: 1,
    tool: { name: 'redis-lifeline', version: TOOL_VERSION },
    generatedAt: new Date(now).toISOString(),
    settings: {
      zone: zone.name,
      logZone: logZone?.name ?? timeZone()?.name ?? 'UTC',
      windowMs,
      gapMs,
      skewMs,
    },
    files,
    errors: store.size + store.dropped,
    notGrouped: store.dropped,
    bursts: bursts.length,
    matched: correlations.filter((c) => c.cause).length,
    correlations,
    server: { events, coverage, ...(facts ? { facts } : {}), notes: serverNotes },
    notes,
  };
}

function passwordOf(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const u = new URL(url);
    return [decodeURIComponent(u.password)].filter((s) => s.length >= 3);
  } catch {
    return [];
  }
}
