import { intervalDelta } from '../../core/server-run.js';
import { type DetectContext, type Detection, secondsBetween, serverChanged } from './detect-context.js';

/** Monitoring tools that connect once per scrape: their steady churn is not an application's. */
export const KNOWN_MONITORS = new Set(['redis_exporter', 'lifeline-doctor', 'lifeline-watch']);

// The baseline starts at the first measured rate and is a plain mean over the first rounds, then
// follows the usual rate slowly, so a sustained new level stops alerting after a while.
const BASELINE_WEIGHT = 0.05;
const SPIKE_FACTOR = 4;

/**
 * New connections per second well above both a floor and the target's own baseline: clients are
 * reconnecting in a storm (look at the other incidents for why) or connecting per request.
 */
export function detectConnectionChurn(ctx: DetectContext): Detection[] {
  const { prev, cur, memory } = ctx;
  // After a restart or failover every client reconnects at once: that incident already says so.
  if (!prev || serverChanged(ctx)) return [];
  const seconds = secondsBetween(prev.sample.at, cur.sample.at);
  if (seconds <= 0) return [];
  const accepted = intervalDelta(
    prev.sample.counters.connectionsReceived,
    cur.sample.counters.connectionsReceived,
    'same',
  );
  // Reset by CONFIG RESETSTAT: this interval's count is unknown, and must not enter the baseline.
  if (accepted === undefined) return [];
  const monitors = newMonitorConnections(ctx);
  const rate = Math.max(0, accepted - ctx.ownConnects - monitors) / seconds;
  const baseline = memory.churnBaselinePerS;
  memory.churnRounds++;
  const weight = Math.max(BASELINE_WEIGHT, 1 / memory.churnRounds);
  memory.churnBaselinePerS = baseline === undefined ? rate : baseline + weight * (rate - baseline);
  // The first rate is what this target usually does (an app that connects per request), not a spike.
  if (baseline === undefined) return [];
  if (rate < ctx.options.churnPerSecond || rate < SPIKE_FACTOR * baseline) return [];
  return [
    {
      kind: 'connection-churn',
      severity: 'warning',
      confidence: 'medium',
      title: 'Connection churn spike',
      message: `${Math.round(rate * seconds)} new connections in ${seconds.toFixed(1)} s (${rate.toFixed(1)}/s; usual ${baseline.toFixed(1)}/s) with ${cur.sample.gauges.connectedClients} connected. Clients are reconnecting in a storm or connecting per request.`,
      evidence: {
        newConnections: Math.round(rate * seconds),
        seconds,
        ratePerSecond: Math.round(rate * 100) / 100,
        baselinePerSecond: Math.round(baseline * 100) / 100,
        excludedOwn: ctx.ownConnects,
        excludedMonitors: monitors,
        connected_clients: cur.sample.gauges.connectedClients,
      },
    },
  ];
}

/** Monitoring connections in this CLIENT LIST that were not in the previous one. */
function newMonitorConnections(ctx: DetectContext): number {
  const now = ctx.cur.clientList;
  const before = ctx.prevList;
  if (!now || !before) return 0;
  let count = 0;
  for (const c of now.clients.values()) if (KNOWN_MONITORS.has(c.name) && !before.clients.has(c.id)) count++;
  return count;
}
