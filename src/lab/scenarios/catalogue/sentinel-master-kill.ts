import { sentinelFailoverScenario } from '../failover-under-writes.js';

/** kill -9 of the master under 50 writes/s: the sentinels fail over after down-after (2 s). */
export default sentinelFailoverScenario({
  id: 'sentinel-master-kill',
  title: 'kill -9 of the Sentinel master under writes',
  // Only killed: the set's stop() finds the process gone and removes its dir.
  fault: async (set) => process.kill(set.master.pid, 'SIGKILL'),
  writeFor: { afterStopMs: 4000 },
});
