/**
 * lifeline(node-redis) against real servers, faults injected by the lab's proxy: the node-redis 6
 * counterpart of lifeline-ioredis.test.ts. Each test asserts the figure it is about: detection time,
 * executions counted on the server, the error code, the cause. Commands go through node-redis's typed
 * API (client.incr, client.get...), as an application sends them.
 */
import type { Redis } from 'ioredis';
import { createClient, type RedisClientOptions } from 'redis';
import { describe, expect, it } from 'vitest';
import { lifelineReconnectStrategy } from '../../src/client/backoff.js';
import type { ConfigWarning } from '../../src/client/config-audit.js';
import type { DisconnectEvent, PubsubGapEvent, ReconnectEvent } from '../../src/client/events.js';
import { lifeline } from '../../src/client/lifeline.js';
import type { LifelineOptions } from '../../src/client/options.js';
import { startRedis } from '../../src/lab/redis-server/start-redis.js';
import { closeAfterEach, type ServerBehindProxy, serverBehindProxy } from '../support/fault-rig.js';
import { waitFor } from '../support/with-redis.js';

type NodeRedis = ReturnType<typeof createClient>;

interface Rig extends ServerBehindProxy {
  client: NodeRedis;
  disconnects: DisconnectEvent[];
  reconnects: ReconnectEvent[];
}

const defer = closeAfterEach();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles `p` into a value or an error, or `{ pending: true }` if it has not settled within `ms`. */
async function settle<T>(
  p: Promise<T>,
  ms = 8000,
): Promise<{ value: T } | { error: Error & Record<string, unknown> } | { pending: true }> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<{ pending: true }>((resolve) => {
    timer = setTimeout(() => resolve({ pending: true }), ms);
  });
  try {
    return await Promise.race([
      p.then(
        (value) => ({ value }),
        (error: Error & Record<string, unknown>) => ({ error }),
      ),
      bound,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Awaits `p`, or throws after `ms` naming `what`. */
async function within<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  const result = await settle(p, ms);
  if ('pending' in result) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  if ('error' in result) throw result.error;
  return result.value;
}

/** A node-redis client, wrapped, with an error listener and destroyed in afterEach. */
function wrapped(port: number, options: LifelineOptions = {}, clientOptions: RedisClientOptions = {}) {
  const client = lifeline(
    createClient({ ...clientOptions, socket: { ...clientOptions.socket, host: '127.0.0.1', port } }),
    options,
  ) as NodeRedis;
  defer(() => client.destroy());
  // node-redis throws an 'error' event without a listener; the drops are what these tests cause.
  client.on('error', () => undefined);
  return client;
}

async function rig(
  config: Record<string, string> = {},
  options: LifelineOptions = {},
  direct = false,
): Promise<Rig> {
  const { server, proxy, admin } = await serverBehindProxy(defer, config);
  const client = wrapped(direct ? server.port : proxy.port, options);
  const disconnects: DisconnectEvent[] = [];
  client.on('lifeline:disconnect', (e: DisconnectEvent) => disconnects.push(e));
  const reconnects: ReconnectEvent[] = [];
  client.on('lifeline:reconnect', (e: ReconnectEvent) => reconnects.push(e));
  await within('the client to connect', client.connect(), 5000);
  await within('the first PING', client.ping(), 5000);
  // lifeline reads its first server snapshot as the connection becomes ready; let it land.
  await sleep(100);
  return { server, proxy, admin, client, disconnects, reconnects };
}

const connectionsReceived = async (admin: Redis) =>
  Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))?.[1]);

describe('lifeline(node-redis): dead connections are found in seconds', () => {
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
    // node-redis alone never settles a written command in a blackhole (its timeout covers queueing only).
    const result = await settle(client.incr('n'));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({ error: { code: 'ERR_LIFELINE_MAYBE_EXECUTED', written: true } });
  });
});

describe('lifeline(node-redis): nothing runs twice by accident', () => {
  it('INCR whose reply is lost: rejected with MAYBE_EXECUTED, executed once on the server', async () => {
    const { proxy, client, admin } = await rig();
    proxy.addToxic({ type: 'reply_drop' });
    // node-redis alone rejects with a bare `read ECONNRESET`, which does not say the INCR ran.
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
    expect(await settle(client.get('k'))).toEqual({ value: 'v' });
  });

  it('MULTI/EXEC with an INCR whose reply is lost: MAYBE_EXECUTED as a unit, executed once', async () => {
    const { proxy, client, admin } = await rig();
    proxy.addToxic({ type: 'reply_drop' });
    expect(await settle(client.multi().incr('n').get('n').exec())).toMatchObject({
      error: { code: 'ERR_LIFELINE_MAYBE_EXECUTED' },
    });
    expect(await admin.get('n')).toBe('1');
  });

  it('a pipeline of reads whose replies are lost is replayed as a unit', async () => {
    const { proxy, client, admin } = await rig();
    await admin.mset('a', '1', 'b', '2');
    proxy.addToxic({ type: 'reply_drop' });
    expect(await settle(client.multi().get('a').get('b').execAsPipeline())).toEqual({ value: ['1', '2'] });
  });
});

