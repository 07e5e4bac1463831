/**
 * watch on the data nodes of a real Sentinel set (Redis 7.0.15) through a SENTINEL FAILOVER: the
 * demoted master and the promoted replica are named as role changes within two intervals.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { startSentinel } from '../../src/lab/redis-server/start-sentinel.js';
import { closeAfterEach } from '../support/fault-rig.js';
import { watching } from '../support/watching.js';
import { waitFor } from '../support/with-redis.js';

/** ROLE of a data node, on a fresh connection. */
async function roleOf(port: number): Promise<unknown> {
  const redis = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    return await redis.call('ROLE');
  } finally {
    redis.disconnect();
  }
}

const defer = closeAfterEach();
const INTERVAL_MS = 500;

it('SENTINEL FAILOVER: role-changed on the old master (critical) and on the new one, within two intervals', async () => {
  const set = await startSentinel();
  defer(() => set.stop());
  const oldMaster = set.master;
  const newMaster = set.replicas[0];
  if (!newMaster) throw new Error('startSentinel gave no replica');
  const options = { intervalMs: INTERVAL_MS };
  const [demoted, promoted] = await Promise.all([
    watching(defer, oldMaster.url, options),
    watching(defer, newMaster.url, options),
  ]);
  const sentinel = new Redis({ port: set.sentinels[0]?.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  defer(() => sentinel.disconnect());
  await sentinel.connect();
  await sentinel.call('SENTINEL', 'FAILOVER', set.masterName);
  await set.waitForMaster(newMaster.port, 15_000);
  const promotedAt = Date.now();
  const up = await promoted.next('role-changed', 0, 10_000);
  expect(up.incident).toMatchObject({
    severity: 'warning',
    evidence: { previousRole: 'slave', role: 'master' },
  });
  expect(up.receivedAt - promotedAt).toBeLessThan(2 * INTERVAL_MS + 500);
  // Sentinel demotes the old master only when it next reads it (up to its 10 s INFO period): until
  // then that node is a second master taking writes. Its role flip is named within two intervals.
  const flippedAt: number = await waitFor(
    'the old master to be demoted',
    async () => {
      // Sentinel kills the clients of the node it reconfigures: a closed connection is asked again.
      const role = (await roleOf(oldMaster.port).catch(() => [])) as unknown[];
      return role[0] === 'slave' ? Date.now() : 0;
    },
    20_000,
  );
  const down = await demoted.next('role-changed', 0, 5_000);
  expect(down.incident).toMatchObject({ severity: 'critical', cause: 'failover' });
  expect(down.incident.message).toMatch(
    new RegExp(`master → slave .*replicates 127\\.0\\.0\\.1:${newMaster.port}`),
  );
  expect(down.receivedAt - flippedAt).toBeLessThan(2 * INTERVAL_MS + 500);
  console.log(`old master demoted ${flippedAt - promotedAt} ms after the promotion`);
  // The old master is still the same process: no restart or failover of the address is claimed.
  expect(demoted.incidents.map((i) => i.incident.kind)).not.toContain('server-restarted');
}, 60_000);
