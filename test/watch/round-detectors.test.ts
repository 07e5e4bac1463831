/**
 * Detectors that compare two rounds, on rounds built by hand: the edges the end-to-end tests cannot
 * reach in seconds (tcp-keepalive bounds, lists far apart, a busy baseline, an older server taking
 * over an address, a server before 7.0) and the cost on 10,000 clients.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUFFER_LIMITS } from '../../src/core/parse-buffer-limits.js';
import { parseInfo } from '../../src/core/parse-info.js';
import { detectConnectionChurn } from '../../src/watch/detectors/connection-churn.js';
import {
  counterDelta,
  type DetectContext,
  type Detection,
  newDetectorMemory,
  type Round,
} from '../../src/watch/detectors/detect-context.js';
import { detectGhostConnections } from '../../src/watch/detectors/ghost-connections.js';
import { detectIdleTimeoutReaping } from '../../src/watch/detectors/idle-timeout-reaping.js';
import { detectMaxclientsReached } from '../../src/watch/detectors/maxclients-reached.js';
import { detectRoleChanged } from '../../src/watch/detectors/role-changed.js';
import { detectServerCrashed } from '../../src/watch/detectors/server-crashed.js';
import { detectServerFailover } from '../../src/watch/detectors/server-failover.js';
import { detectServerRestarted } from '../../src/watch/detectors/server-restarted.js';
import { resolveWatchOptions } from '../../src/watch/options.js';
import { briefClientList, type ClientList } from '../../src/watch/sampling/read-client-list.js';
import { counters, gauges, readInfo, serverFacts } from '../../src/watch/sampling/read-info.js';

/** Every detector of a new server process: restart, crash, failover. */
const serverChange = (ctx: DetectContext): Detection[] => [
  ...detectServerRestarted(ctx),
  ...detectServerCrashed(ctx),
  ...detectServerFailover(ctx),
];

const T0 = 1_700_000_000_000;

interface Client {
  id: number;
  addr?: string;
  name?: string;
  lib?: string;
  age: number;
  idle: number;
}

const line = (c: Client) =>
  `id=${c.id} addr=${c.addr ?? '10.0.0.5:40000'} laddr=10.0.0.1:6379 fd=8 name=${c.name ?? ''} age=${c.age} idle=${c.idle} flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=1800 events=r cmd=get user=default redir=-1 resp=2 lib-name=${c.lib ?? ''} lib-ver=`;

function clientList(at: number, clients: Client[]): ClientList {
  const text = clients.map(line).join('\n');
  return { at, ownId: '1', ...briefClientList(text, '1', DEFAULT_BUFFER_LIMITS, 1) };
}

function round(at: number, fields: Record<string, string | number> = {}, list?: ClientList): Round {
  const info = parseInfo(
    Object.entries({
      redis_version: '7.2.4',
      run_id: 'run-a',
      process_id: 100,
      uptime_in_seconds: 5000,
      connected_clients: 10,
      total_connections_received: 1000,
      rejected_connections: 0,
      evicted_clients: 0,
      ...fields,
    })
      .map(([k, v]) => `${k}:${v}`)
      .join('\r\n'),
  );
  return {
    sample: {
      target: 'redis://10.0.0.1:6379',
      at,
      up: true,
      durationMs: 1,
      server: serverFacts(info),
      counters: counters(info),
      gauges: gauges(info, undefined),
    },
    info,
    logEvents: [],
    ...(list ? { clientList: list } : {}),
  };
}

function context(cur: Round, prev: Round | undefined, more: Partial<DetectContext> = {}): DetectContext {
  return {
    cur,
    prev,
    prevList: prev?.clientList,
    config: { timeout: '0', 'tcp-keepalive': '0' },
    logFollowed: false,
    previousRunEnd: undefined,
    downSince: undefined,
    ownConnects: 0,
    options: resolveWatchOptions({ urls: [], ghostIdleS: 600 }),
    memory: newDetectorMemory(),
    cli: (...args) => `redis-cli ${args.join(' ')}`,
    ...more,
  };
}

