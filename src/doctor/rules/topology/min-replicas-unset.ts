import type { TopologyEvidence, TopologyNode } from '../../topology/topology-evidence.js';
import { configSetFixes } from '../helpers.js';
import { defineTopologyRule } from './define-topology-rule.js';
import {
  about,
  answersAs,
  configOf,
  currentMaster,
  infoNum,
  lineOf,
  listed,
  nameOf,
  nodeTarget,
  replicasOf,
} from './topology-facts.js';

export default defineTopologyRule({
  id: 'min-replicas-unset',
  cause: 'failover',
  title: 'The master acknowledges writes with no replica in sync (min-replicas-to-write 0)',
  kinds: ['sentinel', 'cluster'],
  severity: 'warning',
  tier: 'hygiene',
  check(t) {
    const masters = mastersWithReplicas(t);
    if (masters.length === 0) return undefined;
    const read = masters.filter((n) => configOf(n, 'min-replicas-to-write') !== undefined);
    if (read.length === 0)
      return { skip: 'CONFIG GET min-replicas-to-write could not be read on the master' };
    const unset = read.filter((n) => Number(configOf(n, 'min-replicas-to-write')) === 0);
    if (unset.length === 0) return undefined;
    return {
      confidence: 'high',
      message:
        `min-replicas-to-write is 0 on ${unset.length === 1 ? 'the master' : 'the masters'} ${listed(unset.map(nameOf))}: ` +
        'what a master acknowledges while cut off from its replicas (a partition, or the seconds before it is demoted after a failover) is lost when it resyncs from the new master.',
      explanation:
        'A master with min-replicas-to-write 0 acknowledges every write, whether or not any replica receives it. When a failover promotes a replica, what the old master acknowledged after the replicas left is discarded by the full resync that demotes it. ' +
        'Measured on Redis 7.0.15 (2 replicas, 3 sentinels): one SENTINEL FAILOVER while a client ran INCR at 50 writes/s lost ~440-540 acknowledged INCRs; the old master kept answering role:master for ~10 s after the switch, and the client saw only "Connection is closed" when Sentinel killed its connection. ' +
        'With min-replicas-to-write 1 and min-replicas-max-lag 10 the same failover lost 46 (the second it still had a replica attached) and refused the rest with -NOREPLICAS, an error the client sees and can retry on the new master. ' +
        'The cost: writes are refused whenever no replica has acknowledged within min-replicas-max-lag seconds, so with a single replica its restart or a full resync stops writes; with two or more replicas set it to 1. ' +
        'Set it on the replicas too (CONFIG SET works on a replica and the value is kept on promotion), so the next master has it.',
      evidence: {
        ...about(unset),
        masters: unset.map((n) => ({
          node: nameOf(n),
          'min-replicas-to-write': configOf(n, 'min-replicas-to-write') ?? null,
          'min-replicas-max-lag': configOf(n, 'min-replicas-max-lag') ?? null,
          connected_slaves: infoNum(n, 'connected_slaves') ?? null,
        })),
      },
      fix: unset.slice(0, 3).flatMap((n) =>
        configSetFixes(nodeTarget(t, n), [
          {
            name: 'min-replicas-to-write',
            value: '1',
            note: `${nameOf(n)}, then each of its replicas (so a promoted replica has it)`,
            risk: 'writes fail with -NOREPLICAS while no replica has acknowledged within min-replicas-max-lag: with a single replica, during its restart or full resync',
          },
          { name: 'min-replicas-max-lag', value: '10', note: 'seconds a replica may lag and still count' },
        ]),
      ),
    };
  },
});

/** The masters that have replicas: the Sentinel master, or each cluster master with a replica. */
function mastersWithReplicas(t: TopologyEvidence): TopologyNode[] {
  if (t.kind === 'sentinel') {
    const master = currentMaster(t);
    const replicas = master ? (infoNum(master, 'connected_slaves') ?? replicasOf(t, master).length) : 0;
    return master && replicas > 0 ? [master] : [];
  }
  return t.nodes.filter((n) => {
    if (n.role !== 'master' || answersAs(n) === 'replica') return false;
    const line = lineOf(t, n);
    const followers = line ? (t.cluster?.nodes ?? []).filter((l) => l.masterId === line.id).length : 0;
    return (infoNum(n, 'connected_slaves') ?? 0) > 0 || followers > 0;
  });
}
