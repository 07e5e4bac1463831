import { protectedModeRefuses } from '../../core/protected-mode.js';
import { counterDelta, type DetectContext, type Detection } from './detect-context.js';

/**
 * rejected_connections counts both maxclients and protected-mode refusals (networking.c
 * acceptCommonHandler); how full the server was and its protected-mode setting tell them apart.
 */
export function detectMaxclientsReached(ctx: DetectContext): Detection[] {
  const rejected = counterDelta(ctx, 'rejectedConnections');
  if (!rejected) return [];
  const g = ctx.cur.sample.gauges;
  const peak = Math.max(g.connectedClients, ctx.prev?.sample.gauges.connectedClients ?? 0);
  const max = g.maxclients;
  const nearMax = max !== undefined && peak >= max * 0.95 - 1;
  const protectedMode = !nearMax && protectedModeRefuses(ctx.config, ctx.cur.sample.server);
  const connected = `connected_clients ${g.connectedClients}${max !== undefined ? ` of maxclients ${max}` : ''}`;
  return [
    {
      kind: 'maxclients-reached',
      severity: 'critical',
      confidence: nearMax ? 'high' : 'medium',
      title: protectedMode
        ? 'Connections were rejected (protected mode, or a burst to maxclients)'
        : 'Connections were rejected at maxclients',
      message: `${rejected} connection${rejected === 1 ? ' was' : 's were'} rejected since the last sample (${connected}). ${
        nearMax
          ? 'The server is at its client limit: new clients get "-ERR max number of clients reached" and are closed.'
          : protectedMode
            ? 'The server is far below maxclients and runs in protected mode without a password: it refuses clients from non-loopback addresses.'
            : 'The server is below maxclients now, so a burst filled it between samples.'
      }`,
      connections: rejected,
      evidence: {
        rejected,
        connected_clients: g.connectedClients,
        maxclients: max ?? null,
        protectedMode: ctx.config?.['protected-mode'] ?? null,
      },
    },
  ];
}
