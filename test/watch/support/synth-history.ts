import type { Fix } from '../../../src/doctor/report/types.js';
import {
  CAUSE_OF_INCIDENT,
  type Counters,
  type HistoryRecord,
  type Incident,
  type IncidentKind,
  type Sample,
} from '../../../src/watch/types.js';

export const T0 = Date.parse('2025-03-04T09:00:00.000Z');
export const CACHE = 'redis://cache-1.internal:6379';
export const SESSIONS = 'redis://app:***@sessions.internal:6380';

/** Deterministic noise, so every run (and the screenshot) draws the same history. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

export function sample(target: string, at: number, fields: Partial<Sample> = {}): HistoryRecord {
  return { type: 'sample', target, at, up: true, durationMs: 1, ...fields };
}

export function upSample(
  target: string,
  at: number,
  runId: string,
  connected: number,
  counters: Partial<Counters>,
  maxclients = 1000,
): HistoryRecord {
  return sample(target, at, {
    // Up 1 s: a new run id in these histories is always a restart, never a failover.
    server: { product: 'redis', version: '7.4.1', runId, pid: 42, uptimeS: 1, role: 'master' },
    counters: { connectionsReceived: 0, rejectedConnections: 0, clientKillCalls: 0, ...counters },
    gauges: {
      connectedClients: connected,
      maxclients,
      blockedClients: 0,
      usedMemoryBytes: 1e8,
      maxmemoryBytes: 0,
    },
  });
}

let sequence = 0;
export function incident(
  target: string,
  at: number,
  kind: IncidentKind,
  severity: Incident['severity'],
  message: string,
  fix: Fix[] = [],
  occurrences = 1,
): HistoryRecord {
  sequence += 1;
  const iso = new Date(at).toISOString();
  return {
    type: 'incident',
    id: `${target}#${sequence}`,
    target,
    kind,
    cause: CAUSE_OF_INCIDENT[kind],
    severity,
    confidence: 'high',
    title: kind.replace(/-/g, ' '),
    message,
    evidence: {},
    fix,
    docs: `docs/rules/${kind}.md`,
    at: iso,
    occurrences,
    firstAt: iso,
    lastAt: iso,
  };
}

export interface Synthesized {
  records: HistoryRecord[];
  /** What the generator put in, counted independently of the code under test. */
  expected: {
    samples: Record<string, number>;
    rejected: Record<string, number>;
    kills: Record<string, number>;
    downSamples: Record<string, number>;
    incidents: number;
    restarts: Record<string, number>;
  };
}

/**
 * Two hours of one watch run over two targets, every 10 s: on cache-1 a maxclients burst (rejections),
 * output-buffer kills, then a crash (40 s down, new run id, counters back to zero); on sessions a
 * client-eviction episode.
 */
