import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { lifeline } from '../../src/client/lifeline.js';
import { lifelineMetrics } from '../../src/client/metrics.js';
import { FaultProxy } from '../../src/lab/proxy/proxy.js';
import { startRedis } from '../../src/lab/redis-server/start-redis.js';
import { waitFor } from '../support/with-redis.js';

const open: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

describe('lifelineMetrics', () => {
  it('counts disconnects by cause and unanswered commands by safety', async () => {
    const registry = new Registry();
    open.push(lifelineMetrics(registry));
    const server = await startRedis();
    open.push(() => server.stop());
    const proxy = await new FaultProxy({ name: 'm', upstream: `127.0.0.1:${server.port}` }).start();
    open.push(() => proxy.stop());
    const client = lifeline(new Redis({ port: proxy.port, host: '127.0.0.1' }));
    open.push(() => client.disconnect());
    client.on('error', () => undefined);
    await client.ping();
    proxy.addToxic({ type: 'reply_drop' });
    await client.incr('n').catch(() => undefined);
    await waitFor(
      'a disconnect metric',
      async () => (await registry.metrics()).includes('lifeline_client_disconnects_total{'),
      8000,
    );
    const text = await registry.metrics();
    expect(text).toMatch(
      /lifeline_client_unanswered_commands_total\{endpoint="127\.0\.0\.1:\d+",safety="unsafe",replayed="false"\} 1/,
    );
    expect(text).toMatch(
      /lifeline_client_disconnects_total\{endpoint="127\.0\.0\.1:\d+",cause="[a-z-]+",confidence="[a-z]+"\} 1/,
    );
  });
});
