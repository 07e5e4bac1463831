import { crashed } from '../../core/log/run-end.js';
import { type DetectContext, type Detection, restarted } from './detect-context.js';
import { newProcessReport } from './server-change.js';

/** A restart whose previous run ended in a crash report or with no finished shutdown (killed). */
export function detectServerCrashed(ctx: DetectContext): Detection[] {
  const end = ctx.previousRunEnd;
  if (!restarted(ctx) || !ctx.prev || !end || !crashed(end)) return [];
  return [
    {
      kind: 'server-crashed',
      severity: 'critical',
      title: 'The server crashed or was killed, and restarted',
      ...newProcessReport(ctx, ctx.prev),
    },
  ];
}
