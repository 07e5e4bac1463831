/**
 * lifeline(client) on a Sentinel-managed ioredis client (`sentinels` + `name`), against a real
 * Sentinel set (1 master, 1 replica, 3 sentinels, down-after 2000 ms), raw and wrapped in the same
 * run: SENTINEL FAILOVER under writes (INCR of unique keys at 50/s each, every key read back from the
 * final master), and a kill -9 of the master.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { EVENTS, type FailoverEvent, type ReconnectEvent } from '../../src/client/events.js';
import { lifeline } from '../../src/client/lifeline.js';
import { freePort } from '../../src/lab/redis-server/free-port.js';
import { startRedis } from '../../src/lab/redis-server/start-redis.js';
import { type SentinelSet, startSentinel } from '../../src/lab/redis-server/start-sentinel.js';
import { closeAfterEach } from '../support/fault-rig.js';
import { incrWriter } from '../support/incr-writer.js';
import { waitFor, waitForRole } from '../support/with-redis.js';

const defer = closeAfterEach();

/** A connection of the test's own to one server, closed after the test, never reconnecting. */
async function connection(port: number | undefined): Promise<Redis> {
  const redis = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  defer(() => redis.disconnect());
  await redis.connect();
  return redis;
}

const sentinelClient = (set: SentinelSet) =>
  new Redis({
    sentinels: set.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: set.masterName,
  });

/** The keys of `acks` the final master does not have. */
async function lostOf(port: number, acks: { key: string; at: number }[]) {
  const master = await connection(port);
  const values = acks.length > 0 ? await master.mget(...acks.map((a) => a.key)) : [];
  return acks.filter((_, i) => values[i] !== '1');
}

it('SENTINEL FAILOVER: the wrapped client leaves the old master at +switch-master; raw writes to it until demoted', async () => {
  const set = await startSentinel();
  defer(() => set.stop());
  const oldMaster = `127.0.0.1:${set.master.port}`;
  const newPort = set.replicas[0]?.port as number;
  const newMaster = `127.0.0.1:${newPort}`;

  const raw = sentinelClient(set);
  const wrapped = lifeline(sentinelClient(set));
  const reporting = lifeline(sentinelClient(set), { followFailover: false });
  const failovers: { client: string; event: FailoverEvent }[] = [];
  const reconnects: { event: ReconnectEvent; at: number }[] = [];
  for (const [name, client] of [
    ['raw', raw],
    ['wrapped', wrapped],
    ['reporting', reporting],
  ] as const) {
    client.on('error', () => undefined);
    defer(() => client.disconnect());
    client.on(EVENTS.failover, (event: FailoverEvent) => failovers.push({ client: name, event }));
  }
  wrapped.on(EVENTS.reconnect, (event: ReconnectEvent) => reconnects.push({ event, at: Date.now() }));
  const disconnects: unknown[] = [];
  wrapped.on(EVENTS.disconnect, (event: unknown) => disconnects.push(event));
  await Promise.all([raw.ping(), wrapped.ping(), reporting.ping()]);

  // When the sentinels announce the switch, heard on a connection of the test's own.
  const probe = await connection(set.sentinels[0]?.port);
  let announcedAt = 0;
  probe.on('message', () => {
    announcedAt ||= Date.now();
  });
  await probe.subscribe('+switch-master');

  const rawWrites = incrWriter(raw, 'raw');
  const wrappedWrites = incrWriter(wrapped, 'wrapped');
  await new Promise((r) => setTimeout(r, 1_000));
  const admin = await connection(set.sentinels[1]?.port);
  await waitFor(
    'SENTINEL FAILOVER to be accepted',
    () =>
      admin.call('SENTINEL', 'FAILOVER', set.masterName).then(
        () => true,
        () => false,
      ),
    20_000,
  );
  await waitFor('the switch to be announced', () => announcedAt > 0, 15_000);
  // Sentinel demotes the old master ~10 s after the promotion: raw writes to it until then.
  await set.waitForMaster(newPort, 20_000);
  await waitForRole(set.master.port, 'slave', 25_000);
  await new Promise((r) => setTimeout(r, 1_500)); // writes on the new master, and the resync done
  await Promise.all([rawWrites.stop(), wrappedWrites.stop()]);

  const rawLost = await lostOf(newPort, rawWrites.acks);
  const wrappedLost = await lostOf(newPort, wrappedWrites.acks);
  const after = (lost: { at: number }[]) => lost.filter((l) => l.at > announcedAt).length;
  const moved = reconnects.find((r) => r.event.cause === 'failover');
  console.log(
    `acknowledged writes lost: raw ${rawLost.length} (${after(rawLost)} after +switch-master), ` +
      `wrapped ${wrappedLost.length} (${after(wrappedLost)} after); wrapped on the new master ` +
      `${moved ? moved.at - announcedAt : '?'} ms after the announcement`,
  );
  // The raw client is the control: it must lose writes after the announcement for the test to say anything.
  expect(after(rawLost)).toBeGreaterThan(100);
  expect(after(wrappedLost)).toBeLessThanOrEqual(Math.floor(after(rawLost) * 0.05));
  expect(rawWrites.failures.length + wrappedWrites.failures.length).toBe(0);

  // Told: the failover (old → new, real addresses), the drop it caused, and the reconnect to the new master.
  expect(failovers.filter((f) => f.client === 'wrapped').map((f) => f.event)).toEqual([
    expect.objectContaining({
      topology: 'sentinel',
      masterName: 'mymaster',
      from: oldMaster,
      to: newMaster,
      moved: true,
    }),
  ]);
  expect(failovers.filter((f) => f.client === 'reporting').map((f) => f.event.moved)).toEqual([false]);
  expect(failovers.some((f) => f.client === 'raw')).toBe(false);
  expect(disconnects[0]).toMatchObject({ cause: 'failover', confidence: 'high', endpoint: oldMaster });
  expect(moved?.event).toMatchObject({ endpoint: newMaster, previousEndpoint: oldMaster });
  expect((moved?.at ?? Number.POSITIVE_INFINITY) - announcedAt).toBeLessThanOrEqual(500);
}, 90_000);

