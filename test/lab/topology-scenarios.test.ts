/**
 * The failover scenarios against real topologies (a Sentinel set, a 3 + 3 cluster), once per client:
 * each write the client acknowledged is read back from the final master, and the figures must add up
 * (acknowledged + rejected = sent) and show what the libraries are known to do. ioredis and node-redis
 * run side by side (each scenario on its own processes) to keep the file near a minute.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderLabMarkdown } from '../../src/lab/report/render-lab-markdown.js';
import { type LabReport, type LabResult, runLab } from '../../src/lab/run-lab.js';
import type { ScenarioMeasurement } from '../../src/lab/run-scenario.js';
import type { TrackedCommand } from '../../src/lab/scenarios/app-traffic.js';
import { FAILOVER_SCENARIOS } from '../../src/lab/scenarios/index.js';
import { judge } from '../../src/lab/verdict.js';

const CLIENTS = ['ioredis', 'node-redis'] as const;
type Client = (typeof CLIENTS)[number];

/** The redis-server processes this test process started and that still run. */
function ourRedisServers(): string[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), 'redis-server'], { encoding: 'utf8' })
      .trim()
      .split('\n');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('failover scenarios against real topologies', () => {
  const reports = {} as Record<Client, LabReport>;
  let wrappedReports: Record<Client, LabReport>;

  beforeAll(async () => {
    const started = performance.now();
    const clusterScenarios = ['cluster-master-kill', 'cluster-failover'];
    const [ioredis, nodeRedis, lifelineIoredis, lifelineNodeRedis] = await Promise.all([
      runLab({ client: 'ioredis', failover: true }),
      runLab({ client: 'node-redis', failover: true }),
      runLab({ client: 'lifeline-ioredis', only: clusterScenarios }),
      runLab({ client: 'lifeline-node-redis', only: [...clusterScenarios, 'sentinel-failover'] }),
    ]);
    reports.ioredis = ioredis;
    reports['node-redis'] = nodeRedis;
    wrappedReports = { ioredis: lifelineIoredis, 'node-redis': lifelineNodeRedis };
    console.log(
      `failover scenarios, both clients side by side: ${Math.round(performance.now() - started)} ms`,
    );
    for (const report of [ioredis, nodeRedis, lifelineIoredis, lifelineNodeRedis]) {
      for (const { measurement: m, verdict: v } of report.results) {
        console.log(`${report.client} ${m.scenario}: ${v.summary} (${m.durationMs} ms)`);
      }
    }
  }, 150_000);

  const result = (client: Client, id: string): LabResult => {
    const found = reports[client].results.find((r) => r.measurement.scenario === id);
    if (!found) throw new Error(`no ${id} result for ${client}`);
    return found;
  };
  const rejections = (m: ScenarioMeasurement) =>
    m.commands.filter((c) => c.kind === 'write' && c.outcome === 'error').map((c) => c.error ?? '');

  it('runs every failover scenario to the end for both clients, and leaves no process running', () => {
    for (const client of CLIENTS) {
      expect(reports[client].results.map((r) => r.measurement.scenario)).toEqual(
        FAILOVER_SCENARIOS.map((s) => s.id),
      );
      expect(reports[client].results.map((r) => r.measurement.error ?? null)).toEqual(
        FAILOVER_SCENARIOS.map(() => null),
      );
    }
    expect(ourRedisServers()).toEqual([]);
  });

  describe.each(CLIENTS)('%s', (client) => {
    it.each(FAILOVER_SCENARIOS.map((s) => s.id))(
      '%s: a replica is promoted, and every write is accounted for',
      (id) => {
        const { measurement: m, verdict: v } = result(client, id);
        expect(m.topology).toBe(id.startsWith('cluster') ? 'cluster' : 'sentinel');
        expect(m.failover?.newMaster).toBeDefined();
        expect(m.failover?.newMaster).not.toBe(m.failover?.oldMaster);
        expect(m.clearAt).toBeGreaterThanOrEqual(m.faultAt ?? Number.POSITIVE_INFINITY);
        const w = v.writes;
        if (!w) throw new Error('no write figures');
        // ~50 writes/s from 1 s before the fault until the end of the run.
        const writingMs = (m.commands.at(-1)?.sentAt ?? 0) - (m.commands[0]?.sentAt ?? 0);
        expect(w.sent).toBeGreaterThan((writingMs / 1000) * 40);
        expect(w.sent).toBeLessThan((writingMs / 1000) * 55 + 5);
        expect(w.pending).toBe(0);
        expect(w.acknowledged + w.rejected).toBe(w.sent);
        expect(v.ackedLost).not.toBeNull();
        expect(v.staleMasterMs).not.toBeNull();
        // The topology doctor afterwards (through the sentinels, or the whole cluster) names the
        // failover, or the dead master or the demoted one still written to that caused it.
        expect(m.doctor.error).toBeUndefined();
        expect(m.doctor.findings.map((f) => f.ruleId)).toContain('failover-recent');
        expect(['failover-recent', 'node-failed', 'stale-master-writes']).toContain(m.doctor.mostLikelyCause);
        // The client-side count of writes that went to the old master after the promotion matches what
        // the old master itself executed then (its commandstats, sampled every 50 ms).
        const executed = m.failover?.oldMasterWritesAfterPromotion ?? -100;
        expect(
          Math.abs(w.toStaleMaster - executed),
          `client counted ${w.toStaleMaster} writes to the old master after the promotion; it executed ${executed}`,
        ).toBeLessThanOrEqual(8);
      },
    );

    it('sentinel-failover: acknowledged writes go to the old master after the promotion and are lost', () => {
      const { measurement: m, verdict: v } = result(client, 'sentinel-failover');
      expect(v.ackedLost).toBeGreaterThan(0);
      expect(v.writes?.toStaleMaster).toBeGreaterThan(0);
      expect(v.status).toBe('fail');
      if (client === 'ioredis') {
        // ioredis keeps its connection to the old master until Sentinel demotes it (~10 s later) and
        // kills its clients: hundreds of acknowledged writes lost, not one error.
        expect(v.ackedLost).toBeGreaterThan(200);
        expect(v.staleMasterMs).toBeGreaterThan(5000);
        expect(v.writes?.rejected).toBe(0);
      } else {
        // node-redis's Sentinel client follows the master change the sentinels announce, within ~1 s.
        expect(v.staleMasterMs).toBeLessThan(5000);
        expect(m.events.some((e) => e.event === 'topology-change')).toBe(true);
      }
      expect(v.recoverMs).not.toBeNull();
    });

    it('sentinel-master-kill: nothing can go to a dead master; the app reaches the new one', () => {
      const { measurement: m, verdict: v } = result(client, 'sentinel-master-kill');
      expect(v.staleMasterMs).toBe(0);
      expect(v.writes?.toStaleMaster).toBe(0);
      expect(v.ackedLost).toBeLessThanOrEqual(3); // only writes acknowledged but not yet replicated
      // down-after-milliseconds 2000, then the election.
      expect((m.clearAt ?? 0) - (m.faultAt ?? 0)).toBeGreaterThan(2000);
      expect(v.detectMs).not.toBeNull();
      expect(v.recoverMs).not.toBeNull();
    });

    it('readonly-after-demotion: the client stays on the demoted master and gets READONLY to the end', () => {
      const { measurement: m, verdict: v } = result(client, 'readonly-after-demotion');
      const rejected = rejections(m);
      expect(rejected.length).toBeGreaterThan((v.writes?.sent ?? 0) * 0.6);
      expect(rejected.every((e) => /READONLY/.test(e))).toBe(true);
      expect(v.ackedLost).toBe(0);
      expect(v.staleMasterMs).toBe(0);
      expect(v.recoverMs).toBeNull();
      expect(v.status).toBe('fail');
    });

    it('cluster-failover: a manual failover loses nothing and the writes move at once', () => {
      const { verdict: v } = result(client, 'cluster-failover');
      expect(v.ackedLost).toBe(0);
      expect(v.staleMasterMs).toBe(0);
      expect(v.recoverMs).not.toBeNull();
      expect(v.recoverMs).toBeLessThan(3000);
    });

    it('cluster-master-kill: writes to the dead shard fail until its replica is promoted', () => {
      const { measurement: m, verdict: v } = result(client, 'cluster-master-kill');
      expect(v.writes?.rejected).toBeGreaterThan(10);
      expect(v.writes?.rejectedOverMs).toBeGreaterThan(1000);
      expect(v.staleMasterMs).toBe(0);
      expect(v.ackedLost).toBeLessThanOrEqual(3);
      expect(v.recoverMs).not.toBeNull();
      // cluster-node-timeout 2000, then the election.
      expect((m.clearAt ?? 0) - (m.faultAt ?? 0)).toBeGreaterThan(2000);
    });
  });

  it.each(CLIENTS)(
    'lifeline-%s on the cluster: a master kill fails at most half the writes the raw client fails, nothing runs twice, the failover is told',
    (client) => {
      const wrapped = (id: string) => {
        const found = wrappedReports[client].results.find((r) => r.measurement.scenario === id);
        if (!found) throw new Error(`no ${id} result for lifeline-${client}`);
        return found;
      };
      const kill = wrapped('cluster-master-kill');
      const raw = result(client, 'cluster-master-kill');
      expect(kill.measurement.error).toBeUndefined();
      expect(kill.verdict.writes?.rejected ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(
        Math.floor((raw.verdict.writes?.rejected ?? 0) / 2),
      );
      expect(kill.verdict).toMatchObject({ executedTwice: 0, staleMasterMs: 0 });
      expect(kill.verdict.ackedLost).toBeLessThanOrEqual(3);
      for (const { measurement: m } of [kill, wrapped('cluster-failover')]) {
        const told = m.events.filter((e) => e.event === 'lifeline:failover').map((e) => e.message);
        expect(told).toEqual([`127.0.0.1:${m.failover?.oldMaster} → 127.0.0.1:${m.failover?.newMaster}`]);
      }
      expect(wrapped('cluster-failover').verdict).toMatchObject({ ackedLost: 0, executedTwice: 0 });
    },
  );

  it('lifeline-node-redis behind Sentinel: node-redis follows the switch as it does raw, nothing runs twice, the failover is told', () => {
    const found = wrappedReports['node-redis'].results.find(
      (r) => r.measurement.scenario === 'sentinel-failover',
    );
    if (!found) throw new Error('no sentinel-failover result for lifeline-node-redis');
    const { measurement: m, verdict: v } = found;
    expect(m.error).toBeUndefined();
    expect(v.executedTwice).toBe(0);
    // Lost between the promotion and node-redis's move (~1 s): the server's to prevent (min-replicas-to-write).
    expect(v.staleMasterMs).toBeLessThan(5000);
    expect(v.ackedLost ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(
      (result('node-redis', 'sentinel-failover').verdict.ackedLost ?? 0) + 30,
    );
    const told = m.events.filter((e) => e.event === 'lifeline:failover').map((e) => e.message);
    expect(told).toEqual([`127.0.0.1:${m.failover?.oldMaster} → 127.0.0.1:${m.failover?.newMaster}`]);
  });

  it('the markdown report gains the two failover columns', () => {
    const table = renderLabMarkdown(reports.ioredis);
    expect(table).toContain('| acked lost | stale master |');
    const row = table.split('\n').find((line) => line.includes('sentinel-failover')) ?? '';
    const v = result('ioredis', 'sentinel-failover').verdict;
    expect(row).toContain(`| ${v.ackedLost} | ${v.staleMasterMs} ms |`);
  });
});

describe('judge: the failover figures', () => {
  const write = (seq: number, fields: Partial<TrackedCommand>): TrackedCommand => ({
    seq,
    kind: 'write',
    command: `INCR lab:w:${seq}`,
    sentAt: seq * 20,
    ...fields,
  });
  const measurement = (
    commands: TrackedCommand[],
    executions: Record<number, number>,
  ): ScenarioMeasurement => ({
    scenario: 'sentinel-failover',
    title: '',
    client: 'ioredis',
    topology: 'sentinel',
    events: [],
    commands,
    executions,
    faultAt: 100,
    clearAt: 200, // the promotion
    failover: { oldMaster: 1, newMaster: 2 },
    published: 0,
    received: 0,
    notes: {},
    doctor: { mostLikelyCause: null, findings: [], checks: [] },
    durationMs: 1000,
  });

  it('counts acknowledged writes missing or with another value, the stale time, and recovery on the new master', () => {
    const v = judge(
      measurement(
        [
          write(1, { outcome: 'ok', reply: '1', settledAt: 30, node: 2 }), // replicated before the failover
          write(2, { outcome: 'ok', reply: '1', settledAt: 150, node: 2 }), // lost before the promotion
          write(3, { outcome: 'ok', reply: '1', settledAt: 260, node: 2 }), // went to the old master
          write(4, { outcome: 'ok', reply: '1', settledAt: 700, node: 2 }), // ran twice: value 2
          write(11, { outcome: 'ok', reply: '1', settledAt: 230, node: 2 }), // the first on the new master
          write(12, { outcome: 'error', error: 'READONLY', settledAt: 250, node: 2 }),
          write(13, { outcome: 'error', error: 'READONLY', settledAt: 400, node: 2 }),
        ],
        { 1: 1, 2: 0, 3: 0, 4: 2, 11: 1, 12: 0, 13: 0 },
      ),
    );
    expect(v.ackedLost).toBe(3);
    expect(v.staleMasterMs).toBe(60);
    expect(v.writes).toEqual({
      sent: 7,
      acknowledged: 5,
      rejected: 2,
      pending: 0,
      toStaleMaster: 1,
      rejectedOverMs: 150,
    });
    expect(v.recoverMs).toBe(30); // write 11, sent at 220, settled at 230
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(
      /^3 acknowledged writes lost \(1 of them written to the old master up to 60 ms/,
    );
  });

  it('a single-server scenario has no failover figures; a topology with no write on the new master fails', () => {
    const single = { ...measurement([], {}), topology: undefined, failover: undefined };
    expect(judge(single)).toMatchObject({ ackedLost: null, staleMasterMs: null });
    expect(judge(single).writes).toBeUndefined();
    const readonly = judge(
      measurement([write(11, { outcome: 'error', error: 'READONLY', settledAt: 230, node: 2 })], { 11: 0 }),
    );
    expect(readonly).toMatchObject({ ackedLost: 0, staleMasterMs: 0, recoverMs: null, status: 'fail' });
  });
});
