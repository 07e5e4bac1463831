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
  | 'role-change'
  | 'replica-connecting'
  | 'cluster-node-fail'
  | 'cluster-failover';

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

/** The cluster failover lines: pattern, detail.step, and the detail key of its first group. */
const CLUSTER_STEPS: [RegExp, string, string?][] = [
  [/^Manual failover user request accepted/, 'manual-accepted'],
  [/^Forced failover user request accepted/, 'forced-accepted'],
  [/^Taking over the (?:master|primary) \(user request/, 'takeover'],
  [/^Manual failover timed out/, 'manual-timed-out'],
  [/^Manual failover requested by replica ([0-9a-f]{40})/, 'manual-requested', 'replica'],
  [/^Starting a failover election for epoch (\d+)/, 'election-started', 'epoch'],
  [/^Failover election won: I'm the new (?:master|primary)/, 'election-won'],
  [/^configEpoch set to (\d+) after successful failover/, 'epoch-set', 'epoch'],
  [
    /^Configuration change detected\. Reconfiguring myself as a replica of (?:node )?([0-9a-f]{40})/,
    'reconfigured-as-replica',
    'master',
  ],
];

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
  // replication.c (replicaofCommand, failoverCommand, PSYNC FAILOVER): a replica promoted by REPLICAOF NO ONE
  // ("user request", Sentinel sends it in MULTI/EXEC: cmd=exec) or by the FAILOVER command ("failover
  // request"); a master turned replica by REPLICAOF; the FAILOVER command asked of a master, or given up.
  // detail.to is set only on an actual change of role.
  [
    /^(MASTER MODE enabled|PRIMARY MODE enabled|REPLICAOF (\S+) enabled|FAILOVER requested(?: to (\S+?)\.?$| to any replica)?|FAILOVER to (?:\S+|any replica) aborted)(?: \((user|failover) request from )?/,
    (m, msg) => ({
      kind: 'role-change',
      detail: {
        what: m[1] ?? '',
        sentinel: String(/cmd=exec/.test(msg)),
        ...(/ MODE enabled$/.test(m[1] ?? '')
          ? { to: 'master' }
          : m[2]
            ? { to: 'replica', master: m[2] }
            : {}),
        ...(m[3] ? { target: m[3] } : {}),
        ...((m[1] ?? '').endsWith('aborted') ? { aborted: 'true' } : {}),
        ...(m[4] ? { via: m[4] } : {}),
      },
    }),
  ],
  // replication.c replicationCacheMasterUsingMyself: logged only when a master turns replica (REPLICAOF,
  // the FAILOVER command, a cluster master reconfigured), not when a replica switches masters.
  [
    /^Before turning into a replica, using my own (?:master|primary) parameters/,
    () => ({
      kind: 'role-change',
      detail: { what: 'Before turning into a replica', sentinel: 'false', wasMaster: 'true' },
    }),
  ],
  // replication.c connectWithMaster: a replica (re)starting its link ("Reconnecting to MASTER" is the
  // same link resumed, not matched). Logged again at each attempt while the master does not answer.
  [
    /^Connecting to (?:MASTER|PRIMARY) (\S+)$/,
    (m) => ({ kind: 'replica-connecting', detail: { master: m[1] ?? '' } }),
  ],
  // Cluster (Redis 7.0 cluster.c; cluster_legacy.c in 7.2+/8.x and Valkey, which add " (<human name>)"
  // after node ids): a node's master counted as failed, by this node or by another one.
  [
    /^Marking node ([0-9a-f]{40})(?: \([^)]*\))? as failing \(quorum reached\)/,
    (m) => ({ kind: 'cluster-node-fail', detail: { node: m[1] ?? '', how: 'quorum' } }),
  ],
  [
    /^FAIL message received from ([0-9a-f]{40})(?: \([^)]*\))? about ([0-9a-f]{40})/,
    (m) => ({ kind: 'cluster-node-fail', detail: { node: m[2] ?? '', from: m[1] ?? '', how: 'message' } }),
  ],
  // Cluster failover steps, detail.step: CLUSTER FAILOVER accepted (manual, forced) or TAKEOVER on a
  // replica; the master asked by its replica for a manual failover; the election; the epoch it won; a
  // master told it was replaced ("Configuration change detected").
  ...CLUSTER_STEPS.map(([pattern, step, key]): [RegExp, (m: RegExpExecArray) => ClassifiedMessage] => [
    pattern,
    (m) => ({ kind: 'cluster-failover', detail: { step, ...(key ? { [key]: m[1] ?? '' } : {}) } }),
  ]),
];

export function classifyLogMessage(message: string): ClassifiedMessage | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(message);
    if (match) return build(match, message);
  }
  return undefined;
}
