import type { Cause } from '../../../core/causes.js';
import type { LogEventKind } from '../../../core/log/classify-log-event.js';
import type { LogEvent } from '../../../core/log/summarize-log.js';
import type { Evidence } from '../../evidence.js';
import { type Advice, type AdviceFacts, defineRule, type Rule } from '../define-rule.js';
import { adviceFacts, info, isDoctorConnection, logEvents, recentVictims, whoIs } from '../helpers.js';

/** The kills of one kind the server counted and logged, the doctor's own connection left out. */
export interface Kills {
  /** The INFO counter since start (the doctor's own kills included), when this server has it. */
  counter: number | undefined;
  /** The doctor's own connections among the victims in the log. */
  ownKills: number;
  /** Kill lines in the log, the doctor's own left out. */
  logCount: number;
  /** Their events (the most recent ones the log summary kept), oldest first. */
  events: LogEvent[];
}

export interface ServerKillRuleSpec {
  id: string;
  cause: Cause;
  title: string;
  /** The INFO counter of these kills (Redis 7.4 / Valkey 8.0 for the buffer limits, 7.0 for eviction). */
  counter: string;
  /** The log lines that name each victim. */
  logKind: LogEventKind;
  /** Why nothing can be told: this server has no counter and its log is unavailable (for `reason`). */
  noSource(reason: string): string;
  /** The finding's message up to the last victim, and its evidence between the counter and the victims. */
  describe(kills: Kills, e: Evidence): { message: string; evidence: Record<string, unknown> };
  /** What the last victim held when it was closed ("with omem=123 bytes"). */
  held(victim: Record<string, string>): string;
  advise(facts: AdviceFacts): Advice;
}

/**
 * A kill the server does on its own (output buffer, query buffer, client eviction): its INFO counter on
 * the servers that have one, its log lines otherwise; the log names the victims either way. The
 * doctor's own connection, which a tiny limit may cut off too, is never counted as the app's drop.
 */
export function serverKillRule(spec: ServerKillRuleSpec): Rule {
  return defineRule({
    id: spec.id,
    cause: spec.cause,
    title: spec.title,
    category: 'clients',
    severity: 'critical',
    tier: 'observed',
    needs: [],
    advise: spec.advise,
    check(e) {
      const counter = info(e, spec.counter);
      if (counter === undefined && e.log.status !== 'ok') return { skip: spec.noSource(e.log.reason) };
      const all = logEvents(e, spec.logKind);
      const events = all.events.filter((ev) => !isDoctorConnection(ev));
      const ownKills = all.events.length - events.length;
      const logCount = all.count - ownKills;
      // The counter includes the doctor's own kills too; only the app's count.
      if (!(counter !== undefined && counter > ownKills) && logCount === 0) return undefined;

      const kills: Kills = { counter, ownKills, logCount, events };
      const victims = recentVictims(events);
      const last = victims.at(-1);
      const { message, evidence } = spec.describe(kills, e);
      const advice = spec.advise(adviceFacts(e));
      return {
        confidence: 'high',
        message: `${message}${last ? ` Last: ${whoIs(last)} ${spec.held(last)}${last.at ? ` at ${last.at}` : ''}.` : ''}`,
        explanation: advice.explanation,
        evidence: { [spec.counter]: counter ?? null, ...evidence, recentVictims: victims },
        fix: advice.fix,
      };
    },
  });
}

/** The facts' log events of one kind: the clients the server closed that way. */
export const killedIn = (facts: AdviceFacts, kind: LogEventKind): LogEvent[] =>
  facts.log?.events.filter((ev) => ev.kind === kind) ?? [];
