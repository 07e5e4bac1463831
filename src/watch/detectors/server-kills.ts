import type { LogEventKind } from '../../core/log/classify-log-event.js';
import { whoIs } from '../../doctor/rules/helpers.js';
import type { Counters, IncidentCause } from '../types.js';
import { counterDelta, type DetectContext, type Detection, type Detector } from './detect-context.js';
import { victimsInLog } from './victims.js';

interface KillKind {
  cause: Extract<IncidentCause, 'output-buffer-kills' | 'query-buffer-kills' | 'client-eviction'>;
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
function serverKillDetector(kind: KillKind): Detector {
  return (ctx: DetectContext): Detection[] => {
    const counted = counterDelta(ctx, kind.counter);
    const logged = victimsInLog(ctx, kind.logKind);
    const count = counted ?? logged.count;
    if (!count) return [];
    const last = logged.victims.at(-1);
    return [
      {
        cause: kind.cause,
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

export const detectOutputBufferKills = serverKillDetector({
  cause: 'output-buffer-kills',
  counter: 'outputBufferKills',
  counterName: 'client_output_buffer_limit_disconnections',
  logKind: 'output-buffer-kill',
  title: 'Clients were closed for exceeding client-output-buffer-limit',
  what: 'for overcoming their output buffer limit',
});

export const detectQueryBufferKills = serverKillDetector({
  cause: 'query-buffer-kills',
  counter: 'queryBufferKills',
  counterName: 'client_query_buffer_limit_disconnections',
  logKind: 'query-buffer-kill',
  title: 'Clients were closed for exceeding client-query-buffer-limit',
  what: 'for sending more than the query buffer limit',
});

export const detectClientEviction = serverKillDetector({
  cause: 'client-eviction',
  counter: 'evictedClients',
  counterName: 'evicted_clients',
  logKind: 'client-evicted',
  title: 'Clients were evicted to keep client memory under maxmemory-clients',
  what: 'by client eviction (maxmemory-clients)',
});
