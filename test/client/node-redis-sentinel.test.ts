/**
 * lifeline(client) on node-redis's Sentinel client (createSentinel()), against a real Sentinel set (1
 * master, 1 replica, 3 sentinels), raw and wrapped in the same run: SENTINEL FAILOVER under INCR
 * writes (unique keys, 50/s each, every key read back from the final master), and a write whose reply
 * is lost (a proxy in front of the master, mapped in with `nodeAddressMap`).
 */
import { createSentinel } from 'redis';
import { expect, it } from 'vitest';
import { EVENTS, type FailoverEvent } from '../../src/client/events.js';
import { lifeline } from '../../src/client/lifeline.js';
import { FaultProxy } from '../../src/lab/proxy/proxy.js';
import { type SentinelSet, startSentinel } from '../../src/lab/redis-server/start-sentinel.js';
import { closeAfterEach } from '../support/fault-rig.js';
import { type IncrWriter, incrWriter } from '../support/incr-writer.js';
import { callOnce, waitFor, waitForRole } from '../support/with-redis.js';

const defer = closeAfterEach();

const sentinelClient = (set: SentinelSet, extra: Partial<Parameters<typeof createSentinel>[0]> = {}) => {
  const client = createSentinel({
    name: set.masterName,
    sentinelRootNodes: set.sentinels.map((s) => ({ host: s.host, port: s.port })),
    ...extra,
  });
  client.on('error', () => undefined);
  defer(() => client.destroy());
  return client;
};

/** Each key's value on the final master: null (lost), '1', or more (ran more than once). */
async function valuesOn(port: number, prefix: string, count: number) {
  const values: (string | null)[] = [];
  for (let from = 0; from < count; from += 500) {
    const keys = Array.from({ length: Math.min(500, count - from) }, (_, i) => `${prefix}:${from + i}`);
    values.push(...((await callOnce(port, 'MGET', ...keys)) as (string | null)[]));
  }
  return values;
}

it('SENTINEL FAILOVER under INCR writes: the wrapped client follows the switch as node-redis does, runs nothing twice, and tells the failover', async () => {
  const set = await startSentinel();
  defer(() => set.stop());
  const oldMaster = `127.0.0.1:${set.master.port}`;
  const newPort = set.replicas[0]?.port as number;
  const newMaster = `127.0.0.1:${newPort}`;

  const raw = sentinelClient(set);
  const wrapped = lifeline(sentinelClient(set));
  const failovers: FailoverEvent[] = [];
  wrapped.on(EVENTS.failover, (e: FailoverEvent) => failovers.push(e));
  const moves: { client: string; at: number }[] = [];
  for (const [name, client] of [
    ['raw', raw],
    ['wrapped', wrapped],
  ] as const) {
    client.on('topology-change', (e: { type: string; node?: { port: number } }) => {
      if (e.type === 'MASTER_CHANGE' && e.node?.port === newPort)
        moves.push({ client: name, at: Date.now() });
    });
  }
  await Promise.all([raw.connect(), wrapped.connect()]);

  const rawWrites = incrWriter(raw, 'raw');
  const wrappedWrites = incrWriter(wrapped, 'wrapped');
  await new Promise((r) => setTimeout(r, 1_000));
  const failoverAt = Date.now();
  await waitFor(
    'SENTINEL FAILOVER to be accepted',
    () =>
      callOnce(set.sentinels[1]?.port as number, 'SENTINEL', 'FAILOVER', set.masterName).then(
        () => true,
        () => false,
      ),
    20_000,
  );
  await set.waitForMaster(newPort, 20_000);
  await waitFor('both clients to move to the new master', () => moves.length >= 2, 20_000);
  await waitForRole(set.master.port, 'slave', 25_000);
  await new Promise((r) => setTimeout(r, 1_500)); // writes on the new master, and the resync done
  await Promise.all([rawWrites.stop(), wrappedWrites.stop()]);

  const outcome = async (prefix: string, w: IncrWriter) => {
    const values = await valuesOn(newPort, prefix, w.sent());
    const acked = new Set(w.acks.map((a) => a.key));
    return {
      lost: values.filter((v, i) => v === null && acked.has(`${prefix}:${i}`)).length,
      twice: values.filter((v) => v !== null && v !== '1').length,
      failed: w.failures.length,
      kinds: [...new Set(w.failures.map((e) => (e as Error & { code?: string }).code ?? e.constructor.name))],
      movedMs: (moves.find((m) => m.client === prefix)?.at ?? Number.NaN) - failoverAt,
    };
  };
  const r = await outcome('raw', rawWrites);
  const w = await outcome('wrapped', wrappedWrites);
  console.log(
    `node-redis Sentinel, SENTINEL FAILOVER at 50 INCR/s: raw lost ${r.lost}, ran twice ${r.twice}, failed ${r.failed} [${r.kinds}], on the new master after ${r.movedMs} ms; ` +
      `wrapped lost ${w.lost}, ran twice ${w.twice}, failed ${w.failed} [${w.kinds}], on the new master after ${w.movedMs} ms`,
  );
  expect(w.twice).toBe(0);
  // node-redis's own following is kept: the wrapped client loses no more than the raw one (to a few writes).
  expect(w.lost).toBeLessThanOrEqual(r.lost + 5);
  expect(w.movedMs).toBeLessThan(r.movedMs + 2_000);
  expect(failovers).toEqual([
    expect.objectContaining({
      topology: 'sentinel',
      by: '+switch-master',
      from: oldMaster,
      to: newMaster,
      moved: false,
    }),
  ]);
}, 120_000);

