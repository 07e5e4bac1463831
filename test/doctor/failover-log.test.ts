/**
 * failover-recent reads the nodes' own logs (Redis 7.0.15, lab topologies on loopback, each node logging
 * to a file the doctor finds with CONFIG GET logfile): in a cluster, when each replica won its election,
 * whether someone asked (CLUSTER FAILOVER) or its master had failed (kill -9), and when the old master
 * rejoined as a replica; in a Sentinel set, when the promoted replica logged "MASTER MODE enabled", and
 * how long the old master stayed a master before Sentinel converted it.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { endpointOf } from '../../src/core/redis-url.js';
import type { RuleResult } from '../../src/doctor/report/types.js';
import failoverRecent from '../../src/doctor/rules/topology/failover-recent.js';
import { runTopologyRules } from '../../src/doctor/topology/evaluate-topology.js';
import { runTopologyDoctor } from '../../src/doctor/topology/run-topology-doctor.js';
import type { TopologyEvidence } from '../../src/doctor/topology/topology-evidence.js';
import { startCluster } from '../../src/lab/redis-server/start-cluster.js';
import { startSentinel } from '../../src/lab/redis-server/start-sentinel.js';
import { closeAfterEach } from '../support/fault-rig.js';
import { callOnce, waitFor } from '../support/with-redis.js';

const defer = closeAfterEach();

/** ROLE's first element on a fresh connection ('master', 'slave'), or undefined while it does not answer. */
async function roleOf(port: number): Promise<string | undefined> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const reply = (await redis.call('ROLE')) as unknown[];
    return String(reply[0]);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Waits (bounded) until the server at `port` answers ROLE as `role`; returns when the test saw it. */
async function seenAs(port: number, role: 'master' | 'slave', timeoutMs = 20_000): Promise<number> {
  await waitFor(
    `127.0.0.1:${port} to answer ROLE ${role}`,
    async () => (await roleOf(port)) === role,
    timeoutMs,
  );
  return Date.now();
}

function failoverFinding(results: readonly RuleResult[]): RuleResult {
  const result = results.find((r) => r.ruleId === 'failover-recent');
  expect(result?.status, JSON.stringify(result)).toBe('finding');
  return result as RuleResult;
}

const ms = (iso: unknown): number => Date.parse(String(iso));

type Promoted = {
  node: string;
  log: {
    at: string;
    how: string;
    manual: boolean;
    requestedAt: string | null;
    configEpoch: number | null;
    failed: { node: string | null; id: string; at: string | null } | null;
    line: string;
  };
  demoted: { node: string; at: string; manual: boolean }[];
};

