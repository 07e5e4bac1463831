import { detectClientKills } from './client-kills.js';
import { detectConnectionChurn } from './connection-churn.js';
import type { Detector } from './detect-context.js';
import { detectGhostConnections } from './ghost-connections.js';
import { detectIdleReaping } from './idle-reaping.js';
import { detectOutputBufferAtRisk } from './output-buffer-at-risk.js';
import { detectRejectedConnections } from './rejected-connections.js';
import { detectClientEviction, detectOutputBufferKills, detectQueryBufferKills } from './server-kills.js';
import { detectServerRestart } from './server-restart.js';

/** Every detector, run in this order on each successful round (a restart first: it explains the rest). */
export const DETECTORS: readonly Detector[] = [
  detectServerRestart,
  detectRejectedConnections,
  detectClientEviction,
  detectOutputBufferKills,
  detectQueryBufferKills,
  detectClientKills,
  detectIdleReaping,
  detectGhostConnections,
  detectConnectionChurn,
  detectOutputBufferAtRisk,
];
