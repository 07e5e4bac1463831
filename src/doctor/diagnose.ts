import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import { mostLikelyCause, runRule, sortResults, summarize } from './evaluate.js';
import type { Evidence } from './evidence.js';
import type { Report } from './report/types.js';
import type { Rule } from './rules/define-rule.js';
import { RULES } from './rules/index.js';

export interface RuleSelection {
  /** Rule ids or categories to run (all when empty). */
  only?: readonly string[];
  /** Rule ids or categories to leave out. */
  skip?: readonly string[];
}

/** The rules a selection names; an unknown id or category is a usage error. */
export function selectRules(selection: RuleSelection = {}): Rule[] {
  const known = new Set(RULES.flatMap((r) => [r.id, r.category]));
  for (const name of [...(selection.only ?? []), ...(selection.skip ?? [])]) {
    if (!known.has(name)) {
      throw new CannotRunError(
        ERROR_CODES.unknownRule,
        `Unknown rule or category "${name}". Run "lifeline doctor --list-rules" to see them.`,
      );
    }
  }
  const matches = (rule: Rule, names: readonly string[]) =>
    names.includes(rule.id) || names.includes(rule.category);
  return RULES.filter(
    (rule) =>
      (!selection.only?.length || matches(rule, selection.only)) && !matches(rule, selection.skip ?? []),
  );
}

/** Pure: evidence in, results out. The same function serves the CLI, the library and the fixture tests. */
export function diagnose(
  evidence: Evidence,
  selection: RuleSelection = {},
): Pick<Report, 'results' | 'summary' | 'mostLikelyCause'> {
  const rules = selectRules(selection);
  const results = sortResults(rules.map((rule) => runRule(rule, evidence)));
  return { results, summary: summarize(results), mostLikelyCause: mostLikelyCause(results, rules) };
}
