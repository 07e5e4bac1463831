import type { Cause } from '../../core/causes.js';

export type Severity = 'critical' | 'warning' | 'info';
export type Confidence = 'high' | 'medium' | 'low';
export type ResultStatus = 'finding' | 'pass' | 'skipped' | 'crashed';

export interface Fix {
  command: string;
  note?: string;
  risk?: string;
}

/** One rule's outcome (schemaVersion 1). */
export interface RuleResult {
  ruleId: string;
  /** The drop cause the rule is about (core/causes.ts). */
  cause: Cause;
  category: string;
  status: ResultStatus;
  severity?: Severity;
  confidence?: Confidence;
  title: string;
  message: string;
  explanation: string;
  evidence: Record<string, unknown>;
  fix: Fix[];
  docs: string;
  /** Why a rule was skipped, or the error of a crashed one. */
  reason?: string;
  /** Sentinel or Cluster: the node ("host:port") the result is about; absent for a standalone server. */
  node?: string;
}

/** A data node of a Sentinel or Cluster topology, as the report shows it. */
export interface TopologyNodeSummary {
  host: string;
  port: number;
  role: 'master' | 'replica';
  /**
   * How the topology sees it (`ok`, Sentinel's `sdown`/`odown`, the cluster's `pfail`/`fail`), or
   * `unreachable` when lifeline could not read it (then `error` says why).
   */
  status: 'ok' | 'sdown' | 'odown' | 'pfail' | 'fail' | 'unreachable';
  /** Why lifeline could not read it. */
  error?: string;
}

/** The topology looked at: absent for a standalone server. */
export interface TopologySummary {
  kind: 'standalone' | 'sentinel' | 'cluster';
  /** Sentinel: the master name the sentinels monitor. */
  masterName?: string;
  /** Sentinel: the master now ("host:port", as most sentinels name it). */
  master?: string;
  /** Cluster: cluster_state as the node that listed the cluster reports it (`ok`, `fail`). */
  state?: string;
  /** Masters first, then replicas. */
  nodes: TopologyNodeSummary[];
  /** Sentinel: every sentinel asked (from the URL and the ones they know of). */
  sentinels?: { host: string; port: number; reachable: boolean; error?: string }[];
}

export interface Report {
  schemaVersion: 1;
  tool: { name: 'redis-lifeline'; version: string };
  target: {
    url: string;
    host: string;
    port: number;
    product: string;
    version: string;
    mode: string;
    role: string;
  };
  startedAt: string;
  durationMs: number;
  summary: {
    critical: number;
    warning: number;
    info: number;
    passed: number;
    skipped: number;
    crashed: number;
  };
  mostLikelyCause: {
    ruleId: string;
    cause: Cause;
    title: string;
    confidence: Confidence;
    /** Sentinel or Cluster: the node the finding is about, when it is about one. */
    node?: string;
  } | null;
  results: RuleResult[];
  /** Evidence that could not be collected, and why (text and markdown show it; JSON shows skipped rules). */
  unavailable: Record<string, string>;
  /** Sentinel or Cluster: what the topology is; absent for a standalone server. */
  topology?: TopologySummary;
}
