import { serverKillDetector } from './server-kill-detector.js';

/** Clients evicted to keep all clients' memory under maxmemory-clients (Redis 7.0+). */
export const detectClientEviction = serverKillDetector({
  kind: 'client-eviction',
  counter: 'evictedClients',
  counterName: 'evicted_clients',
  logKind: 'client-evicted',
  title: 'Clients were evicted to keep client memory under maxmemory-clients',
  what: 'by client eviction (maxmemory-clients)',
});
