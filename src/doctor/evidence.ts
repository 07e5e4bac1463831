import type { ClientSnapshot } from '../core/client-snapshot.js';
import type { LogSummary } from '../core/log/summarize-log.js';
import type { ClientClass, ClientFields } from '../core/parse-client-list.js';
import type { Info } from '../core/parse-info.js';
import type { TcpState, TcpTimer } from '../core/parse-proc-net-tcp.js';
import type { RedisTarget } from '../core/redis-url.js';
import type { Product } from '../core/server-product.js';

/** What a collector produced: the value, or why it could not be had (never a guess). */
export type Collected<T> = { status: 'ok'; value: T } | { status: 'unavailable'; reason: string };

export const ok = <T>(value: T): Collected<T> => ({ status: 'ok', value });
export const unavailable = <T = never>(reason: string): Collected<T> => ({ status: 'unavailable', reason });

export interface TargetFacts {
  url: string;
  host: string;
  port: number;
  tls: boolean;
  /** An ACL user was given (fix commands then ask for the password instead of printing one). */
  hasAuth: boolean;
  username: string | undefined;
  product: Product;
  version: string;
  mode: string;
  role: string;
  pingMs: number;
}

/** Who the target is, before anything was read from it: what fix commands need to address it. */
export type TargetIdentity = Pick<TargetFacts, 'url' | 'host' | 'port' | 'tls' | 'hasAuth' | 'username'>;

export const targetIdentity = (target: RedisTarget): TargetIdentity => ({
  url: target.url,
  host: target.host,
  port: target.port,
  tls: target.tls,
  hasAuth: target.password !== undefined,
  username: target.username,
});

// Re-exported: the doctor's public types name it (src/index.ts).
export type { ClientSnapshot } from '../core/client-snapshot.js';

export interface ClientsSummary {
  /** Lines in the reply (our own connection excluded). */
  total: number;
  /** Lines summarised; fewer than total when the reply was larger than the parse bound. */
  summarised: number;
  byClass: Record<ClientClass, number>;
  byLibName: Record<string, number>;
  byName: Record<string, number>;
  flagged: { closeAsap: number; blocked: number; monitor: number; noEvict: number };
  idleHistogram: { upToSeconds: number | null; count: number }[];
  /** The clients with the largest output buffers (omem), largest first. */
  topOutputBuffers: ClientSnapshot[];
  /** The longest-idle clients, longest first. */
  topIdle: ClientSnapshot[];
  /** Raw fields of the largest-buffer clients, for evidence. */
  sampleFields?: ClientFields[];
}

export interface SlowlogEntry {
  id: number;
  at: number;
  durationUs: number;
  command: string;
  client: string;
}

export interface LatencyEvent {
  event: string;
  at: number;
  latestMs: number;
  maxMs: number;
}

export interface OomKill {
  pid: number;
  process: string;
  line: string;
}

export interface HostFacts {
  /** How we know the server runs here: /proc/<process_id>/comm matched. */
  processComm: string;
  overcommitMemory: number | undefined;
  transparentHugePages: string | undefined;
  somaxconn: number | undefined;
  openFilesLimit: number | undefined;
  totalMemoryBytes: number | undefined;
  oomKills: Collected<OomKill[]>;
}

/** One of this host's TCP sockets whose remote end is the target (from /proc/net/tcp{,6}, plus `ss`). */
export interface HostSocket {
  /** "address:port" of each end; IPv6 in brackets. */
  local: string;
  remote: string;
  state: TcpState;
  /** The timer pending on the socket now (the "tr" column). */
  timer: TcpTimer;
  /**
   * When that timer fires, ms from the read (negative: overdue). For a keepalive timer with no probe
   * out, the kernel re-arms it at most tcp_keepalive_time ahead: the socket's keepalive idle is ≥ this.
   */
  timerMs?: number;
  /**
   * SO_KEEPALIVE is on: the kernel shows a keepalive timer. Undefined when a retransmit or
   * zero-window timer hides it (the column shows one timer only).
   */
  keepalive: boolean | undefined;
  /** Retransmission timeouts of the segment in flight now (retrnsmt); 0 once the peer acknowledges. */
  retransmits: number;
  /** Unanswered keepalive or zero-window probes now. */
  probesOut: number;
  txQueue: number;
  rxQueue: number;
  /** From ss, when it ran: retransmissions since the connection opened, segments sent, RTT. */
  totalRetransmits?: number;
  segsOut?: number;
  rttMs?: number;
  /** From ss: milliseconds since the socket last sent or received anything. */
  idleMs?: number;
  /** The owner, when its /proc/<pid>/fd was readable. */
  pid?: number;
  comm?: string;
}

/** A process holding sockets to the target. */
export interface SocketOwner {
  pid: number;
  /** /proc/<pid>/comm. */
  comm: string;
  byState: Partial<Record<TcpState, number>>;
}

