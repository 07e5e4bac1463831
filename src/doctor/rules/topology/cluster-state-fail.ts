import { CLUSTER_SLOTS } from '../../../core/parse-cluster-nodes.js';
import { plural } from '../helpers.js';
import { coverage, coverageFixes, describeFailing } from './cluster-coverage.js';
import { defineTopologyRule } from './define-topology-rule.js';
import { listed } from './topology-facts.js';

export default defineTopologyRule({
  id: 'cluster-state-fail',
  cause: 'unknown',
  title: 'Cluster nodes report cluster_state:fail',
  kinds: ['cluster'],
  severity: 'critical',
  tier: 'observed',
  check(t) {
    const c = coverage(t);
    if (c.byNode.length === 0) return { skip: 'no node answered CLUSTER INFO' };
    const failing = c.byNode.filter((s) => s.cluster_state === 'fail');
    if (failing.length === 0) return undefined;
    const why =
      c.unassigned > 0
        ? `${plural(c.unassigned, 'slot')} of ${CLUSTER_SLOTS} ${c.unassigned === 1 ? 'is' : 'are'} assigned to no master`
        : c.failingMasters.length > 0
          ? `slots are served by ${listed(c.failingMasters.map(describeFailing))}`
          : 'no slot is uncovered as these nodes see it: a node in state fail without uncovered slots cannot reach a majority of the masters (the minority side of a partition) or has just started';
    return {
      confidence: 'high',
      message: `${failing.length} of the ${c.byNode.length} nodes that answered CLUSTER INFO report cluster_state:fail (${listed(failing.map((s) => s.node))}): ${why}.`,
      explanation:
        'A node in state fail answers every key command with -CLUSTERDOWN (reads too, unless cluster-allow-reads-when-down is yes), so the whole cluster or the nodes of one side of a partition stop serving. ' +
        'Connections stay open, but cluster clients treat -CLUSTERDOWN as a reason to refresh the slot map and reconnect, and fail the command after their retries. ' +
        'It is normal for under a second during a failover (measured: ~0.7 s between the FAIL and the election with cluster-node-timeout 2000); a state that stays fail means uncovered slots or a partition.',
      evidence: {
        ...(failing.length === 1 ? { node: failing[0]?.node } : { nodes: failing.map((s) => s.node) }),
        byNode: c.byNode,
        unassignedSlots: c.unassigned,
        failingMasters: c.failingMasters.map(describeFailing),
      },
      fix: coverageFixes(t, c),
    };
  },
});
