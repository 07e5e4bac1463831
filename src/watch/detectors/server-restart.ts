import type { ServerFacts } from '../types.js';
import { type DetectContext, type Detection, replaced, restarted, secondsBetween } from './detect-context.js';

const HOW_IT_ENDED = {
  clean: 'The log shows a clean shutdown before the new start.',
  'crash-report': 'The log shows a crash report before the new start.',
  killed:
    'The log shows no shutdown before the new start: the process was killed (kill -9, the OOM killer) or the host went down.',
} as const;

/** A changed run_id is a new server process: every connection to the old one was closed. */
export function detectServerRestart(ctx: DetectContext): Detection[] {
  if (replaced(ctx)) return detectFailover(ctx);
  if (!restarted(ctx) || !ctx.prev) return [];
  const before = ctx.prev.sample.server;
  const now = ctx.cur.sample.server;
  const end = ctx.previousRunEnd;
  const crashed = end === 'crash-report' || end === 'killed';
  const downS = ctx.downSince === undefined ? undefined : secondsBetween(ctx.downSince, ctx.cur.sample.at);
  return [
    {
      cause: crashed ? 'server-crashed' : 'server-restarted',
      severity: crashed ? 'critical' : 'warning',
      confidence: end ? 'high' : 'medium',
      title: crashed ? 'The server crashed or was killed, and restarted' : 'The server restarted',
      connections: clientsBefore(ctx),
      message:
        `${before.runId !== now.runId ? 'run_id changed' : 'uptime went back'} (pid ${before.pid} → ${now.pid}, up ${now.uptimeS} s); every client connection was closed. ` +
        (end
          ? HOW_IT_ENDED[end]
          : ctx.logFollowed
            ? 'Its log shows no start banner in this round, so how it ended is not known.'
            : 'Whether it shut down cleanly or crashed is not known without its log (pass --log).') +
        (downS !== undefined ? ` Unreachable for ${downS.toFixed(1)} s.` : ''),
      evidence: {
        ...processChange(before, now),
        previousRunEnd: end ?? null,
        unreachableSeconds: downS ?? null,
      },
    },
  ];
}

/**
 * A server that was up before our previous sample answers now: the name or address moved to another
 * server (Sentinel or cluster failover behind DNS or a VIP, a replaced instance). Clients of the old
 * one were disconnected, or are still talking to it.
 */
function detectFailover(ctx: DetectContext): Detection[] {
  if (!ctx.prev) return [];
  const before = ctx.prev.sample.server;
  const now = ctx.cur.sample.server;
  const sinceS = secondsBetween(ctx.prev.sample.at, ctx.cur.sample.at);
  const roleNote = before.role !== now.role ? ` Its role is ${now.role} (was ${before.role}).` : '';
  return [
    {
      cause: 'server-failover',
      severity: 'warning',
      confidence: 'high',
      title: 'A different server answers at this address (failover)',
      connections: clientsBefore(ctx),
      message: `run_id changed but the new server has been up ${now.uptimeS} s, longer than the ${sinceS.toFixed(1)} s since the previous sample: the address now leads to another server (pid ${before.pid} → ${now.pid}).${roleNote} Clients connected to the old one were cut off or still talk to it.`,
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

/** Clients the old server had at the previous sample, watch's own connection left out. */
const clientsBefore = (ctx: DetectContext): number =>
  Math.max(0, (ctx.prev?.sample.gauges.connectedClients ?? 1) - 1);

/** Which process answered before and which answers now. */
const processChange = (before: ServerFacts, now: ServerFacts) => ({
  previousRunId: before.runId,
  runId: now.runId,
  previousPid: before.pid,
  pid: now.pid,
  uptimeSeconds: now.uptimeS,
});
