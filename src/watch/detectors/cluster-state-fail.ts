import { cliAt, type Detection } from './detect-context.js';

/**
 * A cluster node reports `cluster_state:fail` in CLUSTER INFO: some hash slots have no reachable master
 * (or the node is on the minority side of a partition), and it refuses every command (CLUSTERDOWN) until
 * the state is ok again.
 */
export function detectClusterStateFail(node: string, info: Record<string, string>): Detection[] {
  if (info.cluster_state !== 'fail') return [];
  const fail = Number(info.cluster_slots_fail ?? 0);
  const pfail = Number(info.cluster_slots_pfail ?? 0);
  return [
    {
      kind: 'cluster-state-fail',
      severity: 'critical',
      confidence: 'high',
      title: `The cluster is down as ${node} sees it (cluster_state:fail)`,
      message: `${node} reports cluster_state:fail (cluster_slots_fail ${fail}, cluster_slots_pfail ${pfail}, slots ok ${info.cluster_slots_ok ?? '?'} of ${info.cluster_slots_assigned ?? '?'}): it answers CLUSTERDOWN to commands until the failed slots have a master again.`,
      explanation:
        'A master failed and no replica took over its slots (none, or not yet: a failover needs cluster-node-timeout), or this node is cut off from the majority. ' +
        'With cluster-require-full-coverage yes (the default) every slot is refused, not only the failed ones.',
      evidence: {
        node,
        clusterState: info.cluster_state,
        slotsFail: fail,
        slotsPfail: pfail,
        slotsOk: info.cluster_slots_ok ?? null,
        slotsAssigned: info.cluster_slots_assigned ?? null,
        knownNodes: info.cluster_known_nodes ?? null,
      },
      fix: [
        {
          command: cliAt(node, 'CLUSTER', 'NODES'),
          note: 'which master is fail, and whether a replica of it is left to promote',
        },
      ],
    },
  ];
}
