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
import { callOnce, waitFor } from '../support/with-redis.js';

const defer = closeAfterEach();
const WRITE_EVERY_MS = 20;
const COMMAND_TIMEOUT_MS = 10_000;

/** A client writing INCR on its own keys every 20 ms: what was acknowledged, what failed and how, and when each settled. */
function writer(client: { incr(key: string): Promise<unknown> }, prefix: string) {
  const acks: string[] = [];
  const failures: string[] = [];
  let slowestMs = 0;
  let pending = 0;
  let stop = false;
  const done = (async () => {
    for (let n = 0; !stop; n++) {
      const key = `${prefix}:${n}`;
      const sentAt = Date.now();
      pending++;
      const settled = () => {
        pending--;
        slowestMs = Math.max(slowestMs, Date.now() - sentAt);
      };
      client.incr(key).then(
        () => {
          settled();
          acks.push(key);
        },
        (error: Error) => {
          settled();
          failures.push(error.message);
        },
      );
      await new Promise((r) => setTimeout(r, WRITE_EVERY_MS));
    }
  })();
  return {
    acks,
    failures,
    slowestMs: () => slowestMs,
    async stop() {
      stop = true;
      await done;
      await waitFor(`${prefix}'s writes to settle`, () => pending === 0, COMMAND_TIMEOUT_MS + 5_000);
    },
  };
}

/** The failures by message (its first 50 characters), "N× message". */
function kinds(failures: string[]): string[] {
  const count = new Map<string, number>();
  for (const message of failures) {
    const m = message.slice(0, 50) || '(no message)';
    count.set(m, (count.get(m) ?? 0) + 1);
  }
  return [...count].map(([m, n]) => `${n}× ${m}`);
}

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

it('kill -9 of a master: the wrapped Cluster waits out the election instead of failing, runs nothing twice, and tells the failover', async () => {
  const cluster = await startCluster();
  defer(() => cluster.stop());
  const [victim] = await cluster.masters();
  const oldMaster = `127.0.0.1:${victim?.port}`;
  const heir = `127.0.0.1:${victim?.replicas[0]?.port}`;
  const seed = cluster.nodes
    .filter((n) => n.port !== victim?.port)
    .map((n) => ({ host: n.host, port: n.port }));

  const raw = new Cluster(seed);
  const wrapped = lifeline(new Cluster(seed), { commandTimeoutMs: COMMAND_TIMEOUT_MS });
  const failovers: FailoverEvent[] = [];
  const disconnects: { endpoint: string; cause: string }[] = [];
  wrapped.on(EVENTS.failover, (e: FailoverEvent) => failovers.push(e));
  wrapped.on(EVENTS.disconnect, (e: { endpoint: string; cause: string }) => disconnects.push(e));
  for (const client of [raw, wrapped]) {
    client.on('error', () => undefined);
    defer(() => client.disconnect());
  }
  await Promise.all([raw.ping(), wrapped.ping()]);

  const rawWrites = writer(raw, 'raw');
  const wrappedWrites = writer(wrapped, 'wrapped');
  await new Promise((r) => setTimeout(r, 1_000));
  const killedAt = Date.now();
  process.kill(cluster.nodes.find((n) => n.port === victim?.port)?.pid as number, 'SIGKILL');
  await waitFor(
    'the replica to take over',
    async () => (await cluster.masters()).some((m) => `127.0.0.1:${m.port}` === heir),
    30_000,
  );
  await cluster.waitForState('ok', 30_000);
  await new Promise((r) => setTimeout(r, 1_500)); // writes on the new master
  await Promise.all([rawWrites.stop(), wrappedWrites.stop()]);

  const all = [...rawWrites.acks, ...wrappedWrites.acks];
  const values = await valuesOf(seed, all);
  const twice = all.filter((_, i) => values[i] !== null && values[i] !== '1');
  const lost = (prefix: string) => all.filter((k, i) => k.startsWith(prefix) && values[i] === null).length;
  console.log(
    `cluster master kill -9: raw ${rawWrites.failures.length} failed [${kinds(rawWrites.failures).join('; ')}], ` +
      `${lost('raw')} acknowledged then lost; wrapped ${wrappedWrites.failures.length} failed [${kinds(wrappedWrites.failures).join('; ')}], ` +
      `${lost('wrapped')} acknowledged then lost, slowest settled in ${wrappedWrites.slowestMs()} ms; ` +
      `failover told ${failovers[0] ? Date.parse(failovers[0].at) - killedAt : '?'} ms after the kill ` +
      `(writes refused ${failovers[0]?.writesRefusedMs ?? '?'} ms)`,
  );

  // The raw client is the control: it must fail writes for the comparison to say anything.
  expect(rawWrites.failures.length).toBeGreaterThan(10);
  expect(wrappedWrites.failures.length).toBeLessThanOrEqual(Math.floor(rawWrites.failures.length / 2));
  // What still fails is what was written to the dead master: it may have run, so it is not sent again.
  for (const message of wrappedWrites.failures) expect(message).toMatch(/may or may not have run/);
  expect(twice).toEqual([]);
  expect(wrappedWrites.slowestMs()).toBeLessThanOrEqual(COMMAND_TIMEOUT_MS + 1_000);

  expect(disconnects).toContainEqual(expect.objectContaining({ endpoint: oldMaster }));
  expect(failovers).toEqual([
    expect.objectContaining({ topology: 'cluster', by: 'slot-map', from: oldMaster, to: heir, slots: 5461 }),
  ]);
  expect(failovers[0]?.writesRefusedMs).toBeGreaterThan(1_000);
}, 90_000);

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

