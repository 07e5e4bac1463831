import { reapedByTimeout } from '../../core/timeout-reaping.js';
import type { ClientBrief } from '../sampling/read-client-list.js';
import type { DetectContext, Detection } from './detect-context.js';

const hostOf = (addr: string): string => addr.slice(0, addr.lastIndexOf(':'));

// Linux closes a socket whose peer stopped answering keepalive probes after TCP_KEEPIDLE = K,
// then 3 probes K/3 apart: about 2K of silence. Timer granularity and our sampling add a little.
const KEEPALIVE_SLACK_S = 15;

/**
 * A normal connection idle for longer than `ghostIdleS` while the same application (host, name and
 * lib-name) opened a newer one after it went quiet: the application gave it up, the server did not.
 * A NAT or load balancer dropped the flow without a reset; the server holds the ghost until
 * tcp-keepalive (or timeout) finds it, and it counts against maxclients meanwhile.
 *
 * With tcp-keepalive K > 0, a connection idle past about 2K has answered the server's probes, so
 * its peer is alive (a pool's spare connection), not a ghost. Unnamed clients without a lib-name
 * (every client before Redis 7.2 that sets no name) cannot be told apart by application, so they
 * are never siblings.
 */
export function detectGhostConnections(ctx: DetectContext): Detection[] {
  const list = ctx.cur.clientList;
  if (!list) return [];
  const { reportedGhosts } = ctx.memory;
  for (const id of reportedGhosts) if (!list.clients.has(id)) reportedGhosts.delete(id);
  const keepalive = Number(ctx.config?.['tcp-keepalive'] ?? Number.NaN);
  const maxIdleS = keepalive > 0 ? 2 * keepalive + KEEPALIVE_SLACK_S : Number.POSITIVE_INFINITY;
  // One pass: the newest connection of each application (ids grow with every accept).
  const newest = new Map<string, ClientBrief>();
  for (const c of list.clients.values()) {
    // A pool's plain connections: the clients `timeout` would reap (not replicas, subscribers, blocked, MONITOR).
    if (!reapedByTimeout(c) || (c.name === '' && c.libName === '')) continue;
    const key = appKey(c);
    const seen = newest.get(key);
    if (!seen || Number(c.id) > Number(seen.id)) newest.set(key, c);
  }
  const ghosts: { ghost: ClientBrief; successor: ClientBrief }[] = [];
  for (const c of list.clients.values()) {
    if (c.idleS < ctx.options.ghostIdleS || c.idleS > maxIdleS || reportedGhosts.has(c.id)) continue;
    if (!reapedByTimeout(c) || (c.name === '' && c.libName === '')) continue;
    const successor = newest.get(appKey(c));
    if (successor && Number(successor.id) > Number(c.id) && successor.ageS < c.idleS)
      ghosts.push({ ghost: c, successor });
  }
  if (ghosts.length === 0) return [];
  for (const { ghost } of ghosts) reportedGhosts.add(ghost.id);
  const first = ghosts[0] as (typeof ghosts)[number];
  return [
    {
      kind: 'ghost-connections',
      severity: 'warning',
      confidence: 'medium',
      title: 'Ghost connections: the server holds connections their application gave up',
      message: `${ghosts.length} connection${ghosts.length === 1 ? ' has' : 's have'} been idle over ${ctx.options.ghostIdleS} s while the same application opened a newer one (e.g. id=${first.ghost.id} addr=${first.ghost.addr} idle ${first.ghost.idleS} s; id=${first.successor.id} is ${first.successor.ageS} s old). Something on the path dropped them without a reset.`,
      explanation:
        'A NAT, firewall or load balancer forgot the flow (idle timeout, failover) and dropped it silently; the client got an error or a reset and reconnected, but the server never heard and keeps the old connection until TCP keepalive probes fail. ' +
        'Ghosts count against maxclients and hold buffers. Harmless when the application deliberately keeps spare idle connections (a pool that grew), which is why this needs a younger sibling and a long idle time.',
      evidence: {
        ghostIdleSeconds: ctx.options.ghostIdleS,
        tcpKeepalive: Number.isNaN(keepalive) ? null : keepalive,
        ghosts: ghosts.slice(0, 5).map(({ ghost, successor }) => ({
          id: ghost.id,
          addr: ghost.addr,
          name: ghost.name,
          libName: ghost.libName,
          idleSeconds: ghost.idleS,
          newerId: successor.id,
          newerAgeSeconds: successor.ageS,
        })),
      },
      fix: [
        ...(Number.isNaN(keepalive) || keepalive === 0 || keepalive > 60
          ? [
              {
                command: ctx.cli('CONFIG', 'SET', 'tcp-keepalive', '60'),
                note: 'the server probes idle peers and closes dead ones within about 2 minutes',
              },
            ]
          : []),
        {
          command: "lifeline(client) in the application (import { lifeline } from 'redis-lifeline')",
          note: 'its heartbeat keeps the flow active below the middlebox idle timeout and finds a dead connection in seconds',
        },
        {
          command: ctx.cli('CLIENT', 'KILL', 'ID', first.ghost.id),
          note: 'frees this ghost now',
          risk: 'closes that connection; only do it for connections the application no longer uses',
        },
      ],
    },
  ];
}

const appKey = (c: ClientBrief): string => `${hostOf(c.addr)}\u0000${c.name}\u0000${c.libName}`;
