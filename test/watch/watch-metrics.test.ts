import { describe, expect, it } from 'vitest';
import { DISCONNECT_CAUSES, WatchMetrics } from '../../src/watch/metrics/watch-metrics.js';
import {
  CAUSE_OF_INCIDENT,
  type Counters,
  type Incident,
  type IncidentKind,
  type Sample,
} from '../../src/watch/types.js';

const T = 'redis://:***@127.0.0.1:7001/';

function sample(
  overrides: Omit<Partial<Sample>, 'counters'> & {
    counters?: Partial<Counters>;
    runId?: string;
    uptimeS?: number;
  } = {},
): Sample {
  const { counters, runId, uptimeS, ...rest } = overrides;
  return {
    target: T,
    at: 1_700_000_000_000,
    up: true,
    durationMs: 12,
    server: {
      product: 'redis',
      version: '7.4.1',
      runId: runId ?? 'run-a',
      pid: 42,
      uptimeS: uptimeS ?? 1000,
      role: 'master',
    },
    counters: {
      connectionsReceived: 100,
      rejectedConnections: 0,
      evictedClients: 0,
      outputBufferKills: 0,
      queryBufferKills: 0,
      clientKillCalls: 0,
      errorReplies: 0,
      ...counters,
    },
    gauges: {
      connectedClients: 10,
      maxclients: 10_000,
      blockedClients: 1,
      pubsubClients: 2,
      usedMemoryBytes: 1_000_000,
      maxmemoryBytes: 0,
    },
    ...rest,
  };
}

function incident(overrides: Partial<Incident> = {}): Incident {
  const at = '2024-01-01T12:00:00.000Z';
  return {
    id: `${T}#1`,
    target: T,
    kind: 'output-buffer-kills',
    cause: 'output-buffer-limit',
    severity: 'critical',
    confidence: 'high',
    title: 'Output buffer kills',
    message: '3 clients were closed for client-output-buffer-limit.',
    evidence: { delta: 3 },
    fix: [],
    docs: 'docs/rules/output-buffer-kills.md',
    at,
    occurrences: 1,
    firstAt: at,
    lastAt: at,
    ...overrides,
  };
}

