import type { Fix } from '../../report/types.js';
import type { TopologyEvidence, TopologyNode } from '../../topology/topology-evidence.js';
import { defineTopologyRule } from './define-topology-rule.js';
import {
  about,
  answersAs,
  infoField,
  infoNum,
  lineOf,
  nameOf,
  nodeCli,
  promotedBySentinel,
  sameAddress,
  sentinelReplicaEntries,
} from './topology-facts.js';

interface Stale {
  node: TopologyNode;
  /** It said so itself (INFO role:master), or only Sentinel says it reports master (role-reported). */
  seenBy: 'info' | 'sentinel';
}

export default defineTopologyRule({
  id: 'stale-master-writes',
  cause: 'failover',
  title: 'A node the topology calls a replica still answers as a master',
  kinds: ['sentinel', 'cluster'],
  severity: 'critical',
  tier: 'observed',
  check(t) {
    const stale = staleMasters(t);
    if (stale.length === 0) return undefined;
    const master = t.kind === 'sentinel' && t.master ? nameOf(t.master) : undefined;
    const describe = ({ node, seenBy }: Stale) => {
      const clients = infoNum(node, 'connected_clients');
      return (
        `${nameOf(node)} answers as a master (${seenBy === 'info' ? 'INFO role:master' : 'Sentinel role-reported master'}` +
        (clients !== undefined ? `, ${clients} clients connected` : '') +
        ')'
      );
    };
    return {
      confidence: stale.every((s) => s.seenBy === 'info') ? 'high' : 'medium',
      message:
        `${stale.map(describe).join('; ')}, but ${t.kind === 'sentinel' ? 'Sentinel' : 'CLUSTER NODES'} lists ${stale.length === 1 ? 'it' : 'them'} as a replica` +
        (master ? ` and names ${master} the master of ${t.masterName ?? 'the set'}` : '') +
        ': writes taken there are lost when it is made a replica.',
      explanation:
        'Two masters at once: a demoted master that has not been reconfigured yet, or the two sides of a partition. Sentinel converts an old master only after it has reported the wrong role for a while (measured on Redis 7.0.15: it answered role:master for ~10 s after SENTINEL FAILOVER switched the master), and a master that comes back after a partition is a master until Sentinel or the cluster reaches it. ' +
        'Clients still connected to it, or resolving an old address, keep writing and get OK; the full resync that demotes it discards those writes without an error (measured: ~500 acknowledged INCRs at 50 writes/s). ' +
        'min-replicas-to-write 1 makes such a master refuse writes (-NOREPLICAS) as soon as its replicas have left.',
      evidence: {
        ...about(stale.map((s) => s.node)),
        master: master ?? null,
        stale: stale.map(({ node, seenBy }) => ({
          node: nameOf(node),
          seenBy,
          role: infoField(node, 'role') ?? null,
          connected_clients: infoNum(node, 'connected_clients') ?? null,
          connected_slaves: infoNum(node, 'connected_slaves') ?? null,
          master_replid: infoField(node, 'master_replid') ?? null,
          master_repl_offset: infoNum(node, 'master_repl_offset') ?? null,
        })),
      },
      fix: stale.slice(0, 3).flatMap((s) => fixesFor(t, s.node)),
    };
  },
});

/** Nodes the topology has as replicas, or that are not its master, that answer as masters. */
function staleMasters(t: TopologyEvidence): Stale[] {
  const stale: Stale[] = [];
  for (const n of t.nodes) {
    const notTheMaster =
      n.role === 'replica' || (t.kind === 'sentinel' && t.master && !sameAddress(n, t.master));
    // The replica a failover under way promotes answers as a master before the sentinels switch to it.
    if (!notTheMaster || promotedBySentinel(t, n)) continue;
    if (answersAs(n) === 'master') stale.push({ node: n, seenBy: 'info' });
    else if (
      answersAs(n) === undefined &&
      t.kind === 'sentinel' &&
      sentinelReplicaEntries(t, n).some((r) => r['role-reported'] === 'master')
    )
      stale.push({ node: n, seenBy: 'sentinel' });
  }
  return stale;
}

function fixesFor(t: TopologyEvidence, n: TopologyNode): Fix[] {
  const fixes: Fix[] = [
    {
      command: nodeCli(t, n, 'CLIENT', 'LIST', 'TYPE', 'normal'),
      note: `who still writes to ${nameOf(n)}: those clients resolve the master wrongly or hold old connections`,
    },
  ];
  if (t.kind === 'sentinel' && t.master && !sameAddress(n, t.master)) {
    fixes.push({
      command: nodeCli(t, n, 'REPLICAOF', t.master.host, String(t.master.port)),
      note: 'only if Sentinel has not converted it within a few seconds, and only after checking the sentinels agree on the master (sentinels-disagree)',
      risk: 'discards what it accepted since the failover (lost either way, unless copied first)',
    });
  }
  const masterId = lineOf(t, n)?.masterId;
  if (t.kind === 'cluster' && masterId) {
    fixes.push({
      command: nodeCli(t, n, 'CLUSTER', 'NODES'),
      note: `its own view: it should list itself as a replica of ${masterId}; the cluster reconfigures it when it reaches the others`,
    });
  }
  return fixes;
}