describe('ghost-connections', () => {
  const ghost: Client = { id: 10, name: 'app', age: 5000, idle: 900 };
  const successor: Client = { id: 20, name: 'app', age: 800, idle: 1 };

  it('a long-idle connection with a younger sibling of the same application is a ghost', () => {
    const ctx = context(round(T0, {}, clientList(T0, [ghost, successor])), undefined);
    const [hit] = detectGhostConnections(ctx);
    expect(hit?.evidence).toMatchObject({ ghosts: [{ id: '10', newerId: '20' }] });
    // Reported once.
    expect(detectGhostConnections(ctx)).toEqual([]);
  });

  it('with tcp-keepalive K, a connection idle past about 2K answered the probes: alive, not a ghost', () => {
    const list = clientList(T0, [ghost, successor]);
    const config = { timeout: '0', 'tcp-keepalive': '300' };
    expect(detectGhostConnections(context(round(T0, {}, list), undefined, { config }))).toEqual([]);
    // Within 2K it may still be one.
    const young = clientList(T0, [
      { ...ghost, idle: 610 },
      { ...successor, age: 500 },
    ]);
    expect(detectGhostConnections(context(round(T0, {}, young), undefined, { config }))).toHaveLength(1);
  });

  it('unnamed clients without a lib-name (every client before 7.2) are never siblings', () => {
    const list = clientList(T0, [
      { ...ghost, name: '' },
      { ...successor, name: '' },
    ]);
    expect(detectGhostConnections(context(round(T0, {}, list), undefined))).toEqual([]);
    // Another host, or another application name, is no sibling either.
    const others = clientList(T0, [
      ghost,
      { ...successor, addr: '10.0.0.6:40000' },
      { ...successor, id: 21, name: 'worker' },
    ]);
    expect(detectGhostConnections(context(round(T0, {}, others), undefined))).toEqual([]);
  });

  it('10,000 clients: one pass, well under a round', () => {
    // 9,800 connections idle for 700 s, and each of 200 services reconnected 100 s ago.
    const many: Client[] = [];
    for (let i = 0; i < 10_000; i++) {
      const fresh = i >= 9_800;
      many.push({
        id: 100 + i,
        addr: `10.0.${i % 200}.9:${20000 + i}`,
        name: `svc-${i % 200}`,
        age: fresh ? 100 : 9000,
        idle: fresh ? 1 : 700,
      });
    }
    const list = clientList(T0, many);
    const started = performance.now();
    const [hit] = detectGhostConnections(context(round(T0, {}, list), undefined));
    const ms = performance.now() - started;
    expect(hit?.message).toMatch(/^9800 connections have been idle/);
    expect(ms).toBeLessThan(200);
  });
});

describe('idle-timeout-reaping', () => {
  const config = { timeout: '300', 'tcp-keepalive': '300' };
  const worker: Client = { id: 10, name: 'worker', age: 4000, idle: 297 };

  it('a client gone at the timeout between lists a few seconds apart: high confidence', () => {
    const before = round(T0, {}, clientList(T0, [worker]));
    const now = round(T0 + 5000, {}, clientList(T0 + 5000, []));
    const [hit] = detectIdleTimeoutReaping(context(now, before, { config }));
    expect(hit).toMatchObject({ confidence: 'high', connections: 1 });
  });

  it('lists far apart (a share of the timeout): any client that left looks reaped, so nothing is said', () => {
    const before = round(T0, {}, clientList(T0, [{ ...worker, idle: 100 }]));
    const now = round(T0 + 200_000, {}, clientList(T0 + 200_000, []));
    expect(detectIdleTimeoutReaping(context(now, before, { config }))).toEqual([]);
    const closer = round(T0, {}, clientList(T0, [{ ...worker, idle: 250 }]));
    const medium = round(T0 + 100_000, {}, clientList(T0 + 100_000, []));
    const [hit] = detectIdleTimeoutReaping(context(medium, closer, { config }));
    expect(hit?.confidence).toBe('medium');
  });
});

describe('connection-churn', () => {
  it('the first rate is the baseline: an app that connects per request is not a spike', () => {
    const memory = newDetectorMemory();
    const rounds = [0, 1, 2, 3].map((i) =>
      round(T0 + i * 5000, { total_connections_received: 1000 + i * 500 }),
    );
    const found = [1, 2, 3].flatMap((i) =>
      detectConnectionChurn(context(rounds[i] as Round, rounds[i - 1], { memory })),
    );
    expect(found).toEqual([]);
    expect(memory.churnBaselinePerS).toBe(100);
    // Four times the usual rate is.
    const storm = round(T0 + 20_000, { total_connections_received: 1000 + 1500 + 2500 });
    const [hit] = detectConnectionChurn(context(storm, rounds[3], { memory }));
    expect(hit?.evidence).toMatchObject({ ratePerSecond: 500, baselinePerSecond: 100 });
  });
});