it('node-redis createCluster, kill -9 of a master: the wrapped client retries what the cluster refused without running it, and tells the failover', async () => {
  const cluster = await startCluster();
  defer(() => cluster.stop());
  const [victim] = await cluster.masters();
  const oldMaster = `127.0.0.1:${victim?.port}`;
  const heir = `127.0.0.1:${victim?.replicas[0]?.port}`;
  const seed = cluster.nodes
    .filter((n) => n.port !== victim?.port)
    .map((n) => ({ host: n.host, port: n.port }));
  const make = () => {
    const client = createCluster({ rootNodes: seed.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
    client.on('error', () => undefined);
    defer(() => client.destroy());
    return client;
  };
  const raw = make();
  const wrapped = lifeline(make(), { commandTimeoutMs: COMMAND_TIMEOUT_MS });
  const failovers: FailoverEvent[] = [];
  const disconnects: { endpoint: string }[] = [];
  wrapped.on(EVENTS.failover, (e: FailoverEvent) => failovers.push(e));
  wrapped.on(EVENTS.disconnect, (e: { endpoint: string }) => disconnects.push(e));
  await Promise.all([raw.connect(), wrapped.connect()]);

  const rawWrites = writer(raw, 'raw');
  const wrappedWrites = writer(wrapped, 'wrapped');
  await new Promise((r) => setTimeout(r, 1_000));
  process.kill(cluster.nodes.find((n) => n.port === victim?.port)?.pid as number, 'SIGKILL');
  await waitFor(
    'the replica to take over',
    async () => (await cluster.masters()).some((m) => `127.0.0.1:${m.port}` === heir),
    30_000,
  );
  await cluster.waitForState('ok', 30_000);
  await waitFor('the wrapped client to tell the failover', () => failovers.length > 0, 15_000);
  await new Promise((r) => setTimeout(r, 1_500));
  await Promise.all([rawWrites.stop(), wrappedWrites.stop()]);

  const all = [...rawWrites.acks, ...wrappedWrites.acks];
  const values = await valuesOf(seed, all);
  const twice = all.filter((_, i) => values[i] !== null && values[i] !== '1');
  console.log(
    `node-redis cluster master kill -9: raw ${rawWrites.failures.length} failed [${kinds(rawWrites.failures).join('; ')}]; ` +
      `wrapped ${wrappedWrites.failures.length} failed [${kinds(wrappedWrites.failures).join('; ')}], slowest settled in ${wrappedWrites.slowestMs()} ms; ` +
      `writes refused ${failovers[0]?.writesRefusedMs ?? '?'} ms`,
  );
  expect(rawWrites.failures.length).toBeGreaterThan(20);
  expect(wrappedWrites.failures.length).toBeLessThanOrEqual(Math.floor(rawWrites.failures.length / 2));
  for (const message of wrappedWrites.failures) expect(message).toMatch(/may or may not have run/);
  expect(twice).toEqual([]);
  expect(wrappedWrites.slowestMs()).toBeLessThanOrEqual(COMMAND_TIMEOUT_MS + 1_000);
  expect(disconnects).toContainEqual(expect.objectContaining({ endpoint: oldMaster }));
  expect(failovers).toEqual([
    expect.objectContaining({ topology: 'cluster', by: 'slot-map', from: oldMaster, to: heir, slots: 5461 }),
  ]);
}, 90_000);
