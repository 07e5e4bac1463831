import type { LogEvent } from '../core/log/summarize-log.js';
import { summarizeClientList } from '../doctor/collectors/clients.js';
import { runRule } from '../doctor/evaluate.js';
import { type Evidence, ok, type TargetIdentity, unavailable } from '../doctor/evidence.js';
import type { Fix } from '../doctor/report/types.js';
import { RULES } from '../doctor/rules/index.js';
import type { DetectContext } from './detectors/detect-context.js';

const NOT_SAMPLED = 'not sampled by watch';

/**
 * The doctor's fixes and explanation for a cause they share an id with, computed from what this
 * round saw: watch names the incident, the doctor's rule says what to do about it.
 */
export function doctorAdvice(
  ruleId: string,
  ctx: DetectContext,
  target: TargetIdentity,
): { fix: Fix[]; explanation: string } | undefined {
  const rule = RULES.find((r) => r.id === ruleId);
  if (!rule) return undefined;
  const result = runRule(rule, evidenceOf(ctx, target));
  if (result.status !== 'finding' || result.fix.length === 0) return undefined;
  return { fix: result.fix, explanation: result.explanation };
}

function evidenceOf(ctx: DetectContext, target: TargetIdentity): Evidence {
  const { cur } = ctx;
  const server = cur.sample.server;
  const list = cur.clientList;
  return {
    target: {
      ...target,
      product: server.product === 'valkey' ? 'valkey' : server.product === 'redis' ? 'redis' : 'unknown',
      version: server.version,
      mode: cur.info.fields.redis_mode ?? 'standalone',
      role: server.role,
      pingMs: cur.sample.durationMs,
    },
    info: ok(cur.info),
    config: ctx.config ? ok(ctx.config) : unavailable('CONFIG is not available'),
    clients: list ? ok(summarizeClientList(list.text, list.ownId)) : unavailable(NOT_SAMPLED),
    slowlog: unavailable(NOT_SAMPLED),
    latency: unavailable(NOT_SAMPLED),
    host: unavailable(NOT_SAMPLED),
    log: ctx.logFollowed ? ok(logOf(cur.logEvents)) : unavailable('the server log is not followed'),
    settings: {
      clientIdleTimeoutS: ctx.options.clientIdleTimeoutS,
      lbIdleTimeoutS: ctx.options.lbIdleTimeoutS,
      recentS: 24 * 3600,
    },
  };
}

function logOf(events: LogEvent[]): Extract<Evidence['log'], { status: 'ok' }>['value'] {
  const counts: Record<string, number> = {};
  for (const ev of events) counts[ev.kind] = (counts[ev.kind] ?? 0) + 1;
  return {
    linesRead: events.length,
    linesParsed: events.length,
    format: 'unknown',
    counts,
    events,
    runs: [],
    firstLineAt: events[0]?.at,
    lastLineAt: events.at(-1)?.at,
    path: '',
    fileBytes: 0,
    bytesRead: 0,
    tailOnly: true,
    source: 'config',
  };
}
