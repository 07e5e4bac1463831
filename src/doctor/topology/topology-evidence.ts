import type { ClusterNodeLine } from '../../core/parse-cluster-nodes.js';
import type { Info } from '../../core/parse-info.js';
import type { NodeAddress } from '../../core/redis-url.js';
import type { Collected, LogEvidence, TargetIdentity } from '../evidence.js';

export type TopologyKind = 'sentinel' | 'cluster';

/** What one sentinel answered about the master it monitors (absent parts: see `error`). */
export interface SentinelView {
  address: NodeAddress;
  /** Why it could not be asked (refused, timed out, no such master name); nothing else is set then. */
  error?: string;
  /**
   * SENTINEL MASTER <name>, as returned: flags (`master`, `s_down`, `o_down`, `failover_in_progress`),
   * num-other-sentinels, quorum, down-after-milliseconds, failover-timeout, config-epoch,
   * role-reported-time (ms since the master's role was last reported changed)...
   */
  master?: Record<string, string>;
  /** SENTINEL GET-MASTER-ADDR-BY-NAME: where this sentinel says the master is. */
  masterAddress?: NodeAddress;
  /** SENTINEL REPLICAS <name>: ip, port, flags, master-link-status, master-link-down-time, slave-repl-offset... */
  replicas?: Record<string, string>[];
  /** SENTINEL SENTINELS <name>: the other sentinels it knows (ip, port, flags, last-ok-ping-reply...). */
  sentinels?: Record<string, string>[];
  /** SENTINEL CKQUORUM <name>: whether the sentinels it can reach are enough to authorise a failover. */
  ckquorum?: { ok: boolean; message: string };
}

/** A data node of the topology (master or replica), as the topology lists it and as it answers itself. */
export interface TopologyNode extends NodeAddress {
  /** The role the topology gives it (Sentinel's view, or CLUSTER NODES). */
  role: 'master' | 'replica';
  /**
   * How the topology sees it: `sdown`/`odown` (Sentinel's subjective/objective down), `pfail`/`fail`
   * (cluster), `ok`; `unreachable` when lifeline itself could not read it.
   */
  status: 'ok' | 'sdown' | 'odown' | 'pfail' | 'fail' | 'unreachable';
  /** Cluster node id. */
  id?: string;
  /** The master a replica follows, where the topology says. */
  master?: NodeAddress;
  /** INFO of the node itself (server, clients, stats, replication sections at least). */
  info: Collected<Info>;
  /** CONFIG GET of the settings topology rules read: min-replicas-to-write, min-replicas-max-lag, cluster-node-timeout, repl-backlog-size... */
  config: Collected<Record<string, string>>;
  /**
   * What the node's own log says about its changes of role (promoted, demoted, and what led to it), taken
   * from the log its standalone doctor read (CONFIG GET logfile, on this host only). Absent when that
   * doctor did not run on it (unreachable); `unavailable` with the reason when its log could not be read.
   */
  log?: Collected<NodeLog>;
}

/** The part of a node's log summary the topology rules read. */
export type NodeLog = Pick<LogEvidence, 'path' | 'roleChanges' | 'firstLineAt' | 'lastLineAt' | 'tailOnly'>;

/** What the cluster says about itself. */
export interface ClusterView {
  /** CLUSTER INFO of each node that answered, by "host:port": cluster_state, cluster_slots_assigned, cluster_slots_ok, cluster_slots_pfail, cluster_slots_fail, cluster_known_nodes, cluster_size, cluster_current_epoch... */
  info: Record<string, Record<string, string>>;
  /** CLUSTER NODES as the first node that answered sees the cluster. */
  nodes: ClusterNodeLine[];
  /** Which node that was ("host:port"). */
  seenFrom: string;
}

/** How redis-cli reaches a server: TLS, the ACL user, and whether a password is needed (never the password). */
export type CliLogin = Pick<TargetIdentity, 'tls' | 'username' | 'hasAuth'>;

/** Everything a topology rule reads. Pure data: collected once, read by every rule. */
export interface TopologyEvidence {
  kind: TopologyKind;
  /** The master name Sentinel monitors. */
  masterName?: string;
  /** The master now: the address most sentinels give (Sentinel), none for a cluster (many masters). */
  master?: NodeAddress;
  nodes: TopologyNode[];
  /** Every sentinel listed in the URL or discovered from them, asked (Sentinel only). */
  sentinels?: SentinelView[];
  cluster?: ClusterView;
  /** Epoch ms when collected. */
  at: number;
  /**
   * How fix commands address the data nodes (from the URL: rediss+sentinel:// or rediss://, its user, whether
   * it has a password); redis-cli then asks for the password with --askpass. Absent: no TLS, no login.
   */
  login?: CliLogin;
  /** The same for the sentinels, whose login comes by option rather than from the URL. Absent: none. */
  sentinelLogin?: CliLogin;
  settings: {
    /** The application's command/socket timeout, when given (--client-timeout): compared with failover times. */
    clientTimeoutMs?: number;
    /** A failover within this many seconds counts as recent. */
    recentS: number;
  };
}
