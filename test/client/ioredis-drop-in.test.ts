/**
 * Wrapping never changes what ioredis does on its own paths: each case here failed only when wrapped
 * in ioredis's own test suite (v6.0.0), and is checked against what the same client does unwrapped.
 */
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { lifeline } from '../../src/client/lifeline.js';
import { startRedis } from '../../src/lab/redis-server/start-redis.js';
import { closeAfterEach, serverBehindProxy } from '../support/fault-rig.js';
import { waitFor } from '../support/with-redis.js';

const defer = closeAfterEach();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function server() {
  const s = await startRedis();
  defer(() => s.stop());
  return s;
}

/** The same construction, plain and wrapped, for side-by-side checks. */
const both = (make: () => Redis): [string, () => Redis][] => [
  ['plain', make],
  ['wrapped', () => lifeline(make())],
];

/** The lifecycle events a client emits, in order. */
function lifecycle(client: Redis): string[] {
  const seen: string[] = [];
  for (const event of ['connect', 'ready', 'close', 'reconnecting', 'end', 'error'])
    client.on(event, () => seen.push(event));
  return seen;
}

describe('lifeline(ioredis) is a drop-in: the client behaves as it does unwrapped', () => {
  it('disconnect() before ready: the same events, once each, and connect() works again', async () => {
    const { port } = await server();
    const runs: Record<string, string[]> = {};
    for (const [name, make] of both(() => new Redis({ port, host: '127.0.0.1' }))) {
      const client = make();
      defer(() => client.disconnect());
      const seen = lifecycle(client);
      client.disconnect();
      await waitFor(`${name}: end`, () => seen.includes('end'), 3000);
      await sleep(100); // anything late (a second end, a queue-state error) would show now
      runs[name] = [...seen];
      await client.connect();
      expect(await client.ping(), name).toBe('PONG');
    }
    expect(runs.wrapped).toEqual(runs.plain);
    expect(runs.plain).not.toContain('error');
  });

  it('quit() during the handshake, then connect() from the end handler: connected again', async () => {
    const { port } = await server();
    for (const [name, make] of both(() => new Redis({ port, host: '127.0.0.1' }))) {
      const client = make();
      defer(() => client.disconnect());
      const reconnected = new Promise<string>((resolve, reject) => {
        client.once('end', () => {
          client.connect().then(() => resolve(client.status), reject);
        });
      });
      await client.quit();
      expect(await reconnected, name).toBe('ready');
    }
  });

  it("the user's retryStrategy is called, and its null stops reconnecting", async () => {
    const s = await server();
    let calls = 0;
    const client = lifeline(
      new Redis({
        port: s.port,
        host: '127.0.0.1',
        retryStrategy: () => {
          calls++;
          return null;
        },
      }),
    );
    client.on('error', () => undefined);
    const seen = lifecycle(client);
    await client.ping();
    await s.restart('crash');
    await waitFor('end', () => seen.includes('end'), 3000);
    await sleep(300);
    expect(calls).toBe(1);
    expect(seen.filter((e) => e === 'reconnecting')).toEqual([]);
    expect(client.status).toBe('end');
  });

  it("duplicate() gets the strategy the client had before wrapping (ioredis's default)", () => {
    const ioredisDefault = new Redis({ lazyConnect: true }).options.retryStrategy;
    const client = lifeline(new Redis({ lazyConnect: true }));
    expect(client.options.retryStrategy).not.toBe(ioredisDefault);
    expect(client.duplicate({ lazyConnect: true }).options.retryStrategy).toBe(ioredisDefault);
    const own = () => 10;
    expect(lifeline(new Redis({ lazyConnect: true, retryStrategy: own })).options.retryStrategy).toBe(own);
  });

  it('quit(callback) calls back, in subscriber mode too', async () => {
    const { port } = await server();
    const client = lifeline(new Redis({ port, host: '127.0.0.1' }));
    await client.subscribe('orders');
    const result = await new Promise((resolve, reject) =>
      client.quit((error, reply) => (error ? reject(error) : resolve(reply))),
    );
    expect(result).toBe('OK');
  });

  it("lifeline's INFO and CONFIG GET go out ahead of the commands queued before ready", async () => {
    const { port } = await server();
    const watcher = new Redis({ port, host: '127.0.0.1' });
    defer(() => watcher.disconnect());
    const lines: string[] = [];
    const monitor = await watcher.monitor();
    defer(() => monitor.disconnect());
    monitor.on('monitor', (_time: string, args: string[]) => lines.push(args.join(' ').toLowerCase()));
    const client = lifeline(new Redis({ port, host: '127.0.0.1' }));
    defer(() => client.disconnect());
    const queued = Promise.all([client.set('k', 'v'), client.get('k')]);
    await queued;
    // MONITOR lines arrive on their own connection, after the replies: wait for both commands.
    await waitFor(
      'lifeline INFO and the SET seen',
      () => lines.some((l) => l.startsWith('info server')) && lines.includes('set k v'),
      3000,
    );
    const info = lines.findIndex((l) => l.startsWith('info server'));
    const set = lines.indexOf('set k v');
    expect(info).toBeGreaterThanOrEqual(0);
    expect(info).toBeLessThan(set);
  });

  it('in monitor mode lifeline sends nothing: every monitored command arrives as a monitor line', async () => {
    const { port } = await server();
    const admin = new Redis({ port, host: '127.0.0.1' });
    defer(() => admin.disconnect());
    const before = await admin.info('commandstats');
    const monitor = lifeline(new Redis({ port, host: '127.0.0.1', monitor: true }));
    defer(() => monitor.disconnect());
    const errors: Error[] = [];
    monitor.on('error', (e: Error) => errors.push(e));
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => seen.push(args.join(' ')));
    await waitFor('monitoring', () => (monitor.status as string) === 'monitoring', 3000);
    for (let i = 0; i < 50; i++) await admin.set(`k${i}`, 'v');
    await waitFor('every SET monitored', () => seen.filter((l) => l.startsWith('set')).length === 50, 3000);
    await sleep(1500); // past the heartbeat interval: no PING either
    expect(errors).toEqual([]);
    expect(seen.some((l) => /^(info|config|ping)/i.test(l))).toBe(false);
    const infoCalls = (text: string) => Number(/cmdstat_info:calls=(\d+)/.exec(text)?.[1] ?? 0);
    const pingCalls = (text: string) => Number(/cmdstat_ping:calls=(\d+)/.exec(text)?.[1] ?? 0);
    const after = await admin.info('commandstats');
    // The admin's own INFO (and ioredis's ready checks) are all that ran.
    expect(infoCalls(after) - infoCalls(before)).toBeLessThanOrEqual(2);
    expect(pingCalls(after)).toBe(pingCalls(before));
  });

  it("an ended client keeps no timer of lifeline's; connect() again and lifeline watches again", async () => {
    const { proxy } = await serverBehindProxy(defer);
    const setIntervals = vi.spyOn(globalThis, 'setInterval');
    const clearIntervals = vi.spyOn(globalThis, 'clearInterval');
    defer(() => vi.restoreAllMocks());
    const client = lifeline(new Redis({ port: proxy.port, host: '127.0.0.1', retryStrategy: () => null }));
    defer(() => client.disconnect());
    client.on('error', () => undefined);
    const timersAtEnd = new Promise<[number, number]>((resolve) =>
      client.once('end', () => resolve([setIntervals.mock.calls.length, clearIntervals.mock.calls.length])),
    );
    await client.ping();
    await proxy.disable();
    const [set, cleared] = await timersAtEnd;
    expect(set).toBeGreaterThan(0);
    expect(cleared).toBe(set);
    await proxy.enable();
    await client.connect();
    const drops: { cause: string }[] = [];
    client.on('lifeline:disconnect', (e) => drops.push(e));
    proxy.addToxic({ type: 'blackhole' });
    // (The drop that ended the client is told too, as 'unknown': a clean close, nobody said why.)
    await waitFor('the blackhole found', () => drops.find((d) => d.cause === 'half-open'), 6000);
  });
});
