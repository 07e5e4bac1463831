/**
 * lifeline(client) on an ioredis Cluster and a node-redis cluster client, against a real cluster
 * (3 masters + 3 replicas, cluster-node-timeout 2000 ms), raw and wrapped in the same run: a kill -9
 * of a master under writes (INCR of unique keys at 50/s each, spread over every slot, each read back
 * once the cluster is ok), and a write whose reply is lost on a node's connection.
 */
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { expect, it } from 'vitest';
import { EVENTS, type FailoverEvent } from '../../src/client/events.js';
import { lifeline } from '../../src/client/lifeline.js';
import { FaultProxy } from '../../src/lab/proxy/proxy.js';
import { startCluster } from '../../src/lab/redis-server/start-cluster.js';
import { closeAfterEach } from '../support/fault-rig.js';
import { failureKinds, incrWriter } from '../support/incr-writer.js';
import { callOnce, waitFor } from '../support/with-redis.js';

const defer = closeAfterEach();
const COMMAND_TIMEOUT_MS = 10_000;

/** The value of each key, read from the cluster once it is ok again. */
async function valuesOf(seed: { host: string; port: number }[], keys: string[]) {
  const reader = new Cluster(seed, { redisOptions: { maxRetriesPerRequest: 1 } });
  reader.on('error', () => undefined);
  defer(() => reader.disconnect());
  const values: (string | null)[] = [];
  for (let i = 0; i < keys.length; i += 200) {
    values.push(...(await Promise.all(keys.slice(i, i + 200).map((k) => reader.get(k)))));
  }
  return values;
}

type Seed = { host: string; port: number }[];
interface ClusterClient {
  incr(key: string): Promise<unknown>;
  on(event: string, listener: (payload: FailoverEvent & { endpoint: string }) => void): unknown;
}

