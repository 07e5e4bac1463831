import { serverKillDetector } from './server-kill-detector.js';

/** Clients evicted to keep all clients' memory under maxmemory-clients (Redis 7.0+). */
export const detectClientEviction = serverKillDetector({
  kind: 'client-eviction',
  counter: 'evictedClients',
  logKind: 'client-evicted',
  what: 'by client eviction (maxmemory-clients)',
});
