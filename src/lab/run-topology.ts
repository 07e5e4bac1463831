import { Redis } from 'ioredis';
import type { NodeAddress } from './clients/client-under-test.js';
import { type Cluster, startCluster } from './redis-server/start-cluster.js';
import { type SentinelSet, startSentinel } from './redis-server/start-sentinel.js';
import { type TrackedCommand, writeKey } from './scenarios/app-traffic.js';
import { roleOf } from './scenarios/failover-under-writes.js';
import type { FailoverFacts, TopologyScenario } from './scenarios/scenario.js';
import type { Stage, StageKit } from './stage.js';

/** Bound for a cluster to report cluster_state:ok again before the read-back. */
const CLUSTER_OK_MS = 15_000;

/**
 * A throwaway Sentinel set (1 master, 1 replica, 3 sentinels, down-after 2000 ms) or 3 + 3 cluster
 * (node-timeout 2000 ms), with the client under test connected directly through the library's
 * Sentinel or Cluster client. Afterwards each write is read back from the master that holds its key.
 */
export async function prepareTopology(
  scenario: TopologyScenario,
  kit: StageKit,
  sawFailover: (facts: FailoverFacts) => void,
): Promise<Stage> {
  let facts: FailoverFacts | undefined;
  const record = (seen: FailoverFacts) => {
    facts = seen;
    sawFailover(seen);
  };
  if (scenario.topology === 'sentinel') {
    const set = await startSentinel();
    kit.onCleanup(() => set.stop());
    const sentinels = set.sentinels.map((s): NodeAddress => ({ host: s.host, port: s.port }));
    const app = kit.makeApp({
      host: set.master.host,
      port: set.master.port,
      topology: { kind: 'sentinel', name: set.masterName, sentinels },
    });
    return {
      app,
      run: (basics) => scenario.run({ ...basics, sentinel: set, sawFailover: record }),
      async readBack(writes) {
        const finalMaster = await sentinelMaster(set);
        for (const w of writes) w.node = finalMaster;
        return countRuns(writes, new Map([[finalMaster, writes]]));
      },
      doctorUrl: async () => set.url, // the whole set, through its sentinels
    };
  }
  const cluster = await startCluster();
  kit.onCleanup(() => cluster.stop());
  const nodes = cluster.nodes.map((n): NodeAddress => ({ host: n.host, port: n.port }));
  const app = kit.makeApp({
    host: cluster.nodes[0]?.host ?? '127.0.0.1',
    port: cluster.nodes[0]?.port ?? 0,
    topology: { kind: 'cluster', nodes },
  });
  return {
    app,
    run: (basics) => scenario.run({ ...basics, cluster, sawFailover: record }),
    async readBack(writes) {
      const byMaster = await byFinalMaster(cluster, writes);
      for (const [port, held] of byMaster) for (const w of held) w.node = port;
      return countRuns(writes, byMaster);
    },
    // The whole cluster, from the master of the shard that failed over (the seed may be the dead node).
    doctorUrl: async () =>
      `redis://127.0.0.1:${facts?.newMaster ?? (await cluster.masters())[0]?.port ?? cluster.nodes[0]?.port}`,
  };
}

/** The one data node that answers ROLE as master; if none or several, the one the sentinels name. */
async function sentinelMaster(set: SentinelSet): Promise<number> {
  const data = [set.master, ...set.replicas];
  const roles = await Promise.all(data.map((node) => roleOf(node.port)));
  const masters = data.filter((_, i) => roles[i] === 'master');
  return masters.length === 1 ? (masters[0]?.port as number) : (await set.currentMaster()).port;
}

/** The writes grouped by the master that holds their key's slot once the cluster is ok again. */
async function byFinalMaster(
  cluster: Cluster,
  writes: TrackedCommand[],
): Promise<Map<number, TrackedCommand[]>> {
  await cluster.waitForState('ok', CLUSTER_OK_MS).catch(() => undefined); // read what there is
  const masters = await cluster.masters();
  const slots = await onNode(masters[0]?.port ?? 0, (redis) => {
    const pipeline = redis.pipeline();
    for (const w of writes) pipeline.call('CLUSTER', 'KEYSLOT', writeKey(w.seq));
    return pipeline.exec();
  });
  const byMaster = new Map<number, TrackedCommand[]>();
  for (const [i, w] of writes.entries()) {
    const slot = Number(slots?.[i]?.[1]);
    const owner = masters.find((m) => m.slots.some(([from, to]) => slot >= from && slot <= to));
    if (!owner) continue; // a slot nobody serves: its writes count as not found
    byMaster.set(owner.port, [...(byMaster.get(owner.port) ?? []), w]);
  }
  return byMaster;
}

/** Each write's counter as the master holding it has it (0: missing, or no master holds it). */
async function countRuns(
  writes: TrackedCommand[],
  byMaster: Map<number, TrackedCommand[]>,
): Promise<Record<number, number>> {
  const executions: Record<number, number> = {};
  for (const w of writes) executions[w.seq] = 0;
  for (const [port, held] of byMaster) {
    // GETs, not one MGET: a cluster master refuses an MGET across slots (CROSSSLOT).
    const values = await onNode(port, (redis) => {
      const pipeline = redis.pipeline();
      for (const w of held) pipeline.get(writeKey(w.seq));
      return pipeline.exec();
    });
    for (const [i, w] of held.entries()) {
      const [error, value] = values?.[i] ?? [new Error('no reply')];
      if (error) throw new Error(`reading ${writeKey(w.seq)} back from 127.0.0.1:${port}: ${error.message}`);
      executions[w.seq] = Number(value ?? 0);
    }
  }
  return executions;
}

/** `fn` on a short-lived admin connection to one node (READONLY not needed: masters only). */
async function onNode<T>(port: number, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectionName: 'lab-admin',
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    commandTimeout: 5000,
  });
  redis.on('error', () => undefined); // the rejected promise carries it
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}
