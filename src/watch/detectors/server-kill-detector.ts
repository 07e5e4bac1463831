import type { LogEventKind } from '../../core/log/classify-log-event.js';
import { whoIs } from '../../doctor/rules/helpers.js';
import type { Counters, IncidentKind } from '../types.js';
import { counterDelta, type DetectContext, type Detection, type Detector } from './detect-context.js';
import { victimsInLog } from './victims.js';

export interface KillKind {
  kind: Extract<IncidentKind, 'output-buffer-kills' | 'query-buffer-kills' | 'client-eviction'>;
  counter: keyof Counters;
  counterName: string;
  logKind: LogEventKind;
  title: string;
  what: string;
}

/**
 * Kills the server does on its own: a counter on servers that have it (7.4+ for the buffer limits,
 * 7.0+ for eviction), the log lines otherwise; the log names the victims either way.
 */
export function serverKillDetector(kind: KillKind): Detector {
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
        title: kind.title,
        connections: count,
        message: `${count} client${count === 1 ? ' was' : 's were'} closed ${kind.what} since the last sample${
          counted !== undefined ? ` (${kind.counterName} +${counted})` : ' (server log)'
        }.${last ? ` Last: ${whoIs(last)}.` : ''}`,
        evidence: {
          [kind.counterName]: ctx.cur.sample.counters[kind.counter] ?? null,
          delta: count,
          source: counted !== undefined ? 'counter' : 'log',
          recentVictims: logged.victims,
        },
      },
    ];
  };
}
