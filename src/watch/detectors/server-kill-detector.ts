import type { LogEventKind } from '../../core/log/classify-log-event.js';
import { SERVER_KILLS, type ServerKill } from '../../core/server-kills.js';
import { whoIs } from '../../doctor/rules/helpers.js';
import type { IncidentKind } from '../types.js';
import { counterDelta, type DetectContext, type Detection, type Detector } from './detect-context.js';
import { victimsInLog } from './victims.js';

export interface KillKind {
  kind: Extract<IncidentKind, 'output-buffer-kills' | 'query-buffer-kills' | 'client-eviction'>;
  /** Its INFO counter and title (core/server-kills.ts). */
  counter: ServerKill;
  logKind: LogEventKind;
  what: string;
}

/**
 * Kills the server does on its own: a counter on servers that have it (7.4+ for the buffer limits,
 * 7.0+ for eviction), the log lines otherwise; the log names the victims either way.
 */
export function serverKillDetector(kind: KillKind): Detector {
  const { field, title } = SERVER_KILLS[kind.counter];
  return (ctx: DetectContext): Detection[] => {
    const counted = counterDelta(ctx, kind.counter);
    const logged = victimsInLog(ctx, kind.logKind);
    const count = counted ?? logged.count;
    if (!count) return [];
    const last = logged.victims.at(-1);
    return [
      {
        kind: kind.kind,
        severity: 'critical',
        confidence: 'high',
        title,
        connections: count,
        message: `${count} client${count === 1 ? ' was' : 's were'} closed ${kind.what} since the last sample${
          counted !== undefined ? ` (${field} +${counted})` : ' (server log)'
        }.${last ? ` Last: ${whoIs(last)}.` : ''}`,
        evidence: {
          [field]: ctx.cur.sample.counters[kind.counter] ?? null,
          delta: count,
          source: counted !== undefined ? 'counter' : 'log',
          recentVictims: logged.victims,
        },
      },
    ];
  };
}
