import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { SafeSubscriber } from '../../src/client/pubsub/safe-subscriber.js';
import { type RedisServer, startRedis } from '../../src/lab/redis-server/start-redis.js';
import { waitFor } from '../support/with-redis.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MESSAGES = 8000; // 8 MB: more than the ~4 MB loopback buffers absorb before Redis's buffer grows

/** Publishes from another process, as a real publisher would: the subscriber's event loop is not its own. */
function publishBurst(port: number): Promise<void> {
  const script = `
    import { Redis } from 'ioredis';
    const r = new Redis({ port: ${port}, host: '127.0.0.1' });
    const body = 'x'.repeat(1000);
    for (let s = 0; s < ${MESSAGES}; s += 500) {
      const p = r.pipeline();
      for (let i = s; i < s + 500; i++) p.publish('burst', i + ':' + body);
      await p.exec();
    }
    r.disconnect();`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: ROOT, timeout: 30_000 },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}

/** A handler that costs 1 ms of CPU per message, like real JSON parsing and bookkeeping. */
function busy1ms(): void {
  const until = performance.now() + 1;
  while (performance.now() < until) {
    // burn
  }
}

const open: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function server(): Promise<RedisServer> {
  const s = await startRedis({ config: { 'client-output-buffer-limit': 'pubsub 256kb 64kb 5' } });
  open.push(() => s.stop());
  return s;
}

const kills = async (s: RedisServer) =>
  ((await s.readLog()).match(/for overcoming of output buffer limits/g) ?? []).length;

describe('SafeSubscriber', () => {
  it('a raw subscriber with a 1 ms handler is cut off by pubsub 256kb 64kb 5', async () => {
    const s = await server();
    const raw = new Redis({ port: s.port, host: '127.0.0.1' });
    open.push(() => raw.disconnect());
    raw.on('error', () => undefined);
    let received = 0;
    raw.on('message', () => {
      busy1ms();
      received++;
    });
    await raw.subscribe('burst');
    await publishBurst(s.port);
    await waitFor('the kill in the log', async () => (await kills(s)) > 0, 20_000);
    expect(received).toBeLessThan(MESSAGES);
  }, 40_000);

  it('the same handler behind SafeSubscriber keeps up: every message handled, no kill', async () => {
    const s = await server();
    const client = new Redis({ port: s.port, host: '127.0.0.1' });
    open.push(() => client.disconnect());
    client.on('error', () => undefined);
    const seen = new Set<number>();
    const sub = new SafeSubscriber(client, {
      handler: (message) => {
        busy1ms();
        seen.add(Number(message.split(':')[0]));
      },
    });
    await sub.subscribe('burst');
    await publishBurst(s.port);
    expect(await sub.drained(30_000)).toBe(true);
    expect(seen.size).toBe(MESSAGES);
    expect(sub.stats).toMatchObject({ received: MESSAGES, handled: MESSAGES, dropped: 0 });
    expect(sub.stats.maxLagMs).toBeGreaterThan(0);
    expect(await kills(s)).toBe(0);
  }, 60_000);

  it('at its bound it drops the oldest (or refuses, with overflow: "error") and counts it', async () => {
    const s = await server();
    const client = new Redis({ port: s.port, host: '127.0.0.1' });
    const publisher = new Redis({ port: s.port, host: '127.0.0.1' });
    open.push(
      () => client.disconnect(),
      () => publisher.disconnect(),
    );
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled: string[] = [];
    const sub = new SafeSubscriber(client, {
      maxQueue: 3,
      handler: async (message) => {
        await gate;
        handled.push(message);
      },
    });
    await sub.subscribe('c');
    for (let i = 0; i < 10; i++) await publisher.publish('c', String(i));
    await waitFor('all received', () => sub.stats.received === 10, 5000);
    release();
    await sub.drained(5000);
    // The first one was already running; of the other nine the newest three were kept.
    expect(handled).toEqual(['0', '7', '8', '9']);
    expect(sub.stats.dropped).toBe(6);
  });
});
