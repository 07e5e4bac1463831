import { slotCount, slotText, unassignedRanges } from '../../../core/cluster-slots.js';
import { CLUSTER_SLOTS, type ClusterNodeLine } from '../../../core/parse-cluster-nodes.js';
import type { Fix } from '../../report/types.js';
import type { TopologyEvidence } from '../../topology/topology-evidence.js';
import { settingNumber } from '../helpers.js';
import { clusterCli, clusterInfos, configOf, nameOf, nodeCli, seenFrom } from './topology-facts.js';

/** What each node's CLUSTER INFO says about the slots. */
export interface NodeSlots {
  node: string;
  cluster_state: string | null;
  cluster_slots_assigned: number | null;
  cluster_slots_ok: number | null;
  cluster_slots_pfail: number | null;
  cluster_slots_fail: number | null;
}

/** Who serves the 16384 slots, from CLUSTER INFO of every node and CLUSTER NODES of one. */
export interface Coverage {
  byNode: NodeSlots[];
  /** Slots no master claims: the most any node counts (nodes may see the cluster differently). */
  unassigned: number;
  /** Their ranges, as CLUSTER NODES shows them. */
  unassignedRanges: [number, number][];
  /** Masters with slots that CLUSTER NODES flags `fail` or `fail?`. */
  failingMasters: ClusterNodeLine[];
}

export function coverage(t: TopologyEvidence): Coverage {
  const byNode = clusterInfos(t).map(([node, info]): NodeSlots => {
    const n = (key: string) => settingNumber(info[key]) ?? null;
    return {
      node,
      cluster_state: info.cluster_state ?? null,
      cluster_slots_assigned: n('cluster_slots_assigned'),
      cluster_slots_ok: n('cluster_slots_ok'),
      cluster_slots_pfail: n('cluster_slots_pfail'),
      cluster_slots_fail: n('cluster_slots_fail'),
    };
  });
  const lines = t.cluster?.nodes ?? [];
  const ranges = lines.length > 0 ? unassignedRanges(lines) : [];
  const fromLines = slotCount(ranges);
  const fromInfo = byNode.map((s) => CLUSTER_SLOTS - (s.cluster_slots_assigned ?? CLUSTER_SLOTS));
  return {
    byNode,
    unassigned: Math.max(fromLines, ...fromInfo),
    unassignedRanges: ranges,
    failingMasters: lines.filter((l) => l.role === 'master' && l.failing !== undefined && l.slotCount > 0),
  };
}

export const describeFailing = (l: ClusterNodeLine): string =>
  `${nameOf(l)} (${l.failing}, slots ${slotText(l.slots)})`;

/** What to run when slots are not served: look, then bring their master back or hand them to another. */
export function coverageFixes(t: TopologyEvidence, c: Coverage): Fix[] {
  const from = seenFrom(t);
  if (!from) return [];
  const fixes: Fix[] = [
    { command: clusterCli(t, from, 'check'), note: 'which slots are open or uncovered, and by whom' },
  ];
  for (const master of c.failingMasters.slice(0, 3)) {
    const replica = t.cluster?.nodes.find((l) => l.masterId === master.id && l.failing === undefined);
    fixes.push(
      replica
        ? {
            command: nodeCli(t, replica, 'CLUSTER', 'FAILOVER', 'FORCE'),
            note: `only if ${nameOf(master)} stays down and no replica was elected (cluster-replica-no-failover, or its data older than cluster-replica-validity-factor allows)`,
            risk: 'writes the failed master took after this replica last synced are lost',
          }
        : {
            command: `start ${nameOf(master)} again (with its RDB/AOF)`,
            note: 'it has no replica: its slots are served by nobody until it is back',
          },
    );
  }
  if (c.unassigned > 0 || c.failingMasters.length > 0) {
    fixes.push({
      command: clusterCli(t, from, 'fix'),
      note: 'assigns unassigned slots to masters (add --cluster-fix-with-unreachable-masters to take over the slots of masters that are gone)',
      risk: 'the keys of slots taken from a master that is gone are lost; their new owner starts empty',
    });
  }
  const fullCoverage = t.nodes.map((n) => configOf(n, 'cluster-require-full-coverage')).find((v) => v);
  if (fullCoverage === 'yes') {
    fixes.push({
      command: nodeCli(t, from, 'CONFIG', 'SET', 'cluster-require-full-coverage', 'no'),
      note: 'on every node: the cluster keeps serving the slots it has, and only keys in uncovered slots fail',
      risk: 'clients see part of the data set; a multi-key operation across shards may half succeed',
    });
  }
  return fixes;
}
