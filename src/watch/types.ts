import type { Cause } from '../core/causes.js';
import type { Confidence, Fix, Severity } from '../doctor/report/types.js';

/**
 * What each sample records about the server process; core/server-run.ts tells from two of them a
 * restart from a failover.
 */
export interface ServerFacts {
  product: string;
  version: string;
  /** INFO run_id; absent where a proxy hides it (histories written before that was so hold ''). */
  runId?: string;
  pid: number;
  uptimeS: number;
  role: string;
}

/**
 * Cumulative INFO counters as the server reports them (they reset on restart). Absent when this
 * server version lacks the field (the buffer-kill counters appeared in Redis 7.4 / Valkey 8.0).
 */
export interface Counters {
  connectionsReceived: number;
  rejectedConnections: number;
  evictedClients?: number;
  outputBufferKills?: number;
  queryBufferKills?: number;
  /** cmdstat_client|kill calls. */
  clientKillCalls: number;
  errorReplies?: number;
}

export interface Gauges {
  connectedClients: number;
  /** INFO maxclients (6.2+) or CONFIG GET maxclients. */
  maxclients?: number;
  blockedClients: number;
  pubsubClients?: number;
  usedMemoryBytes: number;
  maxmemoryBytes: number;
}

/** CLIENT LIST, reduced to what watch keeps per round (the per-client lines stay in memory only). */
export interface ClientListFacts {
  durationMs: number;
  /** Lines in the reply, our own connection excluded. */
  total: number;
  /** Normal-class, not blocked, idle at least this long (seconds): low-cardinality idle counts. */
  idle: { over60s: number; over300s: number; over3600s: number };
  /** The largest output buffer as a share of its class's limit (the soft one when set; 0..1+). */
  maxOutputBufferRatio: number;
}

/** One look at one target. */
export interface Sample {
  /** The target's URL with its password redacted: the only form that is printed or stored. */
  target: string;
  /** Epoch milliseconds when the sample was taken. */
  at: number;
  up: boolean;
  /** Why the target could not be sampled (one line), when up is false. */
  error?: string;
  /** Round trip of the INFO call, milliseconds. */
  durationMs: number;
  server?: ServerFacts;
  counters?: Counters;
  gauges?: Gauges;
  /** Present on the rounds that ran CLIENT LIST. */
  clients?: ClientListFacts;
}

/**
 * The incidents watch raises, each with the drop cause it is about (core/causes.ts). A kind shared
 * with the doctor is that rule's id and keeps its meaning (and docs/rules page); `target-unreachable`,
 * `ghost-connections` and `server-failover` are watch's own. Each kind's detector is
 * `detectors/<kind>.ts`. `failover`, `node-failed`, `sentinel-quorum-lost`, `cluster-state-fail` and `slots-uncovered` are
 * about a Sentinel set or a Cluster as a whole (raised from Sentinel's events or CLUSTER INFO/NODES).
 */
export const CAUSE_OF_INCIDENT = {
  'server-restarted': 'server-restart',
  'server-crashed': 'server-crash',
  'server-failover': 'failover',
  'role-changed': 'failover',
  'target-unreachable': 'unknown',
  'maxclients-reached': 'maxclients',
  'client-eviction': 'client-eviction',
  'output-buffer-kills': 'output-buffer-limit',
  'query-buffer-kills': 'query-buffer-limit',
  'idle-timeout-reaping': 'idle-timeout',
  'ghost-connections': 'half-open',
  'connection-churn': 'unknown',
  'output-buffer-at-risk': 'output-buffer-limit',
  'client-kills-observed': 'client-kill',
  failover: 'failover',
  'node-failed': 'unknown',
  'sentinel-quorum-lost': 'failover',
  'cluster-state-fail': 'unknown',
  'slots-uncovered': 'unknown',
} as const satisfies Record<string, Cause>;

export type IncidentKind = keyof typeof CAUSE_OF_INCIDENT;

export const INCIDENT_KINDS = Object.keys(CAUSE_OF_INCIDENT) as IncidentKind[];

export interface Incident {
  /** Unique within a watch run: `<target>#<sequence>`. */
  id: string;
  target: string;
  /** What watch saw (a doctor rule id, or watch's own); names the docs page. */
  kind: IncidentKind;
  /** The drop cause it is about, from the product's one vocabulary. */
  cause: Cause;
  severity: Severity;
  confidence: Confidence;
  title: string;
  /** One or two sentences with the numbers in them. */
  message: string;
  /** Why it matters and when it is harmless (from the doctor's rule when there is one). */
  explanation?: string;
  evidence: Record<string, unknown>;
  /** Client connections this incident closed or refused, where the server says how many. */
  connections?: number;
  fix: Fix[];
  docs: string;
  /** ISO time of the sample that showed it. */
  at: string;
  /**
   * Occurrences merged into this alert. 1 for a first alert; a summary of repeats within the
   * grouping window carries their count and the window.
   */
  occurrences: number;
  firstAt: string;
  lastAt: string;
}

/** One NDJSON line of a history file. */
export type HistoryRecord =
  | {
      type: 'start';
      at: string;
      tool: { name: 'redis-lifeline'; version: string };
      targets: string[];
      intervalMs: number;
    }
  | ({ type: 'sample' } & Sample)
  | ({ type: 'incident' } & Incident)
  | { type: 'stop'; at: string };