it('kill -9 of the master: writes fail only until the promotion, every promise settles, the app is told the failover', async () => {
  const set = await startSentinel();
  defer(() => set.stop());
  const oldMaster = `127.0.0.1:${set.master.port}`;
  const client = lifeline(sentinelClient(set));
  client.on('error', () => undefined);
  defer(() => client.disconnect());
  const failovers: FailoverEvent[] = [];
  const reconnects: ReconnectEvent[] = [];
  client.on(EVENTS.failover, (e: FailoverEvent) => failovers.push(e));
  client.on(EVENTS.reconnect, (e: ReconnectEvent) => reconnects.push(e));
  await client.ping();

  const writes = incrWriter(client, 'k');
  await new Promise((r) => setTimeout(r, 500));
  process.kill(set.master.pid, 'SIGKILL');
  const master = (await waitFor(
    'a new master',
    async () => {
      const now = await set.currentMaster().catch(() => undefined);
      return now && now.port !== set.master.port ? now : undefined;
    },
    30_000,
  )) as { port: number };
  await waitFor('a reconnect to the new master', () => reconnects.length > 0, 10_000);
  await new Promise((r) => setTimeout(r, 1_000));
  await writes.stop();

  const newMaster = `127.0.0.1:${master.port}`;
  expect(failovers).toEqual([expect.objectContaining({ from: oldMaster, to: newMaster })]);
  expect(reconnects[0]).toMatchObject({
    cause: 'failover',
    confidence: 'high',
    endpoint: newMaster,
    previousEndpoint: oldMaster,
  });
  expect(writes.pending()).toBe(0);
  // Writes acknowledged after the reconnect all landed on the new master.
  const lost = await lostOf(master.port, writes.acks.slice(-20));
  expect(lost).toEqual([]);
}, 90_000);

it('the FAILOVER command (READONLY, the sentinels not told): the wrapped client moves to the new master within a second, nothing refused or run twice', async () => {
  const set = await startSentinel();
  defer(() => set.stop());
  const oldMaster = `127.0.0.1:${set.master.port}`;
  const newPort = set.replicas[0]?.port as number;
  const raw = sentinelClient(set);
  const wrapped = lifeline(sentinelClient(set));
  const failovers: FailoverEvent[] = [];
  const reconnects: { event: ReconnectEvent; at: number }[] = [];
  for (const client of [raw, wrapped]) {
    client.on('error', () => undefined);
    defer(() => client.disconnect());
  }
  wrapped.on(EVENTS.failover, (e: FailoverEvent) => failovers.push(e));
  wrapped.on(EVENTS.reconnect, (event: ReconnectEvent) => reconnects.push({ event, at: Date.now() }));
  await Promise.all([raw.ping(), wrapped.ping()]);

  const rawWrites = incrWriter(raw, 'raw');
  const wrappedWrites = incrWriter(wrapped, 'wrapped');
  await new Promise((r) => setTimeout(r, 500));
  const admin = await connection(set.master.port);
  await admin.call('FAILOVER');
  const demotedAt = await waitForRole(set.master.port, 'slave', 10_000);
  await new Promise((r) => setTimeout(r, 3_000));
  await Promise.all([rawWrites.stop(), wrappedWrites.stop()]);

  const moved = reconnects[0];
  const firstAckAfter = wrappedWrites.acks.find((a) => a.at > demotedAt)?.at ?? Number.POSITIVE_INFINITY;
  console.log(
    `FAILOVER: raw ${rawWrites.failures.length} writes refused; wrapped ${wrappedWrites.failures.length}, on the new master ` +
      `${moved ? moved.at - demotedAt : '?'} ms after ROLE said replica, first write acknowledged ${firstAckAfter - demotedAt} ms after`,
  );
  expect(rawWrites.failures.length).toBeGreaterThan(50); // the control: raw gets READONLY to the end
  expect(wrappedWrites.failures.length).toBe(0);
  expect(firstAckAfter - demotedAt).toBeLessThanOrEqual(1_000);
  expect(failovers).toEqual([
    expect.objectContaining({ by: 'READONLY', from: oldMaster, to: `127.0.0.1:${newPort}`, moved: true }),
  ]);
  expect(moved?.event).toMatchObject({
    cause: 'failover',
    endpoint: `127.0.0.1:${newPort}`,
    previousEndpoint: oldMaster,
  });
  // Every acknowledged write is on the new master once, none missing: refused commands were sent again only once.
  const newMaster = await connection(newPort);
  const values = await newMaster.mget(...wrappedWrites.acks.map((a) => a.key));
  expect(values.filter((v) => v !== '1')).toEqual([]);
}, 60_000);

