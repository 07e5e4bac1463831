import { clusterFailoverScenario } from '../failover-under-writes.js';

/** kill -9 of one master under 50 writes/s across slots: its replica is promoted after node-timeout (2 s). */
export default clusterFailoverScenario({
  id: 'cluster-master-kill',
  title: 'kill -9 of one cluster master under writes',
  // Only killed: the cluster's stop() finds the process gone and removes its dir.
  fault: async (shard) => process.kill(shard.master.pid, 'SIGKILL'),
  writeFor: { afterStopMs: 4000 },
});
