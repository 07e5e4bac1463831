import { cliAt, type Detection } from './detect-context.js';

/** The sentinels watch holds a subscription to, against the quorum of the monitored master. */
export interface SentinelReach {
  masterName: string;
  /** Sentinels watch subscribes to ("host:port"). */
  sentinels: string[];
  /** The ones whose connection is up. */
  connected: string[];
  /** The master's `quorum` as the sentinels report it. */
  quorum: number;
}

/**
 * Fewer sentinels answer than the quorum: if the master fails now, no failover can be authorised (and
 * clients that ask Sentinel for the master may get no answer). Raised once when the count drops below
 * the quorum; the caller raises it again only after it was restored.
 */
export function detectSentinelQuorumLost(reach: SentinelReach): Detection[] {
  const up = reach.connected.length;
  if (up >= reach.quorum) return [];
  const down = reach.sentinels.filter((s) => !reach.connected.includes(s));
  return [
    {
      kind: 'sentinel-quorum-lost',
      severity: 'critical',
      confidence: 'medium',
      title: `Only ${up} of ${reach.sentinels.length} sentinels reachable, quorum is ${reach.quorum}`,
      message: `watch reaches ${up} of ${reach.sentinels.length} sentinels of "${reach.masterName}" (lost: ${down.join(', ') || 'none'}); the quorum is ${reach.quorum}. A failure of the master now would not be failed over.`,
      explanation:
        'The sentinels watch lost were stopped, crashed or are cut off from this host. Where they are only cut off from watch, they may still reach each other: check from another host before acting.',
      evidence: {
        masterName: reach.masterName,
        quorum: reach.quorum,
        sentinels: reach.sentinels,
        connected: reach.connected,
        lost: down,
      },
      fix: down.slice(0, 3).map((s) => ({
        command: cliAt(s, 'SENTINEL', 'CKQUORUM', reach.masterName),
        note: 'is this sentinel up, and does it see enough peers to authorise a failover',
      })),
    },
  ];
}