/** The value of the exposition line `name{labels} value`, labels matched exactly as printed. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const tl = `target="${T}"`;

describe('WatchMetrics', () => {
  it('exposes the gauges of the latest sample with HELP/TYPE lines, in its own registry', async () => {
    const m = new WatchMetrics();
    m.observe(sample());
    const text = await m.registry.metrics();
    expect(text).toContain('# TYPE lifeline_watch_up gauge');
    expect(text).toContain('# TYPE lifeline_watch_connections_received_total counter');
    expect(value(text, `lifeline_watch_up{${tl}}`)).toBe(1);
    expect(value(text, `lifeline_watch_sample_duration_seconds{${tl}}`)).toBe(0.012);
    expect(value(text, `lifeline_watch_last_sample_timestamp_seconds{${tl}}`)).toBe(1_700_000_000);
    expect(value(text, `lifeline_watch_connected_clients{${tl}}`)).toBe(10);
    expect(value(text, `lifeline_watch_maxclients{${tl}}`)).toBe(10_000);
    expect(value(text, `lifeline_watch_blocked_clients{${tl}}`)).toBe(1);
    expect(value(text, `lifeline_watch_pubsub_clients{${tl}}`)).toBe(2);
    expect(value(text, `lifeline_watch_memory_used_bytes{${tl}}`)).toBe(1_000_000);
    expect(value(text, `lifeline_watch_memory_max_bytes{${tl}}`)).toBe(0);
    expect(value(text, `lifeline_watch_uptime_seconds{${tl}}`)).toBe(1000);
    expect(value(text, `lifeline_watch_restarts_total{${tl}}`)).toBe(0);
    expect(
      value(text, `lifeline_watch_server_info{${tl},product="redis",version="7.4.1",role="master"}`),
    ).toBe(1);
    // First sample: the mirrors start at the server's own value.
    expect(value(text, `lifeline_watch_connections_received_total{${tl}}`)).toBe(100);
    // Not on the global registry.
    const { register } = await import('prom-client');
    expect(await register.metrics()).not.toContain('lifeline_watch_');
  });

  it('keeps mirrored counters monotonic across a restart and counts the restart', async () => {
    const m = new WatchMetrics();
    m.observe(sample({ counters: { connectionsReceived: 100, rejectedConnections: 5, errorReplies: 7 } }));
    m.observe(sample({ counters: { connectionsReceived: 130, rejectedConnections: 5, errorReplies: 9 } }));
    let text = await m.registry.metrics();
    expect(value(text, `lifeline_watch_connections_received_total{${tl}}`)).toBe(130);
    expect(value(text, `lifeline_watch_rejected_connections_total{${tl}}`)).toBe(5);
    expect(value(text, `lifeline_watch_error_replies_total{${tl}}`)).toBe(9);

    // Restart: the server's counters fall back to small numbers and run_id changes.
    m.observe(
      sample({
        runId: 'run-b',
        uptimeS: 0,
        counters: { connectionsReceived: 4, rejectedConnections: 1, errorReplies: 0 },
      }),
    );
    text = await m.registry.metrics();
    expect(value(text, `lifeline_watch_connections_received_total{${tl}}`)).toBe(134);
    expect(value(text, `lifeline_watch_rejected_connections_total{${tl}}`)).toBe(6);
    expect(value(text, `lifeline_watch_error_replies_total{${tl}}`)).toBe(9);
    expect(value(text, `lifeline_watch_restarts_total{${tl}}`)).toBe(1);

    // A restart whose counter already climbed above the old value still adds all of it (run_id says so).
    m.observe(sample({ runId: 'run-c', uptimeS: 1, counters: { connectionsReceived: 500 } }));
    text = await m.registry.metrics();
    expect(value(text, `lifeline_watch_connections_received_total{${tl}}`)).toBe(634);
    expect(value(text, `lifeline_watch_restarts_total{${tl}}`)).toBe(2);

    // Same run, ordinary growth.
    m.observe(sample({ runId: 'run-c', counters: { connectionsReceived: 510 } }));
    text = await m.registry.metrics();
    expect(value(text, `lifeline_watch_connections_received_total{${tl}}`)).toBe(644);
    expect(value(text, `lifeline_watch_restarts_total{${tl}}`)).toBe(2);
  });

  it('a failover (new run_id, up for longer than since the last sample) is no restart and adds nothing', async () => {
    const m = new WatchMetrics();
    const series = `lifeline_watch_connections_received_total{${tl}}`;
    m.observe(sample({ counters: { connectionsReceived: 50 } }));
    // Another server, up for days, with its own lifetime count.
    m.observe(
      sample({
        at: 1_700_000_001_000,
        runId: 'standby',
        uptimeS: 400_000,
        counters: { connectionsReceived: 90_000 },
      }),
    );
    let text = await m.registry.metrics();
    expect(value(text, series)).toBe(50);
    expect(value(text, `lifeline_watch_restarts_total{${tl}}`)).toBe(0);
    // From then on, its growth counts.
    m.observe(
      sample({
        at: 1_700_000_002_000,
        runId: 'standby',
        uptimeS: 400_001,
        counters: { connectionsReceived: 90_007 },
      }),
    );
    text = await m.registry.metrics();
    expect(value(text, series)).toBe(57);
  });

  it('behind a proxy that hides run_id, an uptime that went back is a restart', async () => {
    const m = new WatchMetrics();
    const series = `lifeline_watch_rejected_connections_total{${tl}}`;
    const hidden = (at: number, uptimeS: number, rejected: number): Sample => {
      const s = sample({ at, uptimeS, counters: { rejectedConnections: rejected } });
      const { runId: _, ...server } = s.server as NonNullable<Sample['server']>;
      return { ...s, server: server as NonNullable<Sample['server']> };
    };
    m.observe(hidden(1_700_000_000_000, 5000, 10));
    m.observe(hidden(1_700_000_010_000, 5010, 11));
    // Restarted: up 3 s, and 12 rejections since (more than the old process had).
    m.observe(hidden(1_700_000_020_000, 3, 12));
    const text = await m.registry.metrics();
    expect(value(text, `lifeline_watch_restarts_total{${tl}}`)).toBe(1);
    expect(value(text, series)).toBe(11 + 12);
    // Histories and older callers wrote run_id '' when it was hidden: the same.
    const old = new WatchMetrics();
    for (const s of [hidden(1_700_000_000_000, 5000, 10), hidden(1_700_000_020_000, 3, 12)])
      old.observe({ ...s, server: { ...(s.server as NonNullable<Sample['server']>), runId: '' } });
    expect(value(await old.registry.metrics(), `lifeline_watch_restarts_total{${tl}}`)).toBe(1);
  });

  it('detects a restart across a down period and never lets a counter go down', async () => {
    const m = new WatchMetrics();
    const seen: number[] = [];
    const series = `lifeline_watch_connections_received_total{${tl}}`;
    const steps: Sample[] = [
      sample({ counters: { connectionsReceived: 50 } }),
      { target: T, at: 1_700_000_005_000, up: false, error: 'connect ECONNREFUSED', durationMs: 3 },
      sample({ runId: 'run-b', uptimeS: 1, counters: { connectionsReceived: 2 } }),
      sample({ runId: 'run-b', counters: { connectionsReceived: 1 } }), // odd server: dropped without run_id change
      sample({ runId: 'run-b', counters: { connectionsReceived: 3 } }),
    ];
    for (const s of steps) {
      m.observe(s);
      seen.push(value(await m.registry.metrics(), series) ?? Number.NaN);
    }
    expect(seen).toEqual([50, 50, 52, 53, 55]);
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
    expect(value(await m.registry.metrics(), `lifeline_watch_restarts_total{${tl}}`)).toBe(1);
  });

  it('on a failed sample shows up 0, drops the server gauges and keeps the counters', async () => {
    const m = new WatchMetrics();
    m.observe(
      sample({
        clients: {
          durationMs: 4,
          total: 9,
          idle: { over60s: 3, over300s: 2, over3600s: 1 },
          maxOutputBufferRatio: 0.25,
        },
      }),
    );
    m.observe({ target: T, at: 1_700_000_010_000, up: false, error: 'timeout', durationMs: 2000 });
    const text = await m.registry.metrics();
    expect(value(text, `lifeline_watch_up{${tl}}`)).toBe(0);
    expect(value(text, `lifeline_watch_sample_duration_seconds{${tl}}`)).toBe(2);
    expect(value(text, `lifeline_watch_samples_total{${tl}}`)).toBe(2);
    expect(value(text, `lifeline_watch_sample_failures_total{${tl}}`)).toBe(1);
    expect(value(text, `lifeline_watch_connected_clients{${tl}}`)).toBeUndefined();
    expect(value(text, `lifeline_watch_idle_connections{${tl},threshold_seconds="60"}`)).toBeUndefined();
    expect(text).not.toMatch(/^lifeline_watch_server_info\{/m);
    expect(value(text, `lifeline_watch_connections_received_total{${tl}}`)).toBe(100);
  });

  it('exposes idle connections by threshold_seconds and the CLIENT LIST gauges', async () => {
    const m = new WatchMetrics();
    m.observe(
      sample({
        clients: {
          durationMs: 35,
          total: 40,
          idle: { over60s: 12, over300s: 5, over3600s: 1 },
          maxOutputBufferRatio: 0.75,
        },
      }),
    );
    // A round without CLIENT LIST keeps the last values.
    m.observe(sample());
    const text = await m.registry.metrics();
    const idleLines = text.split('\n').filter((l) => l.startsWith('lifeline_watch_idle_connections{'));
    expect(idleLines).toEqual([
      `lifeline_watch_idle_connections{${tl},threshold_seconds="60"} 12`,
      `lifeline_watch_idle_connections{${tl},threshold_seconds="300"} 5`,
      `lifeline_watch_idle_connections{${tl},threshold_seconds="3600"} 1`,
    ]);
    expect(value(text, `lifeline_watch_max_output_buffer_ratio{${tl}}`)).toBe(0.75);
    expect(value(text, `lifeline_watch_client_list_duration_seconds{${tl}}`)).toBe(0.035);
  });

  it('leaves out what the server does not report, rather than exposing a false zero', async () => {
    const m = new WatchMetrics();
    const old = sample();
    old.counters = { connectionsReceived: 10, rejectedConnections: 0, clientKillCalls: 0 };
    old.gauges = { connectedClients: 3, blockedClients: 0, usedMemoryBytes: 10, maxmemoryBytes: 0 };
    m.observe(old);
    const text = await m.registry.metrics();
    expect(value(text, `lifeline_watch_connections_received_total{${tl}}`)).toBe(10);
    expect(text).not.toMatch(/^lifeline_watch_output_buffer_kills_total\{/m);
    expect(text).not.toMatch(/^lifeline_watch_evicted_clients_total\{/m);
    expect(text).not.toMatch(/^lifeline_watch_maxclients\{/m);
    expect(text).not.toMatch(/^lifeline_watch_pubsub_clients\{/m);
  });

  it('counts disconnects by cause (connections, else occurrences) and incidents by kind, cause and severity', async () => {
    const m = new WatchMetrics();
    m.observe(sample());
    let text = await m.registry.metrics();
    // Every disconnect cause exists at 0 from the first sample, so increase() sees the first drop.
    for (const cause of DISCONNECT_CAUSES) {
      expect(value(text, `lifeline_watch_disconnects_total{${tl},cause="${cause}"}`)).toBe(0);
    }
    const of = (kind: IncidentKind, more: Partial<Incident> = {}) =>
      incident({ kind, cause: CAUSE_OF_INCIDENT[kind], ...more });
    m.incident(incident());
    m.incident(incident({ id: `${T}#2~repeats`, occurrences: 4 }));
    m.incident(of('idle-timeout-reaping', { severity: 'warning' }));
    m.incident(of('output-buffer-at-risk', { severity: 'warning' }));
    m.incident(of('maxclients-reached', { connections: 37 }));
    m.incident(of('ghost-connections', { severity: 'warning' }));
    text = await m.registry.metrics();
    // Where the server says how many connections, those are counted, not the incident.
    expect(value(text, `lifeline_watch_disconnects_total{${tl},cause="maxclients"}`)).toBe(37);
    // A ghost is a connection the server still holds: an incident, not a disconnect.
    expect(text).not.toContain('cause="half-open"}');
    expect(
      value(
        text,
        `lifeline_watch_incidents_total{${tl},kind="ghost-connections",cause="half-open",severity="warning"}`,
      ),
    ).toBe(1);
    // The kills and the risk share the cause output-buffer-limit; only the kills are disconnects.
    expect(value(text, `lifeline_watch_disconnects_total{${tl},cause="output-buffer-limit"}`)).toBe(5);
    expect(value(text, `lifeline_watch_disconnects_total{${tl},cause="idle-timeout"}`)).toBe(1);
    expect(value(text, `lifeline_watch_disconnects_total{${tl},cause="client-eviction"}`)).toBe(0);
    expect(
      value(
        text,
        `lifeline_watch_incidents_total{${tl},kind="output-buffer-kills",cause="output-buffer-limit",severity="critical"}`,
      ),
    ).toBe(2);
    expect(
      value(
        text,
        `lifeline_watch_incidents_total{${tl},kind="output-buffer-at-risk",cause="output-buffer-limit",severity="warning"}`,
      ),
    ).toBe(1);
  });

  it('keeps targets apart and its label set bounded', async () => {
    const m = new WatchMetrics();
    const other = 'redis://127.0.0.1:7002/';
    m.observe(sample({ counters: { connectionsReceived: 1 } }));
    m.observe({ ...sample({ counters: { connectionsReceived: 900 } }), target: other });
    const text = await m.registry.metrics();
    expect(value(text, `lifeline_watch_connections_received_total{${tl}}`)).toBe(1);
    expect(value(text, `lifeline_watch_connections_received_total{target="${other}"}`)).toBe(900);
    // Every label any metric declares: none can carry a client id, address or name.
    const declared = m.registry
      .getMetricsAsArray()
      .flatMap((metric) => (metric as unknown as { labelNames: string[] }).labelNames);
    expect([...new Set(declared)].sort()).toEqual([
      'cause',
      'kind',
      'product',
      'role',
      'severity',
      'target',
      'threshold_seconds',
      'version',
    ]);
    const json = await m.registry.getMetricsAsJSON();
    for (const metric of json) expect(metric.name.startsWith('lifeline_watch_')).toBe(true);
  });
});
