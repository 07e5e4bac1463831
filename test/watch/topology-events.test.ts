import { describe, expect, it } from 'vitest';
import { parseClusterNodes } from '../../src/core/parse-cluster-nodes.js';
import { parseSentinelMessage } from '../../src/core/sentinel-message.js';
import { AlertGrouper } from '../../src/watch/alerts/alert-grouping.js';
import { detectClusterStateFail } from '../../src/watch/detectors/cluster-state-fail.js';
import { detectFailover } from '../../src/watch/detectors/failover.js';
import { detectNodeFailed } from '../../src/watch/detectors/node-failed.js';
import { detectSentinelQuorumLost } from '../../src/watch/detectors/sentinel-quorum-lost.js';
import { detectSlotsUncovered } from '../../src/watch/detectors/slots-uncovered.js';
import { WatchMetrics } from '../../src/watch/metrics/watch-metrics.js';
import type { Incident } from '../../src/watch/types.js';

const SENTINEL = 'redis+sentinel://127.0.0.1:26379/mymaster';

function failoverIncident(atMs: number, n: number): Incident {
  const at = new Date(atMs).toISOString();
  const [detection] = detectFailover({
    masterName: 'mymaster',
    from: { host: '10.0.0.1', port: 6379 },
    to: { host: '10.0.0.2', port: 6379 },
    sentinel: '127.0.0.1:26379',
  });
  if (!detection) throw new Error('no detection');
  return {
    id: `${SENTINEL}#${n}`,
    target: SENTINEL,
    ...detection,
    cause: 'failover',
    fix: detection.fix ?? [],
    docs: 'docs/watch.md#failover',
    at,
    occurrences: 1,
    firstAt: at,
    lastAt: at,
  };
}

describe('Sentinel messages', () => {
  it('reads +switch-master, instance events with and without the master part, and aborts', () => {
    expect(parseSentinelMessage('+switch-master', 'mymaster 127.0.0.1 7001 127.0.0.1 7002')).toEqual({
      type: 'switch-master',
      masterName: 'mymaster',
      from: { host: '127.0.0.1', port: 7001 },
      to: { host: '127.0.0.1', port: 7002 },
    });
    expect(parseSentinelMessage('+odown', 'master mymaster 127.0.0.1 7001 #quorum 2/2')).toEqual({
      type: 'down',
      down: 'odown',
      instance: 'master',
      node: { host: '127.0.0.1', port: 7001 },
      masterName: 'mymaster',
      quorum: '2/2',
    });
    expect(
      parseSentinelMessage('-sdown', 'slave 127.0.0.1:7002 127.0.0.1 7002 @ mymaster 127.0.0.1 7001'),
    ).toMatchObject({ type: 'up', down: 'sdown', instance: 'slave', masterName: 'mymaster' });
    expect(
      parseSentinelMessage('-failover-abort-no-good-slave', 'master mymaster 127.0.0.1 7001'),
    ).toMatchObject({ type: 'failover-abort', reason: 'no-good-slave', masterName: 'mymaster' });
    expect(parseSentinelMessage('+switch-master', 'mymaster 127.0.0.1')).toBeUndefined();
    expect(parseSentinelMessage('+sdown', 'garbage')).toBeUndefined();
  });
});

