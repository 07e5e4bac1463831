/**
 * lifeline(ioredis) against real servers, faults injected by the lab's proxy. Each test asserts the
 * figure it is about: detection time, executions counted on the server, the error code, the cause.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { DisconnectEvent, PubsubGapEvent, ReconnectEvent } from '../../src/client/events.js';
import { lifeline } from '../../src/client/lifeline.js';
import type { LifelineOptions } from '../../src/client/options.js';
import { startRedis } from '../../src/lab/redis-server/start-redis.js';
import { closeAfterEach, type ServerBehindProxy, serverBehindProxy } from '../support/fault-rig.js';
import { waitFor } from '../support/with-redis.js';

interface Rig extends ServerBehindProxy {
  client: Redis;
  disconnects: DisconnectEvent[];
  reconnects: ReconnectEvent[];
}

const defer = closeAfterEach();

async function rig(
  config: Record<string, string> = {},
  options: LifelineOptions = {},
  direct = false,
): Promise<Rig> {
  const { server, proxy, admin } = await serverBehindProxy(defer, config);
  const client = lifeline(new Redis({ port: direct ? server.port : proxy.port, host: '127.0.0.1' }), options);
  defer(() => client.disconnect());
  client.on('error', () => undefined);
  const disconnects: DisconnectEvent[] = [];
  client.on('lifeline:disconnect', (e: DisconnectEvent) => disconnects.push(e));
  const reconnects: ReconnectEvent[] = [];
  client.on('lifeline:reconnect', (e: ReconnectEvent) => reconnects.push(e));
  await client.ping();
  // lifeline reads its first server snapshot as the connection becomes ready; let it land.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { server, proxy, admin, client, disconnects, reconnects };
}

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: Error & { code?: string }) => ({ error }),
  );

describe('lifeline(ioredis): dead connections are found in seconds', () => {
  it('an idle connection in a blackhole is torn down within 5 s (half-open)', async () => {
    const { proxy, disconnects } = await rig();
    const started = performance.now();
    proxy.addToxic({ type: 'blackhole' });
    await waitFor('the disconnect event', () => disconnects[0], 8000);
    const detectedMs = performance.now() - started;
    expect(detectedMs).toBeLessThan(5000);
    expect(disconnects[0]).toMatchObject({ cause: 'half-open', confidence: 'high' });
  });

  it('a command in flight in a blackhole settles within 5 s, with MAYBE_EXECUTED for a write', async () => {
    const { proxy, client } = await rig();
    proxy.addToxic({ type: 'blackhole' });
    const started = performance.now();
    const result = await settle(client.incr('n'));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({ error: { code: 'ERR_LIFELINE_MAYBE_EXECUTED', written: true } });
  });
});

describe('lifeline(ioredis): nothing runs twice by accident', () => {
  it('INCR whose reply is lost: rejected with MAYBE_EXECUTED, executed once on the server', async () => {
    const { proxy, client, admin } = await rig();
    proxy.addToxic({ type: 'reply_drop' });
    const result = await settle(client.incr('n'));
    expect(result).toMatchObject({
      error: { code: 'ERR_LIFELINE_MAYBE_EXECUTED', written: true, command: 'INCR' },
    });
    expect((result as { error: Error }).error.message).toMatch(/may or may not have run/);
    // The last write (read off the socket's byte count on the watch's 250 ms tick) was just now.
    expect((result as { error: Error & { sinceLastWriteMs?: number } }).error.sinceLastWriteMs).toBeLessThan(
      1000,
    );
    expect(await admin.get('n')).toBe('1');
  });

  it('GET whose reply is lost: replayed and resolved', async () => {
    const { proxy, client, admin } = await rig();
    await admin.set('k', 'v');
    proxy.addToxic({ type: 'reply_drop' });
    expect(await client.get('k')).toBe('v');
  });

  it('MULTI/EXEC is one unit: with an INCR inside, the whole transaction is rejected, not re-run', async () => {
    const { proxy, client, admin } = await rig();
    proxy.addToxic({ type: 'reply_drop' });
    const result = await settle(client.multi().incr('n').get('n').exec());
    expect(result).toHaveProperty('error');
    await waitFor('the client back', async () => Object.hasOwn(await settle(client.ping()), 'value'), 5000);
    expect(await admin.get('n')).toBe('1');
  });

  it('a pipeline of reads is replayed as a unit', async () => {
    const { proxy, client, admin } = await rig();
    await admin.mset('a', '1', 'b', '2');
    proxy.addToxic({ type: 'reply_drop' });
    const replies = await client.pipeline().get('a').get('b').exec();
    expect(replies?.map(([, v]) => v)).toEqual(['1', '2']);
  });

  it('replay: "all" keeps ioredis behaviour (INCR runs twice), replay: "none" rejects even reads', async () => {
    const all = await rig({}, { replay: 'all' });
    all.proxy.addToxic({ type: 'reply_drop' });
    expect(await all.client.incr('n')).toBe(2);
    const none = await rig({}, { replay: 'none' });
    await none.admin.set('k', 'v');
    none.proxy.addToxic({ type: 'reply_drop' });
    expect(await settle(none.client.get('k'))).toMatchObject({
      error: { code: 'ERR_LIFELINE_MAYBE_EXECUTED' },
    });
  });
});

describe('lifeline(ioredis): no endless loops, every promise settles', () => {
  it('a read whose reply is too big for the normal-class limit is failed after two kills', async () => {
    const { client, admin } = await rig({ 'client-output-buffer-limit': 'normal 1mb 256kb 5' }, {}, true);
    await admin.rpush('big', ...Array.from({ length: 20_000 }, () => 'y'.repeat(200)));
    const before = Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))?.[1]);
    const result = await settle(client.lrange('big', 0, -1));
    expect(result).toMatchObject({ error: { code: 'ERR_LIFELINE_POISON_COMMAND' } });
    expect((result as { error: Error }).error.message).toMatch(/output-buffer-limit/);
    const after = Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))?.[1]);
    expect(after - before).toBeLessThanOrEqual(3); // ioredis alone reconnects and resends without bound
  });

  it('a command without a reply settles at commandTimeoutMs', async () => {
    const { proxy, client } = await rig(
      {},
      { commandTimeoutMs: 500, deadConnectionMs: 60_000, heartbeatIntervalMs: 0 },
    );
    proxy.addToxic({ type: 'latency', attributes: { latency: 3000 } });
    const started = performance.now();
    expect(await settle(client.get('k'))).toMatchObject({ error: { code: 'ERR_LIFELINE_TIMEOUT' } });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('disconnect() while reconnecting settles every pending promise (CLIENT_CLOSED)', async () => {
    const { proxy, client } = await rig();
    await proxy.disable();
    // Waiting for the next attempt (ioredis settles nothing there by itself); no await from here on.
    await waitFor('reconnecting', () => client.status === 'reconnecting', 5000);
    const pending = settle(client.get('k'));
    client.disconnect();
    // Queued while reconnecting, never sent: the error says so (it used to say written: true).
    expect(await pending).toMatchObject({ error: { code: 'ERR_LIFELINE_CLIENT_CLOSED', written: false } });
    expect(client.status).toBe('end');
  });
});

describe('lifeline(ioredis): each drop is explained', () => {
  it('restart: told at once (the reconnect is refused), then server-restart confirmed by the new run_id within a second', async () => {
    const { server, client, disconnects, reconnects } = await rig({}, {}, true);
    await server.restart('shutdown', { downMs: 500 });
    await waitFor('the reconnect event', () => reconnects[0], 8000);
    // Told once; with the client's own facts (normally the refused reconnect: server-restart) unless
    // the server was back and answered first. The confirmed cause is the reconnect event's.
    expect(disconnects).toHaveLength(1);
    expect(reconnects[0]).toMatchObject({ cause: 'server-restart', confidence: 'high' });
    expect(reconnects[0]?.downMs).toBeGreaterThanOrEqual(500);
    expect(reconnects[0]?.downMs).toBeLessThan(2000);
    expect(await client.ping()).toBe('PONG');
  });

  it('CLIENT KILL: client-kill, from the commandstats delta', async () => {
    const { admin, disconnects } = await rig({}, {}, true);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await waitFor('the disconnect event', () => disconnects[0], 8000);
    expect(disconnects[0]?.cause).toBe('client-kill');
  });

  it('idle timeout: idle-timeout when the heartbeat is off; with the heartbeat the server never reaps', async () => {
    const off = await rig({ timeout: '1' }, { heartbeatIntervalMs: 0 }, true);
    await waitFor('the disconnect event', () => off.disconnects[0], 8000);
    expect(off.disconnects[0]).toMatchObject({ cause: 'idle-timeout', confidence: 'high' });
    const on = await rig({ timeout: '1' }, {}, true);
    await new Promise((r) => setTimeout(r, 2500));
    expect(on.disconnects).toEqual([]);
  });

  it('pub/sub: a resubscribe reports the gap with the channels and the outage window', async () => {
    const { admin, server } = await rig({}, {}, true);
    const subscriber = lifeline(new Redis({ port: server.port, host: '127.0.0.1' }));
    defer(() => subscriber.disconnect());
    subscriber.on('error', () => undefined);
    const gaps: PubsubGapEvent[] = [];
    subscriber.on('lifeline:pubsub-gap', (g: PubsubGapEvent) => gaps.push(g));
    await subscriber.subscribe('orders');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await waitFor('the gap event', () => gaps[0], 8000);
    expect(gaps[0]).toMatchObject({ channels: ['orders'], durationMs: expect.any(Number) });
    expect(Date.parse(gaps[0]?.to ?? '')).toBeGreaterThanOrEqual(Date.parse(gaps[0]?.from ?? ''));
  });

  it('warns about a client without an error listener', async () => {
    const server = await startRedis();
    defer(() => server.stop());
    const bare = lifeline(new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true }));
    defer(() => bare.disconnect());
    const warnings: { code: string }[] = [];
    bare.on('lifeline:warning', (w: { code: string }) => warnings.push(w));
    await waitFor('the audit', () => warnings.length > 0, 2000);
    expect(warnings.map((w) => w.code)).toContain('no-error-listener');
  });
});
