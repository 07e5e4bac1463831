import type { ServerFacts } from '../types.js';
import type { DetectContext } from './detect-context.js';

/** Clients the old server had at the previous sample, watch's own connection left out. */
export const clientsBefore = (ctx: DetectContext): number =>
  Math.max(0, (ctx.prev?.sample.gauges.connectedClients ?? 1) - 1);

/** What showed another process: its run_id, or (where a proxy hides run_id) an uptime that went back. */
export const whatChanged = (before: ServerFacts, now: ServerFacts): string =>
  before.runId && now.runId && before.runId !== now.runId ? 'run_id changed' : 'uptime went back';

/** Which process answered before and which answers now. */
export const processChange = (before: ServerFacts, now: ServerFacts) => ({
  previousRunId: before.runId,
  runId: now.runId,
  previousPid: before.pid,
  pid: now.pid,
  uptimeSeconds: now.uptimeS,
});
