import { RUN_END_WORDS } from '../../core/log/run-end.js';
import type { ServerFacts } from '../types.js';
import { type DetectContext, type Detection, type Round, secondsBetween } from './detect-context.js';

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

/**
 * What a restart incident (server-restarted, server-crashed) tells: the new process, how the old run
 * ended (its log, core/log/run-end.ts) and how long the target was unreachable.
 */
export function newProcessReport(
  ctx: DetectContext,
  prev: Round,
): Pick<Detection, 'confidence' | 'connections' | 'message' | 'evidence'> {
  const before = prev.sample.server;
  const now = ctx.cur.sample.server;
  const end = ctx.previousRunEnd;
  const downS = ctx.downSince === undefined ? undefined : secondsBetween(ctx.downSince, ctx.cur.sample.at);
  return {
    confidence: end ? 'high' : 'medium',
    connections: clientsBefore(ctx),
    message:
      `${whatChanged(before, now)} (pid ${before.pid} → ${now.pid}, up ${now.uptimeS} s); every client connection was closed. ` +
      (end
        ? `The previous process ${RUN_END_WORDS[end]}.`
        : ctx.logFollowed
          ? 'Its log shows no start banner in this round, so how it ended is not known.'
          : 'Whether it shut down cleanly or crashed is not known without its log (pass --log).') +
      (downS !== undefined ? ` Unreachable for ${downS.toFixed(1)} s.` : ''),
    evidence: {
      ...processChange(before, now),
      previousRunEnd: end ?? null,
      unreachableSeconds: downS ?? null,
    },
  };
}
