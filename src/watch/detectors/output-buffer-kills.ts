import { serverKillDetector } from './server-kill-detector.js';

/** Clients closed for overcoming client-output-buffer-limit (a reply or pub/sub backlog too large). */
export const detectOutputBufferKills = serverKillDetector({
  kind: 'output-buffer-kills',
  counter: 'outputBufferKills',
  counterName: 'client_output_buffer_limit_disconnections',
  logKind: 'output-buffer-kill',
  title: 'Clients were closed for exceeding client-output-buffer-limit',
  what: 'for overcoming their output buffer limit',
});
