import type { TopologyEvidence, TopologyKind } from '../../topology/topology-evidence.js';
import type { Rule, RuleOutcome } from '../define-rule.js';

/**
 * A rule over a whole Sentinel set or Cluster: the same contract as a Rule (one cause, a tier, a pure
 * check), read from TopologyEvidence instead of one server's evidence. It has no `needs`: the evidence
 * of each node says itself what could not be read, and the check skips or narrows its finding.
 */
export interface TopologyRule extends Pick<Rule, 'id' | 'cause' | 'title' | 'severity' | 'tier'> {
  category: 'topology';
  /** The topologies it is about: a Cluster rule has nothing to say about a Sentinel set. */
  kinds: readonly TopologyKind[];
  /**
   * Pure: no I/O, no clock (the evidence carries `at`), no printing. A finding about one node names it
   * as `node: "host:port"` in its evidence (several: `nodes`), for the report to lift.
   */
  check(t: TopologyEvidence): RuleOutcome;
}

/** A topology rule; its category is always `topology`. */
export const defineTopologyRule = (rule: Omit<TopologyRule, 'category'>): TopologyRule => ({
  ...rule,
  category: 'topology',
});