export function realisticHistory(intervalMs = 10_000): Synthesized {
  const rand = random(7);
  const steps = (2 * 3600_000) / intervalMs;
  const records: HistoryRecord[] = [
    {
      type: 'start',
      at: new Date(T0).toISOString(),
      tool: { name: 'redis-lifeline', version: '0.1.0' },
      targets: [CACHE, SESSIONS],
      intervalMs,
    },
  ];
  const expected: Synthesized['expected'] = {
    samples: { [CACHE]: 0, [SESSIONS]: 0 },
    rejected: { [CACHE]: 0, [SESSIONS]: 0 },
    kills: { [CACHE]: 0, [SESSIONS]: 0 },
    downSamples: { [CACHE]: 0, [SESSIONS]: 0 },
    incidents: 0,
    restarts: { [CACHE]: 1, [SESSIONS]: 0 },
  };
  const minute = (m: number) => T0 + m * 60_000;
  const cache = { runId: 'a'.repeat(40), received: 50_000, rejected: 120, obk: 4, connected: 180 };
  const sessions = { evicted: 0, received: 9_000 };
  const push = (r: HistoryRecord) => {
    records.push(r);
    if (r.type === 'incident') expected.incidents += 1;
  };
  let burstAlerted = false;
  let killsAlerted = false;
  let downAlerted = false;
  let restartAlerted = false;
  let evictionAlerted = false;
  for (let i = 0; i < steps; i += 1) {
    const at = T0 + i * intervalMs;
    const first = i === 0;
    // cache-1
    expected.samples[CACHE] = (expected.samples[CACHE] ?? 0) + 1;
    if (at >= minute(90) && at < minute(90) + 40_000) {
      expected.downSamples[CACHE] = (expected.downSamples[CACHE] ?? 0) + 1;
      push(sample(CACHE, at, { up: false, error: 'connect ECONNREFUSED 10.0.4.17:6379', durationMs: 0 }));
      if (!downAlerted) {
        downAlerted = true;
        push(
          incident(CACHE, at, 'target-unreachable', 'critical', 'cache-1.internal:6379 refused connections.'),
        );
      }
    } else {
      if (at >= minute(90) + 40_000 && cache.runId.startsWith('a')) {
        // Crashed and came back: a new run id and every counter from zero.
        cache.runId = 'b'.repeat(40);
        cache.received = 0;
        cache.rejected = 0;
        cache.obk = 0;
        cache.connected = 5;
      }
      let connected = 180 + Math.round(25 * Math.sin(i / 40) + rand() * 12);
      let rejected = 0;
      let kills = 0;
      if (at >= minute(30) && at < minute(36)) {
        const into = (at - minute(30)) / 60_000;
        connected = Math.min(1000, Math.round(connected + into * 400));
        if (connected >= 1000) rejected = 15 + Math.round(rand() * 45);
      }
      if (at >= minute(60) && at < minute(63)) {
        // Slow pub/sub consumers cut off: kills, and the connections they held are gone.
        kills = 4 + Math.round(rand() * 12);
        connected -= 30;
      }
      if (cache.runId.startsWith('b')) {
        cache.connected = Math.min(connected, cache.connected + 40);
        connected = cache.connected;
      }
      cache.received += 3 + Math.round(rand() * 4) + rejected;
      cache.rejected += rejected;
      cache.obk += kills;
      if (!first) {
        expected.rejected[CACHE] = (expected.rejected[CACHE] ?? 0) + rejected;
        expected.kills[CACHE] = (expected.kills[CACHE] ?? 0) + kills;
      }
      push(
        upSample(CACHE, at, cache.runId, connected, {
          connectionsReceived: cache.received,
          rejectedConnections: cache.rejected,
          outputBufferKills: cache.obk,
          queryBufferKills: 0,
          evictedClients: 0,
        }),
      );
      if (rejected > 0 && !burstAlerted) {
        burstAlerted = true;
        push(
          incident(
            CACHE,
            at,
            'maxclients-reached',
            'critical',
            `${rejected} connections were rejected in 10s: 1000 of maxclients 1000 connected.`,
            [
              {
                command: 'redis-cli -h cache-1.internal CONFIG SET maxclients 4000',
                note: 'also raise the open-files limit (ulimit -n) of redis-server',
              },
            ],
            18,
          ),
        );
      }
      if (kills > 0 && !killsAlerted) {
        killsAlerted = true;
        push(
          incident(
            CACHE,
            at,
            'output-buffer-kills',
            'warning',
            `${kills} clients were closed for overcoming client-output-buffer-limit (pubsub 32mb 8mb 60).`,
            [
              {
                command:
                  'redis-cli -h cache-1.internal CONFIG SET client-output-buffer-limit "pubsub 64mb 16mb 60"',
                risk: 'a slow subscriber can then hold up to 64mb',
              },
            ],
            6,
          ),
        );
      }
      if (cache.runId.startsWith('b') && !restartAlerted) {
        restartAlerted = true;
        push(
          incident(
            CACHE,
            at,
            'server-crashed',
            'critical',
            'cache-1.internal:6379 restarted without a clean shutdown (new run id, uptime 3s); 212 clients were dropped.',
            [{ command: 'journalctl -k | grep -i "out of memory"', note: 'was it the OOM killer?' }],
          ),
        );
      }
    }
    // sessions
    expected.samples[SESSIONS] = (expected.samples[SESSIONS] ?? 0) + 1;
    let evicted = 0;
    if (at >= minute(75) && at < minute(77)) evicted = 1 + Math.round(rand() * 2);
    sessions.evicted += evicted;
    sessions.received += 1;
    if (!first) expected.kills[SESSIONS] = (expected.kills[SESSIONS] ?? 0) + evicted;
    push(
      upSample(
        SESSIONS,
        at,
        'c'.repeat(40),
        40 + Math.round(rand() * 4),
        { connectionsReceived: sessions.received, evictedClients: sessions.evicted },
        10_000,
      ),
    );
    if (evicted > 0 && !evictionAlerted) {
      evictionAlerted = true;
      push(
        incident(
          SESSIONS,
          at,
          'client-eviction',
          'warning',
          `${evicted} clients were evicted by maxmemory-clients (client memory 96mb of 100mb).`,
          [{ command: 'redis-cli -h sessions.internal -p 6380 CONFIG SET maxmemory-clients 200mb' }],
          4,
        ),
      );
    }
  }
  records.push({ type: 'stop', at: new Date(T0 + steps * intervalMs).toISOString() });
  return { records, expected };
}

export const toNdjson = (records: readonly unknown[]): string =>
  `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