describe('lifeline(node-redis): no endless loops, every promise settles', () => {
  it('a read whose reply is too big for the normal-class limit is failed after two kills', async () => {
    const { client, admin } = await rig({ 'client-output-buffer-limit': 'normal 1mb 256kb 5' }, {}, true);
    await admin.rpush('big', ...Array.from({ length: 20_000 }, () => 'y'.repeat(200)));
    const before = await connectionsReceived(admin);
    const result = await settle(client.lRange('big', 0, -1));
    expect(result).toMatchObject({ error: { code: 'ERR_LIFELINE_POISON_COMMAND' } });
    expect((result as { error: Error }).error.message).toMatch(/output-buffer-limit/);
    const after = await connectionsReceived(admin);
    // Two kills: the LRANGE, then its one replay; the reconnect after the second is the last.
    expect(after - before).toBeLessThanOrEqual(3);
  });

  it('a pipeline without a reply settles at commandTimeoutMs', async () => {
    const { proxy, client } = await rig(
      {},
      { commandTimeoutMs: 500, deadConnectionMs: 60_000, heartbeatIntervalMs: 0 },
    );
    proxy.addToxic({ type: 'latency', attributes: { latency: 3000 } });
    const started = performance.now();
    expect(await settle(client.multi().get('a').get('b').execAsPipeline())).toMatchObject({
      error: { code: 'ERR_LIFELINE_TIMEOUT', written: true },
    });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('a single command whose reply is slow is waited for while the connection answers, not abandoned', async () => {
    const { proxy, client, admin } = await rig(
      {},
      { commandTimeoutMs: 500, deadConnectionMs: 60_000, heartbeatIntervalMs: 0 },
    );
    await admin.set('k', 'v');
    proxy.addToxic({ type: 'latency', attributes: { latency: 1500 } });
    const started = performance.now();
    // Single commands are untracked for speed (docs/client.md): once written, their deadline is the
    // watchdog's, not commandTimeoutMs.
    expect(await settle(client.get('k'))).toEqual({ value: 'v' });
    expect(performance.now() - started).toBeGreaterThan(1400);
  });

  it("a command not written in time settles at commandTimeoutMs, even with node-redis's own timeout off", async () => {
    const { proxy } = await serverBehindProxy(defer);
    const client = wrapped(proxy.port, { commandTimeoutMs: 800 }, { commandOptions: { timeout: 0 } });
    await within('the client to connect', client.connect(), 5000);
    await proxy.disable();
    await waitFor('reconnecting', () => !client.isReady, 5000);
    const started = performance.now();
    const result = await settle(client.set('k', 'v'), 5000);
    expect(result).toMatchObject({ error: { code: 'ERR_LIFELINE_TIMEOUT', written: false } });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('a blocking command on a quiet connection is not declared dead: BLPOP with a 2 s timeout', async () => {
    const { client, disconnects } = await rig({}, { deadConnectionMs: 500, heartbeatIntervalMs: 0 });
    const started = performance.now();
    expect(await settle(client.blPop('q', 2))).toEqual({ value: null });
    expect(performance.now() - started).toBeGreaterThan(1900);
    expect(disconnects).toEqual([]);
  });

  it('destroy() while reconnecting settles every pending promise at once', async () => {
    const { proxy, client } = await rig();
    await proxy.disable();
    await waitFor('reconnecting', () => !client.isReady, 5000);
    const pending = settle(client.get('k'), 5000);
    // Let the GET reach node-redis's offline queue before the client goes away.
    await sleep(50);
    const destroyedAt = performance.now();
    client.destroy();
    const result = await pending;
    // Well before node-redis's own 5 s queue timeout: destroy() itself settled it.
    expect(performance.now() - destroyedAt).toBeLessThan(1000);
    expect(result).toMatchObject({ error: expect.any(Error) });
    expect(client.isOpen).toBe(false);
  });
});

describe('lifeline(node-redis): recovery without surprises', () => {
  it('a MULTI queued while reconnecting, written on reconnect, dropped before its reply: MAYBE_EXECUTED, ran once', async () => {
    const { proxy, admin } = await serverBehindProxy(defer);
    const client = wrapped(proxy.port, {}, { socket: { reconnectStrategy: () => 100 } });
    await within('the client to connect', client.connect(), 5000);
    await proxy.disable();
    await waitFor('reconnecting', () => !client.isReady, 5000);
    // Replies come back a second late: the MULTI is written as the socket connects, runs, and the
    // connection is gone before its reply arrives.
    proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: 1000 } });
    const connected = new Promise((resolve) => client.once('connect', resolve));
    const multi = settle(client.multi().incr('n').exec(), 8000);
    await proxy.enable();
    await connected;
    await waitFor('the MULTI ran', async () => (await admin.get('n')) === '1', 3000);
    await proxy.disable();
    expect(await multi).toMatchObject({ error: { code: 'ERR_LIFELINE_MAYBE_EXECUTED', written: true } });
    expect(await admin.get('n')).toBe('1');
  });

  it('many commands waiting for the reconnect: no MaxListenersExceededWarning, all replayed', async () => {
    const { proxy, client } = await rig();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    defer(() => process.off('warning', onWarning));
    proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: 1000 } });
    const reads = Array.from({ length: 30 }, (_, i) => settle(client.get(`k${i}`), 8000));
    await sleep(200);
    await proxy.disable();
    proxy.removeAllToxics();
    await sleep(300);
    await proxy.enable();
    expect(await Promise.all(reads)).toEqual(Array.from({ length: 30 }, () => ({ value: null })));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('reconnected into a server still loading its dataset: commands wait for it instead of failing with LOADING', {
    timeout: 40_000,
  }, async () => {
    // 20,000 keys loaded at 100 µs each, answering clients every KB of the file meanwhile (they get
    // -LOADING): about two seconds of loading after a restart.
    const { server, admin } = await serverBehindProxy(defer, {
      'key-load-delay': '100',
      'loading-process-events-interval-bytes': '1024',
    });
    const pipeline = admin.pipeline();
    for (let i = 0; i < 20_000; i++) pipeline.set(`key:${i}`, 'v');
    await pipeline.exec();
    await admin.save();
    const client = wrapped(server.port, {}, { socket: { reconnectStrategy: lifelineReconnectStrategy() } });
    await within('the client to connect', client.connect(), 5000);
    const restarted = server.restart('shutdown');
    // Reads sent while the server is down, as it comes back and while it loads.
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await sleep(i * 150);
        return settle(client.get('key:1'), 15_000);
      }),
    );
    await restarted;
    // The server did refuse them with LOADING meanwhile (errorstats counts each refusal).
    const refused = Number(/errorstat_LOADING:count=(\d+)/.exec(await admin.info('errorstats'))?.[1] ?? 0);
    expect(refused).toBeGreaterThan(0);
    expect(results.filter((r) => 'error' in r)).toEqual([]);
    expect(results.at(-1)).toEqual({ value: 'v' });
  });
});

