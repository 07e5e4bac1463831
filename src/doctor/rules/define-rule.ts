import type { Cause } from '../../core/causes.js';
import type { LogSummary } from '../../core/log/summarize-log.js';
import type { Info } from '../../core/parse-info.js';
import { docsPath } from '../../docs-path.js';
import type { ClientSnapshot, Evidence, EvidenceSource, TargetFacts, TargetIdentity } from '../evidence.js';
import type { Confidence, Fix, Severity } from '../report/types.js';

/**
 * How directly a finding answers "why are my connections dropped?" (DESIGN.md): proof that drops
 * happened outranks a setting that makes them likely, which outranks a symptom with many causes.
 * Host hygiene cannot drop a connection by itself and is never the most likely cause.
 */
export type Tier = 'observed' | 'risk' | 'symptom' | 'hygiene';

export interface RuleFinding {
  severity?: Severity;
  confidence: Confidence;
  message: string;
  explanation: string;
  evidence: Record<string, unknown>;
  fix: Fix[];
}

export type RuleOutcome = RuleFinding | { skip: string } | undefined;

/**
 * What a rule's advice is computed from: plain facts, as the doctor collected them or as one round of
 * watch saw them. Each is absent when it could not be read; an adviser then says what it can.
 */
export interface AdviceFacts {
  /** Whom the redis-cli lines address (they ask for a password, never print one). */
  target: TargetIdentity & Partial<Pick<TargetFacts, 'product' | 'version'>>;
  /** INFO as read: its counters and gauges. */
  info?: Info;
  /** CONFIG GET values. */
  config?: Readonly<Record<string, string>>;
  /**
   * Server log events of the period looked at (the log tail, or the round), the observer's own
   * connection left out: the clients the server closed are named here.
   */
  log?: Pick<LogSummary, 'events' | 'counts'>;
  /** Live clients from CLIENT LIST: all of them, or at least the ones with the largest output buffers. */
  clients?: readonly ClientSnapshot[];
}

/** Why it matters and what to do about it, with the live values in the commands. */
export interface Advice {
  explanation: string;
  fix: Fix[];
}

export interface Rule {
  id: string;
  /** The drop cause this rule diagnoses (or makes likely), from the product's one vocabulary. */
  cause: Cause;
  title: string;
  category: 'server' | 'clients' | 'network' | 'memory' | 'host' | 'commands' | 'replication';
  /** Default severity of a finding; a finding may lower or raise it. */
  severity: Severity;
  tier: Tier;
  /** Evidence the rule cannot work without: if any is unavailable, the rule is skipped with that reason. */
  needs: EvidenceSource[];
  /** Pure: no I/O, no clock (the evidence carries the times), no printing. */
  check(evidence: Evidence): RuleOutcome;
  /**
   * The advice of a finding, apart from detecting it: `check` builds its explanation and fix with it,
   * and watch calls it for an incident of the same id. Pure, like `check`.
   */
  advise?(facts: AdviceFacts): Advice;
}

export const defineRule = (rule: Rule): Rule => rule;

export const ruleDocsPath = (id: string): string => docsPath(`rules/${id}.md`);
