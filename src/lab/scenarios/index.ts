import blackholeIdle from './catalogue/blackhole-idle.js';
import blackholeInFlight from './catalogue/blackhole-in-flight.js';
import clientEviction from './catalogue/client-eviction.js';
import clientKill from './catalogue/client-kill.js';
import clusterFailover from './catalogue/cluster-failover.js';
import clusterMasterKill from './catalogue/cluster-master-kill.js';
import crashRestart from './catalogue/crash-restart.js';
import idleTimeout from './catalogue/idle-timeout.js';
import lbIdleReset from './catalogue/lb-idle-reset.js';
import maxclients from './catalogue/maxclients.js';
import natSilentDrop from './catalogue/nat-silent-drop.js';
import outputBufferNormal from './catalogue/output-buffer-normal.js';
import outputBufferPubsub from './catalogue/output-buffer-pubsub.js';
import queryBuffer from './catalogue/query-buffer.js';
import readonlyAfterDemotion from './catalogue/readonly-after-demotion.js';
import replyLostIncr from './catalogue/reply-lost-incr.js';
import restart from './catalogue/restart.js';
import sentinelFailover from './catalogue/sentinel-failover.js';
import sentinelMasterKill from './catalogue/sentinel-master-kill.js';
import type { LabScenario, Scenario, TopologyScenario } from './scenario.js';

/** The catalogue, in the order of the issue: network faults, then server-side causes. */
export const SCENARIOS: readonly Scenario[] = [
  idleTimeout,
  lbIdleReset,
  natSilentDrop,
  blackholeIdle,
  blackholeInFlight,
  replyLostIncr,
  restart,
  crashRestart,
  maxclients,
  outputBufferPubsub,
  outputBufferNormal,
  clientEviction,
  queryBuffer,
  clientKill,
];

/**
 * The failover scenarios, each on its own Sentinel set or cluster (5–6 processes, 7–18 s): not part of
 * a default run; run them by id or all with `lifeline lab --failover`.
 */
export const FAILOVER_SCENARIOS: readonly TopologyScenario[] = [
  sentinelFailover,
  sentinelMasterKill,
  readonlyAfterDemotion,
  clusterFailover,
  clusterMasterKill,
];

/** Every scenario the lab knows, by id. */
export const ALL_SCENARIOS: readonly LabScenario[] = [...SCENARIOS, ...FAILOVER_SCENARIOS];
