import { checkedResult, skippedResult } from '../evaluate.js';
import type { RuleResult } from '../report/types.js';
import type { TopologyRule } from '../rules/topology/define-topology-rule.js';
import { TOPOLOGY_RULES } from '../rules/topology/index.js';
import type { TopologyEvidence } from './topology-evidence.js';

/**
 * Runs one topology rule, like runRule: a rule that throws becomes a "crashed" result and never hides
 * the others; a rule about another kind of topology is skipped.
 */
export function runTopologyRule(rule: TopologyRule, t: TopologyEvidence): RuleResult {
  if (!rule.kinds.includes(t.kind))
    return skippedResult(rule, `about ${rule.kinds.join(' and ')} topologies only`);
  return checkedResult(rule, () => rule.check(t));
}

/** The rules about this kind of topology, run in their walk order (TOPOLOGY_RULES). */
export const runTopologyRules = (t: TopologyEvidence, rules = TOPOLOGY_RULES): RuleResult[] =>
  rules.filter((rule) => rule.kinds.includes(t.kind)).map((rule) => runTopologyRule(rule, t));
