import { slotText } from '../../../core/cluster-slots.js';
import { CLUSTER_SLOTS } from '../../../core/parse-cluster-nodes.js';
import { plural } from '../helpers.js';
import { coverage, coverageFixes, describeFailing } from './cluster-coverage.js';
import { defineTopologyRule } from './define-topology-rule.js';
import { about, listed, nameOf } from './topology-facts.js';

export default defineTopologyRule({
  id: 'slots-uncovered',
  cause: 'unknown',
  title: 'Hash slots are not served',
  kinds: ['cluster'],
  severity: 'critical',
  tier: 'observed',
  check(t) {
    const c = coverage(t);
    if (c.byNode.length === 0 && !t.cluster?.nodes.length)
      return { skip: 'no node answered CLUSTER INFO or CLUSTER NODES' };
    const failed = c.failingMasters.filter((l) => l.failing === 'fail');
    if (c.unassigned === 0 && c.failingMasters.length === 0) return undefined;
    const parts = [
      ...(c.unassigned > 0
        ? [
            `${plural(c.unassigned, 'slot')} of ${CLUSTER_SLOTS} ${c.unassigned === 1 ? 'is' : 'are'} assigned to no master` +
              (c.unassignedRanges.length > 0 ? ` (${slotText(c.unassignedRanges.slice(0, 8))})` : ''),
          ]
        : []),
      ...(c.failingMasters.length > 0
        ? [
            `slots are served by ${c.failingMasters.length === 1 ? 'a failing master' : 'failing masters'}: ${listed(c.failingMasters.map(describeFailing))}`,
          ]
        : []),
    ];
    const countingFewer = c.byNode
      .filter((s) => (s.cluster_slots_assigned ?? CLUSTER_SLOTS) < CLUSTER_SLOTS)
      .map((s) => s.node);
    // Only `fail?` (pfail): one node's view, often gone within cluster-node-timeout.
    const pfailOnly = c.unassigned === 0 && failed.length === 0;
    return {
      severity: pfailOnly ? 'warning' : 'critical',
      confidence: pfailOnly ? 'medium' : 'high',
      message: `${parts.join('; ').replace(/^s/, 'S')}.`,
      explanation:
        'Every key hashes to one of 16384 slots; a command on a key whose slot has no live master fails with -CLUSTERDOWN Hash slot not served, and with cluster-require-full-coverage yes (the default) every node refuses every key command (cluster-state-fail). ' +
        'Slots of a failed master come back when one of its replicas is elected (cluster-node-timeout plus about a second) or when it returns; unassigned slots come back only when someone assigns them. ' +
        'Nodes can count differently: CLUSTER DELSLOTS on one node is not spread to the others, so one node may see slots unassigned that the others still route to it.',
      evidence: {
        ...(c.failingMasters.length > 0 ? about(c.failingMasters) : { nodes: countingFewer }),
        unassignedSlots: c.unassigned,
        unassignedRanges: slotText(c.unassignedRanges),
        failingMasters: c.failingMasters.map((l) => ({
          node: nameOf(l),
          id: l.id,
          status: l.failing,
          slots: slotText(l.slots),
          slotCount: l.slotCount,
        })),
        byNode: c.byNode,
      },
      fix: coverageFixes(t, c),
    };
  },
});