describe('topology detectors', () => {
  it('failover names the old and new master', () => {
    const [d] = detectFailover({
      masterName: 'mymaster',
      from: { host: '10.0.0.1', port: 6379 },
      to: { host: '10.0.0.2', port: 6380 },
      sentinel: '10.0.0.9:26379',
    });
    expect(d).toMatchObject({
      kind: 'failover',
      severity: 'critical',
      evidence: { oldMaster: '10.0.0.1:6379', newMaster: '10.0.0.2:6380' },
    });
    expect(d?.fix?.[0]?.command).toBe(
      'redis-cli -h 10.0.0.9 -p 26379 SENTINEL GET-MASTER-ADDR-BY-NAME mymaster',
    );
  });

  it('node-failed: +odown of the master critical, +sdown of a replica warning, +sdown of the master nothing', () => {
    const base = {
      source: 'sentinel' as const,
      masterName: 'm',
      sentinel: 's:1',
      node: { host: 'h', port: 1 },
    };
    expect(detectNodeFailed({ ...base, down: 'odown', role: 'master' })[0]?.severity).toBe('critical');
    expect(detectNodeFailed({ ...base, down: 'sdown', role: 'replica' })[0]?.severity).toBe('warning');
    expect(detectNodeFailed({ ...base, down: 'sdown', role: 'master' })).toEqual([]);
    const cluster = detectNodeFailed({
      source: 'cluster',
      node: { host: 'h', port: 2 },
      role: 'master',
      id: 'abc',
      seenFrom: 'h:3',
      flags: 'master,fail',
    });
    expect(cluster[0]).toMatchObject({ severity: 'critical', evidence: { source: 'cluster', id: 'abc' } });
  });

  it('sentinel-quorum-lost only below the quorum', () => {
    const reach = { masterName: 'm', sentinels: ['a:1', 'b:2', 'c:3'], quorum: 2 };
    expect(detectSentinelQuorumLost({ ...reach, connected: ['a:1', 'b:2'] })).toEqual([]);
    const [d] = detectSentinelQuorumLost({ ...reach, connected: ['a:1'] });
    expect(d).toMatchObject({ kind: 'sentinel-quorum-lost', evidence: { lost: ['b:2', 'c:3'] } });
  });

  it('cluster-state-fail reads CLUSTER INFO', () => {
    expect(detectClusterStateFail('h:1', { cluster_state: 'ok' })).toEqual([]);
    const [d] = detectClusterStateFail('h:1', {
      cluster_state: 'fail',
      cluster_slots_fail: '5461',
      cluster_slots_pfail: '0',
    });
    expect(d).toMatchObject({ severity: 'critical', evidence: { slotsFail: 5461, slotsPfail: 0 } });
  });

  it('slots-uncovered reads CLUSTER NODES: the slots no line claims', () => {
    const nodes = (lastSlot: number) =>
      parseClusterNodes(
        [
          `${'a'.repeat(40)} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460`,
          `${'b'.repeat(40)} 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922`,
          `${'c'.repeat(40)} 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-${lastSlot}`,
          `${'d'.repeat(40)} 127.0.0.1:7003@17003 slave ${'a'.repeat(40)} 0 0 1 connected`,
        ].join('\n'),
      );
    expect(detectSlotsUncovered('127.0.0.1:7000', nodes(16383))).toEqual([]);
    expect(detectSlotsUncovered('127.0.0.1:7000', [])).toEqual([]);
    const [d] = detectSlotsUncovered('127.0.0.1:7000', nodes(16283));
    expect(d).toMatchObject({
      kind: 'slots-uncovered',
      severity: 'critical',
      evidence: { seenFrom: '127.0.0.1:7000', unassignedSlots: 100, unassignedRanges: '16284-16383' },
    });
  });
});

describe('failover incidents', () => {
  it('are never grouped: a second failover within the window passes', () => {
    let now = 1_700_000_000_000;
    const grouper = new AlertGrouper({ windowMs: 300_000, now: () => now });
    expect(grouper.offer(failoverIncident(now, 1))).toBeDefined();
    now += 15_000;
    expect(grouper.willAbsorb(SENTINEL, 'failover', 'critical', now)).toBe(false);
    expect(grouper.offer(failoverIncident(now, 2))).toBeDefined();
    expect(grouper.drain()).toEqual([]);
  });

  it('count in lifeline_watch_failovers_total', async () => {
    const metrics = new WatchMetrics();
    metrics.incident(failoverIncident(1_700_000_000_000, 1));
    metrics.incident(failoverIncident(1_700_000_015_000, 2));
    const text = await metrics.registry.metrics();
    expect(text).toContain(`lifeline_watch_failovers_total{target="${SENTINEL}"} 2`);
  });
});
