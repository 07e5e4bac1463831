import { type DetectContext, type Detection, serverChanged } from './detect-context.js';

/**
 * The same server process changed its role: a master demoted to a replica (Sentinel or the FAILOVER
 * command moved the master elsewhere) or a replica promoted. Clients that kept their connection to a
 * demoted master get READONLY on every write, with no disconnect to tell them; writes acknowledged by
 * it just before the switch may be lost. (Another process at the address is `server-failover`.)
 */
export function detectRoleChanged(ctx: DetectContext): Detection[] {
  if (!ctx.prev || serverChanged(ctx)) return [];
  const before = ctx.prev.sample.server.role;
  const now = ctx.cur.sample.server.role;
  if (before === now) return [];
  const demoted = before === 'master';
  const replication = ctx.cur.info.fields;
  const following = replication.master_host
    ? ` It now replicates ${replication.master_host}:${replication.master_port}.`
    : '';
  return [
    {
      kind: 'role-changed',
      severity: demoted ? 'critical' : 'warning',
      confidence: 'high',
      title: demoted ? 'The master was demoted to a replica' : `The server's role changed to ${now}`,
      message: `role ${before} → ${now} (same process, pid ${ctx.cur.sample.server.pid}).${following}${
        demoted
          ? ' Clients still connected here get READONLY on every write and are not disconnected.'
          : ' Clients that follow the master by address must move here.'
      }`,
      explanation:
        'A failover moved the master role: Sentinel or Cluster promoted a replica, or an operator ran FAILOVER / REPLICAOF. ' +
        "A demoted master keeps its client connections, so clients that do not re-resolve the master (Sentinel's +switch-master, or a reconnect on READONLY) keep writing to a replica and fail; writes it acknowledged after the new master took over are lost.",
      evidence: {
        previousRole: before,
        role: now,
        masterHost: replication.master_host ?? null,
        masterPort: replication.master_port ?? null,
        masterLinkStatus: replication.master_link_status ?? null,
      },
      fix: [
        {
          command: ctx.cli('INFO', 'replication'),
          note: 'which node is the master now, and is this one linked to it',
        },
        {
          command: "lifeline(client) in the application (import { lifeline } from 'redis-lifeline')",
          note: 'reconnects to the current master on READONLY instead of failing every write',
        },
      ],
    },
  ];
}
