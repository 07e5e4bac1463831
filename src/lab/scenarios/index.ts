import blackholeIdle from './catalogue/blackhole-idle.js';
import blackholeInFlight from './catalogue/blackhole-in-flight.js';
import clientEviction from './catalogue/client-eviction.js';
import clientKill from './catalogue/client-kill.js';
import crashRestart from './catalogue/crash-restart.js';
import idleTimeout from './catalogue/idle-timeout.js';
import lbIdleReset from './catalogue/lb-idle-reset.js';
import maxclients from './catalogue/maxclients.js';
import natSilentDrop from './catalogue/nat-silent-drop.js';
import outputBufferNormal from './catalogue/output-buffer-normal.js';
import outputBufferPubsub from './catalogue/output-buffer-pubsub.js';
import queryBuffer from './catalogue/query-buffer.js';
import replyLostIncr from './catalogue/reply-lost-incr.js';
import restart from './catalogue/restart.js';
import type { Scenario } from './scenario.js';

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