it('a plain client on a master demoted by FAILOVER reconnects once, then leaves READONLY to the app (it was pointed at that server)', async () => {
  const set = await startSentinel();
  defer(() => set.stop());
  const client = lifeline(new Redis({ port: set.master.port }));
  client.on('error', () => undefined);
  defer(() => client.disconnect());
  const failovers: FailoverEvent[] = [];
  let closes = 0;
  client.on(EVENTS.failover, (e: FailoverEvent) => failovers.push(e));
  client.on('close', () => closes++);
  await client.ping();
  const writes = incrWriter(client, 'plain');
  await new Promise((r) => setTimeout(r, 300));
  await (await connection(set.master.port)).call('FAILOVER');
  await new Promise((r) => setTimeout(r, 4_000));
  await writes.stop();
  expect(failovers).toEqual([
    expect.objectContaining({
      topology: 'standalone',
      by: 'READONLY',
      to: `127.0.0.1:${set.replicas[0]?.port}`,
    }),
  ]);
  expect(closes).toBe(1);
  expect(writes.failures.length).toBeGreaterThan(50);
}, 60_000);

it('a master turned into a replica whose link is down (MASTERDOWN): refused, not run; the plain client reconnects once and is told', async () => {
  const server = await startRedis();
  defer(() => server.stop());
  const client = lifeline(new Redis({ port: server.port }));
  client.on('error', () => undefined);
  defer(() => client.disconnect());
  const failovers: FailoverEvent[] = [];
  let closes = 0;
  client.on(EVENTS.failover, (e: FailoverEvent) => failovers.push(e));
  client.on('close', () => closes++);
  await client.ping();
  const nowhere = await freePort(); // a master that never answers: the link stays down
  const admin = await connection(server.port);
  await admin.config('SET', 'replica-serve-stale-data', 'no');
  await admin.config('SET', 'replica-read-only', 'no'); // else writes are refused READONLY first
  const writes = incrWriter(client, 'k');
  await new Promise((r) => setTimeout(r, 300));
  await admin.call('REPLICAOF', '127.0.0.1', String(nowhere));
  await waitFor('the writes to be refused', () => writes.failures.length > 20, 10_000);
  await writes.stop();
  expect(failovers).toEqual([
    expect.objectContaining({
      topology: 'standalone',
      by: 'MASTERDOWN',
      from: `127.0.0.1:${server.port}`,
      to: `127.0.0.1:${nowhere}`,
    }),
  ]);
  expect(closes).toBe(1); // pointed at that server: after one reconnect, MASTERDOWN reaches the app
  expect(writes.failures.every((e) => e.message.startsWith('MASTERDOWN'))).toBe(true);
  // A command refused with MASTERDOWN did not run: nothing was written after the refusals began.
  // (INFO is served by a replica whose link is down; DBSIZE is refused too.)
  const keys = Number(/keys=(\d+)/.exec(await admin.info('keyspace'))?.[1] ?? 0);
  expect(keys).toBe(writes.acks.length);
}, 60_000);

it('the config audit warns about a Sentinel client nothing follows or checks', async () => {
  const warned = async (options: Record<string, unknown>, lifelineOptions = {}) => {
    // lazyConnect: nothing is connected, the audit reads the options.
    const client = new Redis({
      sentinels: [{ host: '127.0.0.1', port: 1 }],
      name: 'm',
      lazyConnect: true,
      ...options,
    });
    client.on('error', () => undefined);
    defer(() => client.disconnect());
    const codes: string[] = [];
    client.on(EVENTS.warning, (w: { code: string }) => codes.push(w.code));
    lifeline(client, lifelineOptions);
    await new Promise((r) => setImmediate(r));
    return codes.filter((c) => c.startsWith('sentinel-'));
  };
  expect(await warned({})).toEqual([]);
  expect(await warned({}, { followFailover: false })).toEqual(['sentinel-switch-not-followed']);
  expect(await warned({ failoverDetector: true }, { followFailover: false })).toEqual([]);
  expect(await warned({ enableReadyCheck: false })).toEqual(['sentinel-no-role-check']);
});
