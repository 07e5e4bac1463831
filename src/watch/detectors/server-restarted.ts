import { type DetectContext, type Detection, restarted, secondsBetween } from './detect-context.js';
import { clientsBefore, processChange, whatChanged } from './server-change.js';

const HOW_IT_ENDED = {
  clean: 'The log shows a clean shutdown before the new start.',
  'crash-report': 'The log shows a crash report before the new start.',
  killed:
    'The log shows no shutdown before the new start: the process was killed (kill -9, the OOM killer) or the host went down.',
} as const;

/** A clean (or unexplained) restart; a crash or kill is `server-crashed` (server-crashed.ts). */
export const detectServerRestarted = (ctx: DetectContext): Detection[] =>
  newProcess(ctx).filter((d) => d.kind === 'server-restarted');

/**
 * A changed run_id (or uptime gone back) with a process started since the previous round: every
 * connection to the old one was closed. How the old run ended (its log) tells a restart from a crash.
 */
export function newProcess(ctx: DetectContext): Detection[] {
  if (!restarted(ctx) || !ctx.prev) return [];
  const before = ctx.prev.sample.server;
  const now = ctx.cur.sample.server;
  const end = ctx.previousRunEnd;
  const crashed = end === 'crash-report' || end === 'killed';
  const downS = ctx.downSince === undefined ? undefined : secondsBetween(ctx.downSince, ctx.cur.sample.at);
  return [
    {
      kind: crashed ? 'server-crashed' : 'server-restarted',
      severity: crashed ? 'critical' : 'warning',
      confidence: end ? 'high' : 'medium',
      title: crashed ? 'The server crashed or was killed, and restarted' : 'The server restarted',
      connections: clientsBefore(ctx),
      message:
        `${whatChanged(before, now)} (pid ${before.pid} → ${now.pid}, up ${now.uptimeS} s); every client connection was closed. ` +
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
