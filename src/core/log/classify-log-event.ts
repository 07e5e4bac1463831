import { type ClientFields, parseClientFields } from '../parse-client-list.js';

/** What a log line means for connection health; lines that mean nothing here are not kept. */
export type LogEventKind =
  | 'output-buffer-kill'
  | 'query-buffer-kill'
  | 'client-evicted'
  | 'client-eviction-exhausted'
  | 'start'
  | 'start-version'
  | 'shutdown-requested'
  | 'shutdown-complete'
  | 'crash'
  | 'alloc-failure'
  | 'replication-timeout'
  | 'replication-link-lost'
  | 'maxclients-reduced'
  | 'accept-failed'
  | 'fork-child-killed'
  | 'role-change';

export interface ClassifiedMessage {
  kind: LogEventKind;
  /** The victim's client-info string, parsed (names may read *redacted* on Valkey). */
  client?: ClientFields;
  /** Extra facts pulled from the message (never raw user data such as query-buffer bytes). */
  detail?: Record<string, string>;
}

const CLIENT_INFO = /id=\d+ addr=\S+.*?(?= scheduled to be closed| closed for overcoming| \(qbuf initial|$)/;

const clientIn = (message: string): ClientFields | undefined => {
  const match = CLIENT_INFO.exec(message);
  return match ? parseClientFields(match[0]) : undefined;
};

/** Patterns from the Redis and Valkey sources (networking.c, server.c, replication.c, debug.c). */
const PATTERNS: [RegExp, (m: RegExpExecArray, message: string) => ClassifiedMessage][] = [
  [
    /for overcoming of output buffer limits\.?$/,
    (_m, msg) => ({
      kind: 'output-buffer-kill',
      client: clientIn(msg),
      detail: { path: msg.includes('scheduled to be closed ASAP') ? 'async' : 'cron' },
    }),
  ],
  [
    /^Closing client that reached max query buffer length/,
    (_m, msg) => ({ kind: 'query-buffer-kill', client: clientIn(msg) }),
  ],
  [/^Evicting client: /, (_m, msg) => ({ kind: 'client-evicted', client: clientIn(msg) })],
  [
    /^Over client maxmemory after evicting all evictable clients/,
    () => ({ kind: 'client-eviction-exhausted' }),
  ],
  [
    /^oO0OoO0OoO0Oo (Redis|Valkey|KeyDB) is starting/,
    (m) => ({ kind: 'start', detail: { product: m[1] ?? '' } }),
  ],
  [
    /^(?:Redis|Valkey) version=([^,]+), .*pid=(\d+)/,
    (m) => ({ kind: 'start-version', detail: { version: m[1] ?? '', pid: m[2] ?? '' } }),
  ],
  [
    /^(Received SIG\w+|Received shutdown signal|User requested shutdown)/,
    (m) => ({ kind: 'shutdown-requested', detail: { how: m[1] ?? '' } }),
  ],
  [/is now ready to exit, bye bye/, () => ({ kind: 'shutdown-complete' })],
  [/^You insist\.\.\. exiting now/, () => ({ kind: 'shutdown-complete' })],
  [
    /(=== (?:REDIS|VALKEY) BUG REPORT START|crashed by signal: (\d+)|Guru Meditation: )/,
    (m) => ({ kind: 'crash', detail: m[2] ? { signal: m[2] } : undefined }),
  ],
  [
    /^Out Of Memory allocating (\d+) bytes/,
    (m) => ({ kind: 'alloc-failure', detail: { bytes: m[1] ?? '' } }),
  ],
  [
    /^(?:(?:MASTER|PRIMARY) timeout|Timeout connecting to the (?:MASTER|PRIMARY)|Timeout receiving bulk data from (?:MASTER|PRIMARY)|Disconnecting timedout (?:replica|slave))/,
    (_m, msg) => ({ kind: 'replication-timeout', detail: { line: msg.slice(0, 200) } }),
  ],
  [
    /^Connection with (master|primary|replica|slave)\b(?: (\S+))? lost/,
    (m) => ({ kind: 'replication-link-lost', detail: { peer: m[1] ?? '', addr: m[2] ?? '' } }),
  ],
  [
    /maxclients has been reduced to (\d+)/,
    (m) => ({ kind: 'maxclients-reduced', detail: { maxclients: m[1] ?? '' } }),
  ],
  [/^Accepting client connection: (.*)$/, (m) => ({ kind: 'accept-failed', detail: { error: m[1] ?? '' } })],
  [
    /^Background (?:saving|AOF rewrite) terminated by signal (\d+)/,
    (m) => ({ kind: 'fork-child-killed', detail: { signal: m[1] ?? '' } }),
  ],
  [
    /^(MASTER MODE enabled|PRIMARY MODE enabled|REPLICAOF [^ ]+ enabled|FAILOVER requested)/,
    (m, msg) => ({
      kind: 'role-change',
      detail: { what: m[1] ?? '', sentinel: String(/cmd=exec/.test(msg)) },
    }),
  ],
];

export function classifyLogMessage(message: string): ClassifiedMessage | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(message);
    if (match) return build(match, message);
  }
  return undefined;
}
