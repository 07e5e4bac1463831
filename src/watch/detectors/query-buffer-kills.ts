import { serverKillDetector } from './server-kill-detector.js';

/** Clients closed for sending more than client-query-buffer-limit (a request too large, or a pipeline never read). */
export const detectQueryBufferKills = serverKillDetector({
  kind: 'query-buffer-kills',
  counter: 'queryBufferKills',
  counterName: 'client_query_buffer_limit_disconnections',
  logKind: 'query-buffer-kill',
  title: 'Clients were closed for exceeding client-query-buffer-limit',
  what: 'for sending more than the query buffer limit',
});
