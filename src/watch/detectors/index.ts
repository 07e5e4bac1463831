import { detectClientEviction } from './client-eviction.js';
import { detectClientKillsObserved } from './client-kills-observed.js';
import { detectConnectionChurn } from './connection-churn.js';
import type { Detector } from './detect-context.js';
import { detectGhostConnections } from './ghost-connections.js';
import { detectIdleTimeoutReaping } from './idle-timeout-reaping.js';
import { detectMaxclientsReached } from './maxclients-reached.js';
import { detectOutputBufferAtRisk } from './output-buffer-at-risk.js';
import { detectOutputBufferKills } from './output-buffer-kills.js';
import { detectQueryBufferKills } from './query-buffer-kills.js';
import { detectRoleChanged } from './role-changed.js';
import { detectServerCrashed } from './server-crashed.js';
import { detectServerFailover } from './server-failover.js';
import { detectServerRestarted } from './server-restarted.js';

/**
 * Every detector of a round, named `detect<Kind>` in `detectors/<kind>.ts` after the incident kind it
 * raises (`target-unreachable` is raised on a failed round instead). Run in this order on each
 * successful round: a new server process first, as it explains the rest.
 */
export const DETECTORS: readonly Detector[] = [
  detectServerRestarted,
  detectServerCrashed,
  detectServerFailover,
  detectRoleChanged,
  detectMaxclientsReached,
  detectClientEviction,
  detectOutputBufferKills,
  detectQueryBufferKills,
  detectClientKillsObserved,
  detectIdleTimeoutReaping,
  detectGhostConnections,
  detectConnectionChurn,
  detectOutputBufferAtRisk,
];