/** Each library's Cluster client on `seed`, connected, closed after the test. */
const CLIENTS: [string, (seed: Seed, wrap: boolean) => Promise<ClusterClient>][] = [
  [
    'ioredis Cluster',
    async (seed, wrap) => {
      const client = new Cluster(seed);
      client.on('error', () => undefined);
      defer(() => client.disconnect());
      if (wrap) lifeline(client, { commandTimeoutMs: COMMAND_TIMEOUT_MS });
      await client.ping();
      return client as unknown as ClusterClient;
    },
  ],
  [
    'node-redis createCluster',
    async (seed, wrap) => {
      const client = createCluster({ rootNodes: seed.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
      client.on('error', () => undefined);
      defer(() => client.destroy());
      if (wrap) lifeline(client, { commandTimeoutMs: COMMAND_TIMEOUT_MS });
      await client.connect();
      return client as unknown as ClusterClient;
    },
  ],
];

it.each(CLIENTS)(
  '%s, kill -9 of a master: wrapped, what the cluster refused without running it waits out the election, nothing runs twice, the failover is told',
  async (name, connect) => {
    const cluster = await startCluster();
    defer(() => cluster.stop());
    const [victim] = await cluster.masters();
    const oldMaster = `127.0.0.1:${victim?.port}`;
    const heir = `127.0.0.1:${victim?.replicas[0]?.port}`;
    const seed = cluster.nodes
      .filter((n) => n.port !== victim?.port)
      .map((n) => ({ host: n.host, port: n.port }));
    const [raw, wrapped] = await Promise.all([connect(seed, false), connect(seed, true)]);
    const failovers: FailoverEvent[] = [];
    const disconnects: { endpoint: string }[] = [];
    wrapped.on(EVENTS.failover, (e: FailoverEvent) => failovers.push(e));
    wrapped.on(EVENTS.disconnect, (e: { endpoint: string }) => disconnects.push(e));

    const rawWrites = incrWriter(raw, 'raw');
    const wrappedWrites = incrWriter(wrapped, 'wrapped');
    await new Promise((r) => setTimeout(r, 1_000));
    const killedAt = Date.now();
    process.kill(cluster.nodes.find((n) => n.port === victim?.port)?.pid as number, 'SIGKILL');
    await waitFor(
      'the replica to take over',
      async () => (await cluster.masters()).some((m) => `127.0.0.1:${m.port}` === heir),
      30_000,
    );
    await cluster.waitForState('ok', 30_000);
    await waitFor('the wrapped client to tell the failover', () => failovers.length > 0, 15_000);
    await new Promise((r) => setTimeout(r, 1_500)); // writes on the new master
    await Promise.all([
      rawWrites.stop(COMMAND_TIMEOUT_MS + 5_000),
      wrappedWrites.stop(COMMAND_TIMEOUT_MS + 5_000),
    ]);

    const acked = [...rawWrites.acks, ...wrappedWrites.acks].map((a) => a.key);
    const values = await valuesOf(seed, acked);
    const twice = acked.filter((_, i) => values[i] !== null && values[i] !== '1');
    const lost = (prefix: string) =>
      acked.filter((k, i) => k.startsWith(prefix) && values[i] === null).length;
    console.log(
      `${name} master kill -9: raw ${rawWrites.failures.length} failed [${failureKinds(rawWrites.failures).join('; ')}], ` +
        `${lost('raw')} acknowledged then lost; wrapped ${wrappedWrites.failures.length} failed [${failureKinds(wrappedWrites.failures).join('; ')}], ` +
        `${lost('wrapped')} acknowledged then lost, slowest settled in ${wrappedWrites.slowestMs()} ms; ` +
        `failover told ${failovers[0] ? Date.parse(failovers[0].at) - killedAt : '?'} ms after the kill ` +
        `(writes refused ${failovers[0]?.writesRefusedMs ?? '?'} ms)`,
    );

    // The raw client is the control: it must fail writes for the comparison to say anything.
    expect(rawWrites.failures.length).toBeGreaterThan(10);
    expect(wrappedWrites.failures.length).toBeLessThanOrEqual(Math.floor(rawWrites.failures.length / 2));
    // What may still fail is what was written to the dead master: it may have run, so it is not sent again.
    for (const error of wrappedWrites.failures) expect(error.message).toMatch(/may or may not have run/);
    expect(twice).toEqual([]);
    expect(wrappedWrites.slowestMs()).toBeLessThanOrEqual(COMMAND_TIMEOUT_MS + 1_000);

    expect(disconnects).toContainEqual(expect.objectContaining({ endpoint: oldMaster }));
    expect(failovers).toEqual([
      expect.objectContaining({
        topology: 'cluster',
        by: 'slot-map',
        from: oldMaster,
        to: heir,
        slots: 5461,
      }),
    ]);
    expect(failovers[0]?.writesRefusedMs).toBeGreaterThan(1_000);
  },
  90_000,
);

it("a write whose reply is lost on a node's connection: raw ioredis sends it again (it runs twice), wrapped says it may have run", async () => {
  const cluster = await startCluster({ replicasPerMaster: 0 });
  defer(() => cluster.stop());
  const [master] = await cluster.masters();
  const real = `127.0.0.1:${master?.port}`;
  const seed = cluster.nodes.map((n) => ({ host: n.host, port: n.port }));
  /** A Cluster client whose connections to `master` go through a proxy of its own. */
  const behindProxy = async () => {
    const proxy = await new FaultProxy({ name: 'node', upstream: real }).start();
    defer(() => proxy.stop());
    const client = new Cluster(seed, { natMap: { [real]: { host: '127.0.0.1', port: proxy.port } } });
    client.on('error', () => undefined);
    defer(() => client.disconnect());
    return { client, proxy };
  };
  const raw = await behindProxy();
  const wrapped = await behindProxy();
  lifeline(wrapped.client);
  // A key of each client's own in the proxied master's first slots.
  const keyIn = async (prefix: string) => {
    for (let n = 0; n < 10_000; n++) {
      const slot = (await callOnce(master?.port as number, 'CLUSTER', 'KEYSLOT', `${prefix}:${n}`)) as number;
      if (master?.slots.some(([from, to]) => slot >= from && slot <= to)) return `${prefix}:${n}`;
    }
    throw new Error("no key found in the master's slots");
  };
  const [rawKey, wrappedKey] = await Promise.all([keyIn('raw'), keyIn('wrapped')]);
  await Promise.all([raw.client.get(rawKey), wrapped.client.get(wrappedKey)]);

  raw.proxy.addToxic({ type: 'reply_drop' });
  wrapped.proxy.addToxic({ type: 'reply_drop' });
  const [rawResult, wrappedResult] = await Promise.allSettled([
    raw.client.incr(rawKey),
    wrapped.client.incr(wrappedKey),
  ]);
  const rawRuns = await callOnce(master?.port as number, 'GET', rawKey);
  const wrappedRuns = await callOnce(master?.port as number, 'GET', wrappedKey);
  console.log(
    `reply lost on a node connection: raw ${rawResult.status} ${rawResult.status === 'fulfilled' ? rawResult.value : ''}, ran ${rawRuns}×; ` +
      `wrapped ${wrappedResult.status}, ran ${wrappedRuns}×`,
  );
  expect(rawRuns).toBe('2'); // the control: ioredis resent the INCR after the connection closed
  expect(wrappedRuns).toBe('1');
  expect(wrappedResult).toMatchObject({
    status: 'rejected',
    reason: expect.objectContaining({ code: 'ERR_LIFELINE_MAYBE_EXECUTED' }),
  });
}, 60_000);
