import { reapedByTimeout } from '../../core/timeout-reaping.js';
import { whoIs } from '../../doctor/rules/helpers.js';
import { type DetectContext, type Detection, secondsBetween } from './detect-context.js';

// clientsCron visits every client about once a second, so a reaped client may have been idle up to
// a second past the timeout; CLIENT LIST rounds idle down to whole seconds.
const SLACK_S = 1.5;

/**
 * Clients that vanished between two CLIENT LISTs at the age the server's `timeout` reaps them. Redis
 * logs these only at verbose level and counts them nowhere, so the diff is the only evidence.
 */
export function detectIdleTimeoutReaping(ctx: DetectContext): Detection[] {
  const timeout = Number(ctx.config?.timeout ?? 0);
  const now = ctx.cur.clientList;
  const before = ctx.prevList;
  if (!(timeout > 0) || !now || !before) return [];
  const elapsed = secondsBetween(before.at, now.at);
  // Any client that closed itself between the two lists looks reaped when the gap is a large share
  // of the timeout (lists skipped for a while, a long outage): then the diff says nothing.
  if (elapsed > timeout / 2) return [];
  const reaped = [...before.clients.values()].filter(
    (c) =>
      !now.clients.has(c.id) &&
      reapedByTimeout(c) &&
      c.idleS + elapsed >= timeout - SLACK_S &&
      c.idleS <= timeout + SLACK_S,
  );
  if (reaped.length === 0) return [];
  const shown = reaped.slice(0, 5).map((c) => ({
    id: c.id,
    addr: c.addr,
    name: c.name,
    libName: c.libName,
    lastIdleSeconds: c.idleS,
    lastCommand: c.cmd,
  }));
  const first = reaped[0];
  const who = reaped
    .slice(0, 3)
    .map((c) => whoIs({ name: c.name, 'lib-name': c.libName, addr: c.addr }))
    .join('; ');
  return [
    {
      kind: 'idle-timeout-reaping',
      severity: 'warning',
      confidence: elapsed <= timeout / 4 ? 'high' : 'medium',
      title: 'The server closed idle connections (timeout)',
      message: `${reaped.length} idle connection${reaped.length === 1 ? '' : 's'} disappeared at the server's timeout of ${timeout} s (last seen idle ${first?.idleS} s, ${elapsed.toFixed(1)} s before this sample): ${who}${reaped.length > 3 ? '; …' : ''}. Their next command fails with "Socket closed unexpectedly" or ECONNRESET.`,
      connections: reaped.length,
      evidence: { timeoutSeconds: timeout, reaped: reaped.length, clients: shown },
    },
  ];
}
