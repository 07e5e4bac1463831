import clientCloseWaitPile from './clients/client-close-wait-pile.js';
import clientEviction from './clients/client-eviction.js';
import clientKillsObserved from './clients/client-kills-observed.js';
import clientTimeWaitPile from './clients/client-time-wait-pile.js';
import connectionChurn from './clients/connection-churn.js';
import idleTimeoutReaping from './clients/idle-timeout-reaping.js';
import maxclientsNear from './clients/maxclients-near.js';
import maxclientsReached from './clients/maxclients-reached.js';
import outputBufferAtRisk from './clients/output-buffer-at-risk.js';
import outputBufferKills from './clients/output-buffer-kills.js';
import queryBufferKills from './clients/query-buffer-kills.js';
import bigReplies from './commands/big-replies.js';
import type { Rule } from './define-rule.js';
import oomKilled from './host/oom-killed.js';
import overcommitDisabled from './host/overcommit-disabled.js';
import somaxconnBelowBacklog from './host/somaxconn-below-backlog.js';
import memoryNearLimit from './memory/memory-near-limit.js';
import clientKeepaliveNotArmed from './network/client-keepalive-not-armed.js';
import pathRetransmits from './network/path-retransmits.js';
import pathSlow from './network/path-slow.js';
import tcpKeepaliveAboveLbIdle from './network/tcp-keepalive-above-lb-idle.js';
import tcpKeepaliveOff from './network/tcp-keepalive-off.js';
import replicationLinkDrops from './replication/replication-link-drops.js';
import serverCrashed from './server/server-crashed.js';
import serverRestarted from './server/server-restarted.js';

/** Every rule, in the order an expert walks them: did Redis stay up, who was killed, what is at risk. */
export const RULES: readonly Rule[] = [
  serverCrashed,
  oomKilled,
  serverRestarted,
  outputBufferKills,
  queryBufferKills,
  clientEviction,
  maxclientsReached,
  clientKillsObserved,
  clientCloseWaitPile,
  replicationLinkDrops,
  connectionChurn,
  clientTimeWaitPile,
  pathRetransmits,
  pathSlow,
  idleTimeoutReaping,
  tcpKeepaliveOff,
  tcpKeepaliveAboveLbIdle,
  clientKeepaliveNotArmed,
  outputBufferAtRisk,
  maxclientsNear,
  memoryNearLimit,
  bigReplies,
  overcommitDisabled,
  somaxconnBelowBacklog,
];
