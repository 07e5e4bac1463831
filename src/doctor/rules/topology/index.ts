import clusterStateFail from './cluster-state-fail.js';
import type { TopologyRule } from './define-topology-rule.js';
import failoverOutlastsClientTimeout from './failover-outlasts-client-timeout.js';
import failoverRecent from './failover-recent.js';
import minReplicasUnset from './min-replicas-unset.js';
import nodeFailed from './node-failed.js';
import replicaLinkDown from './replica-link-down.js';
import sentinelQuorumAtRisk from './sentinel-quorum-at-risk.js';
import sentinelsDisagree from './sentinels-disagree.js';
import slotsUncovered from './slots-uncovered.js';
import staleMasterWrites from './stale-master-writes.js';

/**
 * Every topology rule, in the order an expert walks a Sentinel set or a Cluster: is every node up and
 * every slot served, what just happened (a failover, a master too many), can Sentinel still act, is
 * replication healthy, and what the settings risk.
 */
export const TOPOLOGY_RULES: readonly TopologyRule[] = [
  nodeFailed,
  clusterStateFail,
  slotsUncovered,
  failoverRecent,
  staleMasterWrites,
  sentinelsDisagree,
  sentinelQuorumAtRisk,
  replicaLinkDown,
  failoverOutlastsClientTimeout,
  minReplicasUnset,
];