export interface HostSocketsFacts {
  /** The addresses a socket's remote end had to match (the target's, resolved), and the port. */
  addresses: string[];
  port: number;
  /** Sockets to the target by state, all of them (the doctor's own left out). */
  byState: Partial<Record<TcpState, number>>;
  total: number;
  /** The sockets, at most a bound's worth (see `truncated`). */
  sockets: HostSocket[];
  owners: SocketOwner[];
  /** Sockets with a file (not TIME_WAIT) whose owning process was not found or not readable. */
  unowned: number;
  /** The doctor's own connections to the target, left out of everything above. */
  ownLeftOut: number;
  /** A bound was hit: lines of /proc/net/tcp read, sockets kept, or processes scanned. */
  truncated: string[];
  /** `ss` added RTT and retransmission totals; otherwise why not (not installed, timed out). */
  ss: 'used' | { reason: string };
  /** TIME_WAIT sockets to the target, all of them (not only the kept ones): how fast this host closes. */
  timeWait?: TimeWaitFacts;
}

/**
 * A socket sits in TIME_WAIT for 60 s (Linux's fixed TCP_TIMEWAIT_LEN) after the side holding it closed
 * first, so the count over 60 is that host's close rate over the last minute, and a socket's remaining
 * timer dates its close.
 */
export interface TimeWaitFacts {
  count: number;
  /** Closed within the last 10 s (remaining timer ≥ 50 s). */
  closedLast10s: number;
  /** Closes a second: over the last minute (count / 60) and over the last 10 s. */
  perSecondLastMinute: number;
  perSecondLast10s: number;
  /** /proc/sys/net/ipv4/ip_local_port_range: the local ports a connect() may pick, when readable. */
  localPorts?: { low: number; high: number };
  /** /proc/sys/net/ipv4/tcp_tw_reuse (0 off, 1 on, 2 loopback only), when readable. */
  twReuse?: number;
}

/** A short probe from this host: one new TCP connection and a few PINGs, timed. */
export interface PathProbeFacts {
  /** host:port probed. */
  address: string;
  /** TCP connect (SYN to SYN-ACK, answered by the server's kernel or the first proxy on the path). */
  connectMs: number | undefined;
  /** TLS handshake after the connect (rediss://). */
  tlsMs?: number;
  /** PINGs sent one at a time; any reply (+PONG, -NOAUTH) is a round trip. */
  pingsPlanned: number;
  pingsAnswered: number;
  p50Ms?: number;
  /** Nearest rank: with 20 PINGs, the slowest one. */
  p99Ms?: number;
  maxMs?: number;
  /** Every round trip, ms, in order. */
  samplesMs: number[];
  /** The probe did not finish: refused, reset, closed, timed out (a PING unanswered within the bound). */
  failure?: {
    kind: 'refused' | 'reset' | 'closed' | 'timeout' | 'error';
    message: string;
    /** The server's own error before it (-ERR max number of clients reached): the server refused, not the path. */
    serverSaid?: string;
  };
}

export interface LogEvidence extends LogSummary {
  path: string;
  fileBytes: number;
  bytesRead: number;
  /** The file was larger than the read bound, so only its tail was read. */
  tailOnly: boolean;
  /** How the log was found: given with --log, or CONFIG GET logfile/dir. */
  source: 'option' | 'config';
}

/** What the user told us that the server cannot know. */
export interface DoctorSettings {
  /** The idle timeout of the application's connection pool, seconds. */
  clientIdleTimeoutS: number | undefined;
  /** The idle timeout of a load balancer or NAT between app and Redis, seconds. */
  lbIdleTimeoutS: number | undefined;
  /** How far back a restart still counts as recent, seconds. */
  recentS: number;
  /** The TCP keepalive idle the application believes it set on its connections, seconds. */
  appKeepaliveS?: number | undefined;
}

export interface Evidence {
  target: TargetFacts;
  info: Collected<Info>;
  config: Collected<Record<string, string>>;
  clients: Collected<ClientsSummary>;
  slowlog: Collected<SlowlogEntry[]>;
  latency: Collected<LatencyEvent[]>;
  log: Collected<LogEvidence>;
  host: Collected<HostFacts>;
  /** This host's own TCP sockets to the target: the application's side, when the doctor runs on its host. */
  hostSockets: Collected<HostSocketsFacts>;
  /**
   * The short probe from this host (run.ts adds it after the server's evidence, on its own
   * connection). Absent from evidence captured without it (fixtures, topology nodes): its rule skips.
   */
  pathProbe?: Collected<PathProbeFacts>;
  settings: DoctorSettings;
}

export type EvidenceSource = Exclude<keyof Evidence, 'target' | 'settings' | 'pathProbe'>;
