import type { Evidence } from './evidence.js';
import type { Confidence, Report, RuleResult, Severity } from './report/types.js';
import { type Rule, type RuleOutcome, ruleDocsPath, type Tier } from './rules/define-rule.js';

const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };
const CONFIDENCE_RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };
const TIER_RANK: Record<Tier, number> = { observed: 3, risk: 2, symptom: 1, hygiene: 0 };
const STATUS_RANK = { finding: 0, crashed: 1, skipped: 2, pass: 3 } as const;

/** Runs one rule; a rule that throws becomes a "crashed" result and never hides the others. */
export function runRule(rule: Rule, evidence: Evidence): RuleResult {
  const missing = rule.needs.find((source) => evidence[source].status !== 'ok');
  if (missing) {
    const source = evidence[missing];
    return skippedResult(rule, source.status === 'unavailable' ? source.reason : '');
  }
  return checkedResult(rule, () => rule.check(evidence));
}

type RuleHeader = Pick<Rule, 'id' | 'cause' | 'title' | 'severity'> & { category: string };

const header = (rule: RuleHeader) => ({
  ruleId: rule.id,
  cause: rule.cause,
  category: rule.category,
  title: rule.title,
  docs: ruleDocsPath(rule.id),
});
const EMPTY = { message: '', explanation: '', evidence: {}, fix: [] };

/** A rule that did not run, and why. */
export const skippedResult = (rule: RuleHeader, reason: string): RuleResult => ({
  ...header(rule),
  ...EMPTY,
  status: 'skipped',
  reason,
});

/** The result of a rule's check (any kind of rule): pass, skip, finding, or crashed when it threw. */
export function checkedResult(rule: RuleHeader, check: () => RuleOutcome): RuleResult {
  try {
    const outcome = check();
    if (outcome === undefined) return { ...header(rule), ...EMPTY, status: 'pass' };
    if ('skip' in outcome) return skippedResult(rule, outcome.skip);
    return { ...header(rule), status: 'finding', severity: outcome.severity ?? rule.severity, ...outcome };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ...header(rule), ...EMPTY, status: 'crashed', reason };
  }
}

/** Findings first, by severity then confidence; then crashed, skipped and passed rules. */
export function sortResults(results: RuleResult[]): RuleResult[] {
  const severity = (r: RuleResult) => (r.severity ? SEVERITY_RANK[r.severity] : 0);
  const confidence = (r: RuleResult) => (r.confidence ? CONFIDENCE_RANK[r.confidence] : 0);
  // Array.prototype.sort is stable, so equal results keep the rules' walk order.
  return [...results].sort(
    (a, b) =>
      STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
      severity(b) - severity(a) ||
      confidence(b) - confidence(a),
  );
}

/**
 * The answer to "why are my connections dropped?": proof of drops beats settings that make them likely,
 * which beat symptoms; host hygiene and info-level findings never answer it.
 */
export function mostLikelyCause(
  results: RuleResult[],
  rules: readonly Pick<Rule, 'id' | 'tier'>[],
): Report['mostLikelyCause'] {
  const tierOf = new Map(rules.map((r) => [r.id, r.tier]));
  const candidates = results.filter(
    (r) => r.status === 'finding' && r.severity !== 'info' && tierOf.get(r.ruleId) !== 'hygiene',
  );
  const score = (r: RuleResult) =>
    TIER_RANK[tierOf.get(r.ruleId) ?? 'hygiene'] * 100 +
    SEVERITY_RANK[r.severity ?? 'info'] * 10 +
    CONFIDENCE_RANK[r.confidence ?? 'low'];
  const best = candidates.reduce<RuleResult | undefined>(
    (a, r) => (!a || score(r) > score(a) ? r : a),
    undefined,
  );
  return best
    ? { ruleId: best.ruleId, cause: best.cause, title: best.title, confidence: best.confidence ?? 'low' }
    : null;
}

export function summarize(results: RuleResult[]): Report['summary'] {
  const summary = { critical: 0, warning: 0, info: 0, passed: 0, skipped: 0, crashed: 0 };
  for (const r of results) {
    if (r.status === 'finding') summary[r.severity ?? 'info']++;
    else if (r.status === 'pass') summary.passed++;
    else summary[r.status]++;
  }
  return summary;
}