describe('restart or failover', () => {
  const before = round(T0, {
    run_id: 'run-a',
    process_id: 100,
    client_output_buffer_limit_disconnections: 3,
  });

  it('a new run_id up for less than the time since the last sample: restart; its counters are all new', () => {
    const now = round(T0 + 5000, {
      run_id: 'run-b',
      process_id: 200,
      uptime_in_seconds: 3,
      client_output_buffer_limit_disconnections: 2,
    });
    const ctx = context(now, before);
    expect(serverChange(ctx).map((d) => d.kind)).toEqual(['server-restarted']);
    expect(counterDelta(ctx, 'outputBufferKills')).toBe(2);
  });

  it('behind a proxy that hides run_id, an uptime that went down is a restart', () => {
    const hidden = round(T0, { run_id: '', uptime_in_seconds: 5000 });
    const now = round(T0 + 5000, { run_id: '', uptime_in_seconds: 2 });
    expect(serverChange(context(now, hidden)).map((d) => d.kind)).toEqual(['server-restarted']);
    const later = round(T0 + 5000, { run_id: '', uptime_in_seconds: 5005 });
    expect(serverChange(context(later, hidden))).toEqual([]);
  });

  it('a new run_id up for longer: another server took the address; no counter is compared', () => {
    const now = round(T0 + 5000, {
      run_id: 'run-standby',
      process_id: 300,
      uptime_in_seconds: 86_400,
      client_output_buffer_limit_disconnections: 40,
    });
    const ctx = context(now, before);
    const [hit] = serverChange(ctx);
    expect(hit).toMatchObject({ kind: 'server-failover', connections: 9 });
    expect(counterDelta(ctx, 'outputBufferKills')).toBeUndefined();
  });

  it('the same run_id with an uptime that went back (the host clock stepped back) is the same process', () => {
    const now = round(T0 + 5000, { uptime_in_seconds: 4000, rejected_connections: 2 });
    const ctx = context(now, round(T0, { rejected_connections: 1 }));
    expect(serverChange(ctx)).toEqual([]);
    expect(counterDelta(ctx, 'rejectedConnections')).toBe(1);
  });

  it('a counter that went down in the same run was reset (CONFIG RESETSTAT): all of it is new', () => {
    const now = round(T0 + 5000, { uptime_in_seconds: 5005, rejected_connections: 3 });
    const ctx = context(now, round(T0, { rejected_connections: 500 }));
    expect(serverChange(ctx)).toEqual([]);
    expect(counterDelta(ctx, 'rejectedConnections')).toBe(3);
    expect(detectMaxclientsReached(ctx).map((d) => d.connections)).toEqual([3]);
  });
});

describe('role-changed', () => {
  const master = round(T0, { role: 'master', uptime_in_seconds: 100 });

  it('a master demoted in the same process: critical, with the master it follows now', () => {
    const replica = round(T0 + 2000, {
      role: 'slave',
      uptime_in_seconds: 102,
      master_host: '10.0.0.2',
      master_port: 6380,
      master_link_status: 'up',
    });
    const [hit, ...more] = detectRoleChanged(context(replica, master));
    expect(more).toEqual([]);
    expect(hit).toMatchObject({ kind: 'role-changed', severity: 'critical', confidence: 'high' });
    expect(hit?.message).toMatch(/role master → slave .* It now replicates 10\.0\.0\.2:6380\..*READONLY/);
  });

  it('a replica promoted: a warning; no incident when the role stays, or when another process answers', () => {
    const replica = round(T0, { role: 'slave', uptime_in_seconds: 100 });
    expect(
      detectRoleChanged(context(round(T0 + 2000, { role: 'master', uptime_in_seconds: 102 }), replica)),
    ).toMatchObject([{ severity: 'warning', title: "The server's role changed to master" }]);
    expect(
      detectRoleChanged(context(round(T0 + 2000, { role: 'master', uptime_in_seconds: 102 }), master)),
    ).toEqual([]);
    // A new process (run_id changed) is server-failover / server-restarted's, not a role change.
    const other = round(T0 + 2000, { role: 'slave', run_id: 'run-b', uptime_in_seconds: 9000 });
    expect(detectRoleChanged(context(other, master))).toEqual([]);
    expect(serverChange(context(other, master)).map((d) => d.kind)).toEqual(['server-failover']);
  });
});

describe('readInfo on a server before 7.0', () => {
  it('falls back to INFO all once and keeps asking for it, without an error reply per round', async () => {
    const calls: string[][] = [];
    const redis = {
      call: async (...args: string[]) => {
        calls.push(args);
        if (args.length > 2) throw new Error('ERR syntax error');
        return 'redis_version:6.2.14\r\nrun_id:abc\r\n';
      },
    } as unknown as Parameters<typeof readInfo>[0];
    const mode = { all: false };
    for (let i = 0; i < 3; i++) expect((await readInfo(redis, mode)).fields.redis_version).toBe('6.2.14');
    expect(calls.filter((c) => c.length > 2)).toHaveLength(1);
    expect(calls.filter((c) => c[1] === 'all')).toHaveLength(3);
  });
});
