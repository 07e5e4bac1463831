import { Counter, Gauge, Registry } from 'prom-client';
import type { Cause } from '../../core/causes.js';
import { compareRuns, counterDelta, type RunChange, type RunReading } from '../../core/server-run.js';
import { CAUSE_OF_INCIDENT, type Counters, type Incident, type IncidentKind, type Sample } from '../types.js';

/**
 * Every metric `lifeline watch` exposes is named `lifeline_watch_<what>` (beside the library's
 * `lifeline_client_*`) and carries the label `target`: the watched URL with its password redacted.
 * The other labels have small fixed value sets (`cause`, `kind`, `severity`, `threshold_seconds`) or change
 * only on upgrade/failover (`product`, `version`, `role`); client ids and addresses never become labels.
 */
export const WATCH_METRIC_PREFIX = 'lifeline_watch_';

/**
 * Incident kinds that mean connections were closed (or refused) on the server side:
 * `lifeline_watch_disconnects_total{cause}` counts them under their cause, and exists at 0 for each
 * of those causes from a target's first sample so `increase()` sees the first one. The other kinds are
 * not drops themselves (`output-buffer-at-risk` is a risk, `connection-churn` a symptom,
 * `target-unreachable` is about watch's own link, `ghost-connections` are connections the server
 * still holds) and show in `lifeline_watch_incidents_total` only.
 */
export const DISCONNECT_KINDS: readonly IncidentKind[] = [
  'server-restarted',
  'server-crashed',
  'maxclients-reached',
  'client-eviction',
  'output-buffer-kills',
  'query-buffer-kills',
  'idle-timeout-reaping',
  'client-kills-observed',
  'server-failover',
];

/** The `cause` label values of `lifeline_watch_disconnects_total`. */
export const DISCONNECT_CAUSES: readonly Cause[] = DISCONNECT_KINDS.map((kind) => CAUSE_OF_INCIDENT[kind]);

/** The `threshold_seconds` label values of `lifeline_watch_idle_connections`. */
export const IDLE_THRESHOLDS = [
  ['60', 'over60s'],
  ['300', 'over300s'],
  ['3600', 'over3600s'],
] as const;

/** Server counters mirrored as Prometheus counters: INFO field → metric. */
const MIRRORED: readonly { key: keyof Counters; name: string; help: string }[] = [
  {
    key: 'connectionsReceived',
    name: 'connections_received_total',
    help: 'Connections the server accepted (INFO total_connections_received), mirrored so it never goes down across restarts.',
  },
  {
    key: 'rejectedConnections',
    name: 'rejected_connections_total',
    help: 'Connections the server refused (INFO rejected_connections): maxclients, or protected mode.',
  },
  {
    key: 'evictedClients',
    name: 'evicted_clients_total',
    help: 'Clients closed by maxmemory-clients eviction (INFO evicted_clients, Redis 7.0+ / Valkey 7.2+).',
  },
  {
    key: 'outputBufferKills',
    name: 'output_buffer_kills_total',
    help: 'Clients closed for client-output-buffer-limit (INFO client_output_buffer_limit_disconnections, Redis 7.4+ / Valkey 8.0+).',
  },
  {
    key: 'queryBufferKills',
    name: 'query_buffer_kills_total',
    help: 'Clients closed for client-query-buffer-limit (INFO client_query_buffer_limit_disconnections, Redis 7.4+ / Valkey 8.0+).',
  },
  {
    key: 'clientKillCalls',
    name: 'client_kill_calls_total',
    help: 'CLIENT KILL calls (INFO commandstats cmdstat_client|kill).',
  },
  {
    key: 'errorReplies',
    name: 'error_replies_total',
    help: 'Error replies the server sent (INFO total_error_replies, Redis 6.2+).',
  },
];

interface TargetState {
  /** The server process as the last sample that reached it saw it. */
  run?: RunReading;
  counters?: Counters;
  info?: { product: string; version: string; role: string };
}

type TargetLabels = { target: string };

/**
 * Prometheus metrics for `lifeline watch`, fed by samples and incidents, in a registry of its own
 * (never prom-client's global one, so an application embedding watch keeps its own metrics apart).
 *
 * Gauges show the latest sample; a sample with `up: false` removes a target's server gauges (a down
 * server has no client count) and keeps its counters. The CLIENT LIST gauges change only on the rounds
 * that ran CLIENT LIST. Server counters are mirrored as counters: the first sample of a target sets
 * them to the server's value, later samples add the increase, and after a restart or a reset (a value
 * that went down) they add the new value, so they never go down while the server's reset. Another
 * server that was already up at the previous sample (failover) is no restart: its counters become the
 * new base and add nothing. core/server-run.ts tells the three apart.
 *
 * Feed `incident()` with either every incident the detectors raise or the output of an AlertGrouper
 * (first alerts plus summaries), not both: the disconnect counters add `incident.connections` (or
 * `incident.occurrences` where the server does not say how many).
 */
