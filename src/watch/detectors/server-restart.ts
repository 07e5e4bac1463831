import { type DetectContext, type Detection, restarted, secondsBetween } from './detect-context.js';

const HOW_IT_ENDED = {
  clean: 'The log shows a clean shutdown before the new start.',
  'crash-report': 'The log shows a crash report before the new start.',
  killed:
    'The log shows no shutdown before the new start: the process was killed (kill -9, the OOM killer) or the host went down.',
} as const;

/** A changed run_id is a new server process: every connection to the old one was closed. */
export function detectServerRestart(ctx: DetectContext): Detection[] {
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
      message:
        `run_id changed (pid ${before.pid} → ${now.pid}, up ${now.uptimeS} s); every client connection was closed. ` +
        (end
          ? HOW_IT_ENDED[end]
          : ctx.logFollowed
            ? 'Its log shows no start banner in this round, so how it ended is not known.'
            : 'Whether it shut down cleanly or crashed is not known without its log (pass --log).') +
        (downS !== undefined ? ` Unreachable for ${downS.toFixed(1)} s.` : ''),
      evidence: {
        previousRunId: before.runId,
        runId: now.runId,
        previousPid: before.pid,
        pid: now.pid,
        uptimeSeconds: now.uptimeS,
        previousRunEnd: end ?? null,
        unreachableSeconds: downS ?? null,
      },
    },
  ];
}