it('a write whose reply is lost: raw node-redis Sentinel sends it again (it runs twice), wrapped says it may have run and it runs once', async () => {
  const set = await startSentinel({ replicas: 0, sentinels: 1, quorum: 1 });
  defer(() => set.stop());
  const real = `127.0.0.1:${set.master.port}`;
  const behindProxy = async () => {
    const proxy = await new FaultProxy({ name: 'master', upstream: real }).start();
    defer(() => proxy.stop());
    const client = sentinelClient(set, {
      nodeAddressMap: { [real]: { host: '127.0.0.1', port: proxy.port } },
    });
    return { client, proxy };
  };
  const raw = await behindProxy();
  const wrapped = await behindProxy();
  lifeline(wrapped.client);
  const wrappedFailovers: FailoverEvent[] = [];
  wrapped.client.on(EVENTS.failover, (e: FailoverEvent) => wrappedFailovers.push(e));
  await Promise.all([raw.client.connect(), wrapped.client.connect()]);
  await Promise.all([raw.client.get('raw'), wrapped.client.get('wrapped')]);

  raw.proxy.addToxic({ type: 'reply_drop' });
  wrapped.proxy.addToxic({ type: 'reply_drop' });
  const [rawResult, wrappedResult] = await Promise.allSettled([
    raw.client.incr('raw'),
    wrapped.client.incr('wrapped'),
  ]);
  const rawRuns = await callOnce(set.master.port, 'GET', 'raw');
  const wrappedRuns = await callOnce(set.master.port, 'GET', 'wrapped');
  console.log(
    `reply lost, node-redis Sentinel: raw ${rawResult.status} ${rawResult.status === 'fulfilled' ? rawResult.value : ''}, ran ${rawRuns}×; ` +
      `wrapped ${wrappedResult.status} ${wrappedResult.status === 'rejected' ? (wrappedResult.reason as { code?: string }).code : ''}, ran ${wrappedRuns}×`,
  );
  expect(rawRuns).toBe('2'); // the control: node-redis sent the INCR again after its connection dropped
  expect(wrappedRuns).toBe('1');
  expect(wrappedResult).toMatchObject({
    status: 'rejected',
    reason: expect.objectContaining({ code: 'ERR_LIFELINE_MAYBE_EXECUTED', written: true }),
  });
  // The client works on afterwards, and the same master is no failover.
  await expect(wrapped.client.incr('wrapped')).resolves.toBe(2);
  expect(wrappedFailovers).toEqual([]);
}, 60_000);

it("the master's node client, met already connected, is watched: heartbeat PINGs while idle", async () => {
  const set = await startSentinel({ replicas: 0, sentinels: 1, quorum: 1 });
  defer(() => set.stop());
  const client = lifeline(sentinelClient(set), { heartbeatIntervalMs: 200 });
  await client.connect();
  await client.set('k', 'v');
  // The sentinels' connections are named (sentinel-…), the node client's is not; this one runs CLIENT LIST.
  const lastCommand = async () => {
    const list = String(await callOnce(set.master.port, 'CLIENT', 'LIST'));
    return list
      .split('\n')
      .find((line) => line.includes(' name= ') && !line.includes('cmd=client|list'))
      ?.match(/ cmd=(\S+)/)?.[1];
  };
  await waitFor('a heartbeat PING on the node client', async () => (await lastCommand()) === 'ping', 5_000);
}, 30_000);