export class WatchMetrics {
  readonly registry = new Registry();

  private readonly targets = new Map<string, TargetState>();

  private readonly up = this.gauge(
    'up',
    'Whether the last sample of the target succeeded (1) or failed (0).',
  );
  private readonly sampleDuration = this.gauge(
    'sample_duration_seconds',
    'Round trip of the last INFO sample, or time until it failed.',
  );
  private readonly lastSample = this.gauge(
    'last_sample_timestamp_seconds',
    'When the last sample of the target was taken (Unix seconds).',
  );
  private readonly samples = this.counter('samples_total', 'Samples taken of the target.');
  private readonly sampleFailures = this.counter(
    'sample_failures_total',
    'Samples that failed (target unreachable, auth failed, timed out).',
  );
  private readonly serverInfo = new Gauge({
    name: `${WATCH_METRIC_PREFIX}server_info`,
    help: 'Always 1: the server product, version and replication role as labels.',
    labelNames: ['target', 'product', 'version', 'role'],
    registers: [this.registry],
  });
  private readonly uptime = this.gauge('uptime_seconds', 'Server uptime (INFO uptime_in_seconds).');
  private readonly restarts = this.counter(
    'restarts_total',
    'Server restarts watch saw: another server process between two samples (run_id changed, or uptime went back where run_id is hidden) that started since the first (an older one is a failover).',
  );
  private readonly connectedClients = this.gauge(
    'connected_clients',
    'Client connections, replicas excluded (INFO connected_clients).',
  );
  private readonly maxclients = this.gauge(
    'maxclients',
    'The connection limit (INFO maxclients on 6.2+, else CONFIG GET maxclients); absent when unknown.',
  );
  private readonly blockedClients = this.gauge(
    'blocked_clients',
    'Clients waiting in a blocking command (INFO blocked_clients).',
  );
  private readonly pubsubClients = this.gauge(
    'pubsub_clients',
    'Clients in pub/sub mode (INFO pubsub_clients, Redis 7.4+ / Valkey 8.0+); absent when the server lacks it.',
  );
  private readonly memoryUsed = this.gauge(
    'memory_used_bytes',
    'Memory used by the server (INFO used_memory).',
  );
  private readonly memoryMax = this.gauge(
    'memory_max_bytes',
    'The maxmemory setting (INFO maxmemory); 0 means no limit.',
  );
  private readonly idleConnections = new Gauge({
    name: `${WATCH_METRIC_PREFIX}idle_connections`,
    help: 'Normal clients, not blocked, idle at least threshold_seconds (CLIENT LIST): candidates for idle reaping by timeout or a load balancer.',
    labelNames: ['target', 'threshold_seconds'],
    registers: [this.registry],
  });
  private readonly maxOutputBufferRatio = this.gauge(
    'max_output_buffer_ratio',
    "The largest client output buffer as a share of its class's limit, the soft one when set (CLIENT LIST); at 1 the server closes it (at once, or after the soft limit's seconds).",
  );
  private readonly clientListDuration = this.gauge(
    'client_list_duration_seconds',
    'How long the last CLIENT LIST took.',
  );
  private readonly mirrored = new Map<keyof Counters, Counter<'target'>>(
    MIRRORED.map(({ key, name, help }) => [key, this.counter(name, help)]),
  );
  private readonly disconnects = new Counter({
    name: `${WATCH_METRIC_PREFIX}disconnects_total`,
    help: 'Server-side disconnects by the cause watch attributed (incidents of a disconnect kind, counting grouped repeats).',
    labelNames: ['target', 'cause'],
    registers: [this.registry],
  });
  private readonly incidents = new Counter({
    name: `${WATCH_METRIC_PREFIX}incidents_total`,
    help: 'Incidents watch raised, by kind, cause and severity.',
    labelNames: ['target', 'kind', 'cause', 'severity'],
    registers: [this.registry],
  });

  private readonly failovers = new Counter({
    name: `${WATCH_METRIC_PREFIX}failovers_total`,
    help: 'Master switches Sentinel announced (+switch-master), by the Sentinel URL watched (the role of each node is a label of lifeline_watch_server_info).',
    labelNames: ['target'],
    registers: [this.registry],
  });

