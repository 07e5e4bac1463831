import { crashed } from '../../core/log/run-end.js';
import { type DetectContext, type Detection, restarted } from './detect-context.js';
import { newProcessReport } from './server-change.js';

/**
 * A changed run_id (or uptime gone back) with a process started since the previous round: every
 * connection to the old one was closed. A clean (or unexplained) end of the old run; a crash or kill
 * is `server-crashed` (server-crashed.ts).
 */
export function detectServerRestarted(ctx: DetectContext): Detection[] {
  const end = ctx.previousRunEnd;
  if (!restarted(ctx) || !ctx.prev || (end && crashed(end))) return [];
  return [
    {
      kind: 'server-restarted',
      severity: 'warning',
      title: 'The server restarted',
      ...newProcessReport(ctx, ctx.prev),
    },
  ];
}
