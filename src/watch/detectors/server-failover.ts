import { type DetectContext, type Detection, replaced, secondsBetween } from './detect-context.js';
import { clientsBefore, processChange, whatChanged } from './server-change.js';

/**
 * A server that was up before our previous sample answers now: the name or address moved to another
 * server (Sentinel or cluster failover behind DNS or a VIP, a replaced instance). Clients of the old
 * one were disconnected, or are still talking to it.
 */
export function detectServerFailover(ctx: DetectContext): Detection[] {
  if (!replaced(ctx) || !ctx.prev) return [];
  const before = ctx.prev.sample.server;
  const now = ctx.cur.sample.server;
  const sinceS = secondsBetween(ctx.prev.sample.at, ctx.cur.sample.at);
  const roleNote = before.role !== now.role ? ` Its role is ${now.role} (was ${before.role}).` : '';
  return [
    {
      kind: 'server-failover',
      severity: 'warning',
      confidence: 'high',
      title: 'A different server answers at this address (failover)',
      connections: clientsBefore(ctx),
      message: `${whatChanged(before, now)} but the new server has been up ${now.uptimeS} s, longer than the ${sinceS.toFixed(1)} s since the previous sample: the address now leads to another server (pid ${before.pid} → ${now.pid}).${roleNote} Clients connected to the old one were cut off or still talk to it.`,
      explanation:
        'A Sentinel or cluster failover, a DNS record or virtual IP that moved, or an instance replaced behind a load balancer. ' +
        'Clients see "Connection reset by peer" or READONLY errors when their connection still reaches the old primary, now a replica.',
      evidence: {
        ...processChange(before, now),
        secondsSincePreviousSample: Math.round(sinceS * 10) / 10,
        previousRole: before.role,
        role: now.role,
      },
      fix: [
        {
          command: ctx.cli('INFO', 'replication'),
          note: 'confirm the role of the server now answering, and its replicas',
        },
        {
          command: "lifeline(client) in the application (import { lifeline } from 'redis-lifeline')",
          note: 'names failover as the cause of the drop and reconnects to the new primary without replaying unsafe commands',
        },
      ],
    },
  ];
}