  /** Records one sample of one target. */
  observe(sample: Sample): void {
    const labels: TargetLabels = { target: sample.target };
    let state = this.targets.get(sample.target);
    if (!state) {
      state = {};
      this.targets.set(sample.target, state);
      this.samples.inc(labels, 0);
      this.sampleFailures.inc(labels, 0);
      for (const cause of DISCONNECT_CAUSES) this.disconnects.inc({ target: sample.target, cause }, 0);
    }

    this.up.set(labels, sample.up ? 1 : 0);
    setSeconds(this.sampleDuration, labels, sample.durationMs);
    if (Number.isFinite(sample.at)) this.lastSample.set(labels, sample.at / 1000);
    this.samples.inc(labels);

    if (!sample.up) {
      this.sampleFailures.inc(labels);
      this.removeServerGauges(sample.target, state);
      return;
    }

    let change: RunChange = 'same';
    if (sample.server) {
      const { uptimeS, product, version, role } = sample.server;
      const run: RunReading = { runId: sample.server.runId, uptimeS, at: sample.at };
      if (state.run === undefined) this.restarts.inc(labels, 0);
      else change = compareRuns(state.run, run);
      if (change === 'restarted') this.restarts.inc(labels);
      state.run = run;
      setFinite(this.uptime, labels, uptimeS);
      const info = { product, version, role };
      if (
        state.info &&
        (state.info.product !== product || state.info.version !== version || state.info.role !== role)
      ) {
        this.serverInfo.remove({ target: sample.target, ...state.info });
      }
      state.info = info;
      this.serverInfo.set({ target: sample.target, ...info }, 1);
    }

    if (sample.counters) {
      for (const [key, counter] of this.mirrored) {
        mirror(counter, labels, state.counters?.[key], sample.counters[key], change);
      }
      state.counters = { ...sample.counters };
    }

    if (sample.gauges) {
      const g = sample.gauges;
      setFinite(this.connectedClients, labels, g.connectedClients);
      setOrRemove(this.maxclients, labels, g.maxclients);
      setFinite(this.blockedClients, labels, g.blockedClients);
      setOrRemove(this.pubsubClients, labels, g.pubsubClients);
      setFinite(this.memoryUsed, labels, g.usedMemoryBytes);
      setFinite(this.memoryMax, labels, g.maxmemoryBytes);
    }

    if (sample.clients) {
      const c = sample.clients;
      for (const [threshold, key] of IDLE_THRESHOLDS) {
        setFinite(this.idleConnections, { target: sample.target, threshold_seconds: threshold }, c.idle[key]);
      }
      setFinite(this.maxOutputBufferRatio, labels, c.maxOutputBufferRatio);
      setSeconds(this.clientListDuration, labels, c.durationMs);
    }
  }

  /**
   * Records one incident (or one grouped summary). Disconnects count the connections it closed where
   * the server says how many, else one per occurrence.
   */
  incident(incident: Incident): void {
    const occurrences =
      Number.isFinite(incident.occurrences) && incident.occurrences > 0 ? incident.occurrences : 1;
    const connections = isCount(incident.connections) ? incident.connections : occurrences;
    const { target, kind, cause, severity } = incident;
    this.incidents.inc({ target, kind, cause, severity });
    if (kind === 'failover') this.failovers.inc({ target }, occurrences);
    if (DISCONNECT_KINDS.includes(kind) && connections > 0) {
      this.disconnects.inc({ target, cause }, connections);
    }
  }

  private removeServerGauges(target: string, state: TargetState): void {
    const labels = { target };
    for (const gauge of [
      this.uptime,
      this.connectedClients,
      this.maxclients,
      this.blockedClients,
      this.pubsubClients,
      this.memoryUsed,
      this.memoryMax,
      this.maxOutputBufferRatio,
      this.clientListDuration,
    ]) {
      gauge.remove(labels);
    }
    for (const [threshold] of IDLE_THRESHOLDS) {
      this.idleConnections.remove({ target, threshold_seconds: threshold });
    }
    if (state.info) {
      this.serverInfo.remove({ target, ...state.info });
      state.info = undefined;
    }
  }

  private gauge(name: string, help: string): Gauge<'target'> {
    return new Gauge({
      name: `${WATCH_METRIC_PREFIX}${name}`,
      help,
      labelNames: ['target'],
      registers: [this.registry],
    });
  }

  private counter(name: string, help: string): Counter<'target'> {
    return new Counter({
      name: `${WATCH_METRIC_PREFIX}${name}`,
      help,
      labelNames: ['target'],
      registers: [this.registry],
    });
  }
}

const isCount = (value: number | undefined): value is number =>
  value !== undefined && Number.isFinite(value) && value >= 0;

/** Adds what a server counter gained since the previous sample; its first reading adds all of it. */
function mirror(
  counter: Counter<'target'>,
  labels: TargetLabels,
  previous: number | undefined,
  next: number | undefined,
  change: RunChange,
): void {
  const added = isCount(previous)
    ? counterDelta(previous, next, change)
    : change === 'replaced'
      ? undefined
      : next;
  if (isCount(added)) counter.inc(labels, added);
}

function setFinite<L extends string>(gauge: Gauge<L>, labels: Record<L, string>, value: number): void {
  if (Number.isFinite(value)) gauge.set(labels, value);
}

function setOrRemove(gauge: Gauge<'target'>, labels: TargetLabels, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) gauge.set(labels, value);
  else gauge.remove(labels);
}

function setSeconds(gauge: Gauge<'target'>, labels: TargetLabels, ms: number): void {
  if (Number.isFinite(ms) && ms >= 0) gauge.set(labels, ms / 1000);
}
