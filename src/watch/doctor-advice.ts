import type { LogEvent } from '../core/log/summarize-log.js';
import type { TargetIdentity } from '../doctor/evidence.js';
import type { Advice, AdviceFacts } from '../doctor/rules/define-rule.js';
import { RULES } from '../doctor/rules/index.js';
import type { DetectContext } from './detectors/detect-context.js';
import { WATCH_CONNECTION_NAME } from './sampling/target-link.js';

/**
 * The doctor's fixes and explanation for a kind they share an id with, computed by that rule's
 * adviser from what this round saw: watch names the incident, the doctor's rule says what to do.
 */
export function doctorAdvice(ruleId: string, ctx: DetectContext, target: TargetIdentity): Advice | undefined {
  const advise = RULES.find((r) => r.id === ruleId)?.advise;
  if (!advise) return undefined;
  const advice = advise(roundFacts(ctx, target));
  return advice.fix.length === 0 ? undefined : advice;
}

/** This round's facts: its INFO, CONFIG, CLIENT LIST and log lines (watch's own connection left out). */
export function roundFacts(ctx: DetectContext, target: TargetIdentity): AdviceFacts {
  const { cur } = ctx;
  const server = cur.sample.server;
  const list = cur.clientList;
  return {
    target: {
      ...target,
      product: server.product === 'valkey' ? 'valkey' : server.product === 'redis' ? 'redis' : 'unknown',
      version: server.version,
    },
    info: cur.info,
    ...(ctx.config ? { config: ctx.config } : {}),
    ...(ctx.logFollowed ? { log: logOf(cur.logEvents) } : {}),
    ...(list ? { clients: [...list.clients.values()] } : {}),
  };
}

function logOf(all: LogEvent[]): NonNullable<AdviceFacts['log']> {
  const events = all.filter((ev) => ev.client?.name !== WATCH_CONNECTION_NAME);
  const counts: NonNullable<AdviceFacts['log']>['counts'] = {};
  for (const ev of events) counts[ev.kind] = (counts[ev.kind] ?? 0) + 1;
  return { events, counts };
}
