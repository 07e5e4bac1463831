import { ask } from '../../redis-server/topology-support.js';
import { sentinelFailoverScenario } from '../failover-under-writes.js';

/**
 * The master's own FAILOVER command (Redis 6.2+) under 50 writes/s: it hands over to its replica and
 * becomes a replica itself without closing its clients, so a client that stays connected gets READONLY.
 */
export default sentinelFailoverScenario({
  id: 'readonly-after-demotion',
  title: 'FAILOVER demotes the master under the app (READONLY)',
  fault: (set) => ask(set.master.port, ['FAILOVER']),
  writeFor: { afterFaultMs: 10_000 },
});
