import { serverKillDetector } from './server-kill-detector.js';

/** Clients closed for sending more than client-query-buffer-limit (a request too large, or a pipeline never read). */
export const detectQueryBufferKills = serverKillDetector({
  kind: 'query-buffer-kills',
  counter: 'queryBufferKills',
  logKind: 'query-buffer-kill',
  what: 'for sending more than the query buffer limit',
});
