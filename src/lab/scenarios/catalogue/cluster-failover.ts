import type { ClusterNode } from '../../redis-server/start-cluster.js';
import { ask } from '../../redis-server/topology-support.js';
import { clusterFailoverScenario } from '../failover-under-writes.js';

/** CLUSTER FAILOVER on the replica of one master (a manual failover) under 50 writes/s across slots. */
export default clusterFailoverScenario({
  id: 'cluster-failover',
  title: 'CLUSTER FAILOVER of one shard under writes (Cluster client)',
  fault: (shard) => ask((shard.replicas[0] as ClusterNode).port, ['CLUSTER', 'FAILOVER']),
  writeFor: { afterStopMs: 3000 },
});
