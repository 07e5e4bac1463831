import type { LogEventKind } from '../../core/log/classify-log-event.js';
import { recentVictims } from '../../doctor/rules/helpers.js';
import { WATCH_CONNECTION_NAME } from '../sampling/target-link.js';
import type { DetectContext } from './detect-context.js';

/** This round's log events of a kind, without watch's own connection (a tiny limit may cut it off too). */
export function victimsInLog(ctx: DetectContext, kind: LogEventKind) {
  const events = ctx.cur.logEvents.filter(
    (ev) => ev.kind === kind && ev.client?.name !== WATCH_CONNECTION_NAME,
  );
  return { count: events.length, victims: recentVictims(events) };
}
