import { docsPath } from '../../docs-path.js';
import type { Evidence, EvidenceSource } from '../evidence.js';
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

export interface Rule {
  id: string;
  title: string;
  category: 'server' | 'clients' | 'network' | 'memory' | 'host' | 'commands' | 'replication';
  /** Default severity of a finding; a finding may lower or raise it. */
  severity: Severity;
  tier: Tier;
  /** Evidence the rule cannot work without: if any is unavailable, the rule is skipped with that reason. */
  needs: EvidenceSource[];
  /** Pure: no I/O, no clock (the evidence carries the times), no printing. */
  check(evidence: Evidence): RuleOutcome;
}

export const defineRule = (rule: Rule): Rule => rule;

export const ruleDocsPath = (id: string): string => docsPath(`rules/${id}.md`);
