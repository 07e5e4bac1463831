import type { DetectContext, Detection } from './detect-context.js';
import { newProcess } from './server-restarted.js';

/** A restart whose previous run ended in a crash report or with no shutdown at all (killed). */
export const detectServerCrashed = (ctx: DetectContext): Detection[] =>
  newProcess(ctx).filter((d) => d.kind === 'server-crashed');