describe('lifeline(node-redis): each drop is explained', () => {
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
    await sleep(2500);
    expect(on.disconnects).toEqual([]);
  });

  it('pub/sub: a resubscribe reports the gap with the channels and the outage window', async () => {
    const { admin, client } = await rig({}, {}, true);
    const subscriber = lifeline(client.duplicate());
    defer(() => subscriber.destroy());
    subscriber.on('error', () => undefined);
    const gaps: PubsubGapEvent[] = [];
    subscriber.on('lifeline:pubsub-gap', (g: PubsubGapEvent) => gaps.push(g));
    const received: string[] = [];
    await within('the subscriber to connect', subscriber.connect(), 5000);
    await within(
      'SUBSCRIBE',
      subscriber.subscribe('orders', (message) => received.push(message)),
      5000,
    );
    expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(1);
    await waitFor('the gap event', () => gaps[0], 8000);
    expect(gaps[0]).toMatchObject({ channels: ['orders'], patterns: [], durationMs: expect.any(Number) });
    expect(Date.parse(gaps[0]?.to ?? '')).toBeGreaterThanOrEqual(Date.parse(gaps[0]?.from ?? ''));
    // node-redis resubscribed: a message published after the gap arrives.
    await waitFor(
      'a message after the resubscribe',
      async () => (await admin.publish('orders', 'after')) > 0 && received.includes('after'),
      5000,
    );
  });
});

describe('lifeline(node-redis): the config audit', () => {
  const audit = async (clientOptions: RedisClientOptions) => {
    const server = await startRedis();
    defer(() => server.stop());
    const client = wrapped(server.port, {}, clientOptions);
    const warnings: ConfigWarning[] = [];
    client.on('lifeline:warning', (w: ConfigWarning) => warnings.push(w));
    // The audit runs once, just after lifeline(client); nothing more comes after a short wait.
    await sleep(200);
    return warnings.map((w) => w.code);
  };

  it('warns when socket.socketTimeout is set with the default reconnect strategy', async () => {
    expect(await audit({ socket: { socketTimeout: 2000 } })).toContain('socket-timeout-no-reconnect');
    expect(
      await audit({
        socket: { socketTimeout: 2000, reconnectStrategy: (retries) => Math.min(retries * 50, 500) },
      }),
    ).not.toContain('socket-timeout-no-reconnect');
  });

  it('warns that pingInterval has no deadline', async () => {
    expect(await audit({ pingInterval: 1000 })).toContain('ping-interval-no-deadline');
  });

  it("suggests lifeline's reconnect strategy over node-redis's default, and is quiet once it is used", async () => {
    expect(await audit({})).toEqual(['default-reconnect-strategy']);
    expect(await audit({ socket: { reconnectStrategy: lifelineReconnectStrategy() } })).toEqual([]);
  });
});
