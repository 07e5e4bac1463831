import { serverKillDetector } from './server-kill-detector.js';

/** Clients closed for overcoming client-output-buffer-limit (a reply or pub/sub backlog too large). */
export const detectOutputBufferKills = serverKillDetector({
  kind: 'output-buffer-kills',
  counter: 'outputBufferKills',
  logKind: 'output-buffer-kill',
  what: 'for overcoming their output buffer limit',
});