describe('failover-recent with the nodes’ logs', () => {
  it('cluster: each election by time, node, and manual (CLUSTER FAILOVER) or after a FAIL (kill -9)', async () => {
    const cluster = await startCluster();
    defer(() => cluster.stop());
    const [m0, m1] = cluster.nodes;
    const r0 = cluster.nodes.find((n) => n.masterId === m0?.id);
    const r1 = cluster.nodes.find((n) => n.masterId === m1?.id);
    if (!m0 || !m1 || !r0 || !r1) throw new Error('the lab cluster lacks a master with its replica');
    for (const node of cluster.nodes) expect(node.logPath).toBeTruthy(); // every node logs to a file

    // A manual failover: the replica of m0 asks for it.
    const manualAsked = Date.now();
    expect(await callOnce(r0.port, 'CLUSTER', 'FAILOVER')).toBe('OK');
    const manualSeen = await seenAs(r0.port, 'master');
    await seenAs(m0.port, 'slave');

    // A failure: m1 killed, its replica elected once m1 is marked FAIL (cluster-node-timeout 2000).
    process.kill(m1.pid, 'SIGKILL');
    const failSeen = await seenAs(r1.port, 'master', 30_000);
    // Back on its port and dir, it learns it was replaced and turns replica.
    await m1.restart('crash', { downMs: 0 });
    await seenAs(m1.port, 'slave');
    await cluster.waitForState('ok');

    const report = await runTopologyDoctor({
      cluster: cluster.seedUrl,
      only: ['failover-recent'],
      timeoutMs: 3000,
    });
    const finding = failoverFinding(report.results);
    console.log(finding.message);
    expect(finding).toMatchObject({ severity: 'warning', confidence: 'high' });
    const promoted = finding.evidence.promoted as Promoted[];
    const byNode = new Map(promoted.map((p) => [p.node, p]));

    const manual = byNode.get(endpointOf(r0));
    expect(manual?.log).toMatchObject({
      how: 'cluster-manual',
      manual: true,
      line: "Failover election won: I'm the new master.",
      failed: null,
    });
    const manualAt = ms(manual?.log.at);
    expect(manualAt).toBeGreaterThanOrEqual(manualAsked - 50);
    expect(manualSeen - manualAt).toBeGreaterThanOrEqual(-50); // the line comes before ROLE says master
    expect(manualSeen - manualAt).toBeLessThan(3000);
    expect(ms(manual?.log.requestedAt)).toBeLessThanOrEqual(manualAt);
    expect(manual?.demoted).toMatchObject([{ node: endpointOf(m0), manual: true }]);

    const elected = byNode.get(endpointOf(r1));
    expect(elected?.log).toMatchObject({
      how: 'cluster-election',
      manual: false,
      failed: { node: endpointOf(m1), id: m1.id },
    });
    const electedAt = ms(elected?.log.at);
    expect(failSeen - electedAt).toBeGreaterThanOrEqual(-50);
    expect(failSeen - electedAt).toBeLessThan(3000);
    expect(ms(elected?.log.failed?.at)).toBeLessThanOrEqual(electedAt);
    expect(elected?.log.configEpoch).toBeGreaterThan(manual?.log.configEpoch ?? 0);
    expect(elected?.demoted).toMatchObject([{ node: endpointOf(m1), manual: false }]);

    expect(finding.message).toContain(`${endpointOf(r0)} (slots`);
    expect(finding.message).toMatch(/by CLUSTER FAILOVER, manual \(accepted at /);
    expect(finding.message).toContain(`after a failure: ${endpointOf(m1)} was marked FAIL at`);
    expect(finding.message).toContain(`${endpointOf(m1)} became its replica at`);
    expect(finding.message).not.toContain('nothing tells when');
    // The grep runs on a promoted node's own log file.
    const grep = finding.fix[0]?.command ?? '';
    expect(
      [r0.logPath, r1.logPath].some((path) => grep.endsWith(` ${path}`)),
      grep,
    ).toBe(true);
  }, 120_000);

  it('sentinel: the promoted replica’s MASTER MODE time, and how long the old master stayed one', async () => {
    const set = await startSentinel();
    defer(() => set.stop());
    const [replica] = set.replicas;
    if (!replica) throw new Error('the lab set has no replica');

    expect(await callOnce(set.sentinels[0]?.port as number, 'SENTINEL', 'FAILOVER', set.masterName)).toBe(
      'OK',
    );
    await set.waitForMaster(replica.port, 30_000);
    const promotedSeen = Date.now();
    // Sentinel converts the old master once it has reported master for a while (~10 s measured).
    const demotedSeen = await seenAs(set.master.port, 'slave', 40_000);

    const report = await runTopologyDoctor({ sentinel: set.url, only: ['failover-recent'], timeoutMs: 3000 });
    const finding = failoverFinding(report.results);
    console.log(finding.message);
    const log = finding.evidence.log as Record<string, unknown>;
    expect(log).toMatchObject({
      node: endpointOf(replica),
      how: 'replicaof-no-one',
      bySentinel: true,
      line: 'MASTER MODE enabled (user request)',
      path: replica.logPath,
    });
    const promotedAt = ms(log.at);
    expect(promotedSeen - promotedAt).toBeGreaterThanOrEqual(-50);
    expect(promotedSeen - promotedAt).toBeLessThan(5000);
    expect(finding.message).toContain(`Its log: "MASTER MODE enabled (user request)" at ${log.at}`);
    // The secret-free line: no client info (addresses, names) from the log.
    expect(JSON.stringify(finding.evidence)).not.toContain('cmd=exec');

    const old = finding.evidence.oldMasterLog as Record<string, unknown>;
    expect(old).toMatchObject({
      node: endpointOf(set.master),
      how: 'replicaof',
      bySentinel: true,
      master: endpointOf(replica),
    });
    const demotedAt = ms(old.at);
    expect(demotedSeen - demotedAt).toBeGreaterThanOrEqual(-50);
    expect(demotedSeen - demotedAt).toBeLessThan(3000);
    expect(finding.evidence.oldMaster).toBe(endpointOf(set.master));
    expect(finding.message).toContain(`${endpointOf(set.master)} stayed a master for`);

    // Without the sentinels' role-reported-time, the log says when.
    const t = structuredClone(report.evidence) as TopologyEvidence;
    for (const view of t.sentinels ?? []) if (view.master) delete view.master['role-reported-time'];
    const [alone] = runTopologyRules(t, [failoverRecent]);
    expect(alone?.status).toBe('finding');
    expect(alone?.evidence).toMatchObject({ atSource: 'log', at: log.at });
    expect(alone?.message).toMatch(/by its log \(REPLICAOF NO ONE in a MULTI\/EXEC, as Sentinel sends it\)/);
    expect(alone).toMatchObject({ severity: 'warning', confidence: 'high' });
  }, 120_000);
});
