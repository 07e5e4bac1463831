import { endpointOf, type NodeAddress } from '../../core/redis-url.js';
import { cliAt, type Detection } from './detect-context.js';

/** A data node the topology says is down: Sentinel's +sdown/+odown, or a cluster node flagged fail. */
export type NodeDownEvent =
  | {
      source: 'sentinel';
      /** `+odown` (the sentinels agree: a failover follows) or `+sdown` (one sentinel's view). */
      down: 'sdown' | 'odown';
      role: 'master' | 'replica';
      node: NodeAddress;
      masterName: string;
      /** The sentinel that announced it ("host:port"). */
      sentinel: string;
      /** `#quorum n/m` of a +odown, as announced. */
      quorum?: string;
    }
  | {
      source: 'cluster';
      node: NodeAddress;
      role: 'master' | 'replica';
      /** Node id in CLUSTER NODES. */
      id: string;
      /** The node that reported it ("host:port"). */
      seenFrom: string;
      flags: string;
    };

/**
 * A node of the topology is down as the topology itself sees it. The master objectively down (Sentinel)
 * or a failed cluster master is critical: every connection to it is gone and writes fail until a
 * failover; a replica down is a warning (reads routed to it fail, the failover has one candidate less).
 * One sentinel's subjective view of the master (+sdown) is not raised: +odown follows when others agree.
 */
export function detectNodeFailed(event: NodeDownEvent): Detection[] {
  if (event.source === 'sentinel' && event.role === 'master' && event.down === 'sdown') return [];
  const where = endpointOf(event.node);
  const critical = event.role === 'master';
  const said =
    event.source === 'sentinel'
      ? event.down === 'odown'
        ? `the sentinels agree it is down (+odown${event.quorum ? `, quorum ${event.quorum}` : ''}, from ${event.sentinel})`
        : `sentinel ${event.sentinel} cannot reach it (+sdown)`
      : `CLUSTER NODES on ${event.seenFrom} flags it ${event.flags}`;
  return [
    {
      kind: 'node-failed',
      severity: critical ? 'critical' : 'warning',
      confidence: 'high',
      title: `The ${event.role} ${where} is down`,
      message: `${event.role === 'master' ? 'The master' : 'The replica'} ${where} is down: ${said}.${
        critical
          ? ' Its connections are gone and writes fail until a failover completes.'
          : ' Reads sent to it fail, and a failover has one candidate less.'
      }`,
      explanation:
        'The process died, was killed, or stopped answering (a network partition, a long fork or a blocked event loop look the same from outside). ' +
        'Clients connected to it see their connections drop or time out.',
      evidence:
        event.source === 'sentinel'
          ? {
              source: 'sentinel',
              node: where,
              role: event.role,
              down: event.down,
              masterName: event.masterName,
              announcedBy: event.sentinel,
              ...(event.quorum ? { quorum: event.quorum } : {}),
            }
          : {
              source: 'cluster',
              node: where,
              role: event.role,
              id: event.id,
              flags: event.flags,
              seenFrom: event.seenFrom,
            },
      fix: [
        {
          command: cliAt(where, 'PING'),
          note: 'is the process there at all; then read its log for how it ended',
        },
      ],
    },
  ];
}
