import type { SentinelNode } from '../../redis-server/start-sentinel.js';
import { ask } from '../../redis-server/topology-support.js';
import { sentinelFailoverScenario } from '../failover-under-writes.js';

/**
 * An operator's SENTINEL FAILOVER under 50 writes/s: the replica is promoted at once, but the old
 * master takes writes until Sentinel turns it into a replica (and kills its clients) seconds later.
 */
export default sentinelFailoverScenario({
  id: 'sentinel-failover',
  title: 'SENTINEL FAILOVER under writes (Sentinel client)',
  fault: (set) => ask((set.sentinels[0] as SentinelNode).port, ['SENTINEL', 'FAILOVER', set.masterName]),
  writeFor: { afterStopMs: 2000 },
});
