import { slotCount, slotText, unassignedRanges } from '../../core/cluster-slots.js';
import { CLUSTER_SLOTS, type ClusterNodeLine } from '../../core/parse-cluster-nodes.js';
import { cliAt, type Detection } from './detect-context.js';

/**
 * CLUSTER NODES (as `seenFrom` lists it) has hash slots no master claims. With
 * cluster-require-full-coverage yes the cluster is then down (cluster-state-fail); with `no` it stays
 * ok and only commands on those slots fail with CLUSTERDOWN, which nothing else in INFO shows.
 */
export function detectSlotsUncovered(seenFrom: string, lines: readonly ClusterNodeLine[]): Detection[] {
  if (lines.length === 0) return [];
  const ranges = unassignedRanges(lines);
  const count = slotCount(ranges);
  if (count === 0) return [];
  const shown = slotText(ranges.slice(0, 8)) + (ranges.length > 8 ? ' …' : '');
  return [
    {
      kind: 'slots-uncovered',
      severity: 'critical',
      confidence: 'high',
      title: `${count} of ${CLUSTER_SLOTS} hash slots have no master`,
      message: `As ${seenFrom} lists the cluster, ${count} of ${CLUSTER_SLOTS} hash slots are assigned to no master (${shown}): every command on a key in them fails with CLUSTERDOWN Hash slot not served.`,
      explanation:
        'Slots lose their master when it is removed (CLUSTER DELSLOTS, a node forgotten) and no one took them over; unlike a failed master, nothing gives them back by itself. ' +
        'With cluster-require-full-coverage no the cluster still says ok, so only the clients see it.',
      evidence: { seenFrom, unassignedSlots: count, unassignedRanges: slotText(ranges) },
      fix: [
        { command: `redis-cli --cluster check ${seenFrom}`, note: 'which slots are uncovered' },
        {
          command: `redis-cli --cluster fix ${seenFrom}`,
          note: 'assigns uncovered slots to masters (their keys, if any survive elsewhere, are not brought back)',
        },
        { command: cliAt(seenFrom, 'CLUSTER', 'NODES'), note: 'who serves what, as this node sees it' },
      ],
    },
  ];
}
