import { createServer, type Server, Socket } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { isCannotRun } from '../../src/core/errors.js';
import { type MetricsServer, startMetricsServer } from '../../src/watch/metrics/metrics-server.js';
import { WatchMetrics } from '../../src/watch/metrics/watch-metrics.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(registry: Registry, closeGraceMs?: number): Promise<MetricsServer> {
  const server = await startMetricsServer({
    port: 0,
    registry,
    ...(closeGraceMs !== undefined ? { closeGraceMs } : {}),
  });
  cleanups.push(() => server.close());
  return server;
}

describe('startMetricsServer', () => {
  it('serves /metrics with the registry content type and the watch metrics', async () => {
    const metrics = new WatchMetrics();
    metrics.observe({
      target: 'redis://127.0.0.1:7001/',
      at: Date.now(),
      up: true,
      durationMs: 5,
      gauges: {
        connectedClients: 7,
        blockedClients: 0,
        usedMemoryBytes: 1,
        maxmemoryBytes: 0,
      },
    });
    const server = await serve(metrics.registry);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);

    const response = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
    const text = await response.text();
    expect(text.split('\n')).toContain(
      'lifeline_watch_connected_clients{target="redis://127.0.0.1:7001/"} 7',
    );
    expect(text.split('\n')).toContain('lifeline_watch_up{target="redis://127.0.0.1:7001/"} 1');
  });

  it('answers / and /healthz with a short text, 404 elsewhere and 405 for other methods', async () => {
    const server = await serve(new Registry());
    for (const path of ['/', '/healthz']) {
      const response = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(5000) });
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/ok/);
    }
    const missing = await fetch(`${server.url}/nope`, { signal: AbortSignal.timeout(5000) });
    expect(missing.status).toBe(404);
    await missing.text();
    const post = await fetch(`${server.url}/metrics`, { method: 'POST', signal: AbortSignal.timeout(5000) });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await post.text();
  });

  it('rejects a port in use with ERR_LIFELINE_METRICS_PORT and one sentence', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const port = (blocker.address() as { port: number }).port;

    const error = await startMetricsServer({ port, registry: new Registry() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCannotRun(error)).toBe(true);
    expect((error as { code: string }).code).toBe('ERR_LIFELINE_METRICS_PORT');
    const message = (error as Error).message;
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toMatch(/in use/);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('rejects an impossible port before listening', async () => {
    await expect(startMetricsServer({ port: 70_000, registry: new Registry() })).rejects.toMatchObject({
      code: 'ERR_LIFELINE_METRICS_PORT',
    });
  });

  it('closes within its grace period even with a scrape that never finishes', async () => {
    const server = await startMetricsServer({ port: 0, registry: new Registry(), closeGraceMs: 200 });
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(server.port, '127.0.0.1', resolve);
    });
    socket.on('error', () => undefined);
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'); // headers never end
    const started = performance.now();
    await server.close();
    const took = performance.now() - started;
    expect(took).toBeLessThan(2000);
    // The port is free again.
    const again = await startMetricsServer({ port: server.port, registry: new Registry() });
    await again.close();
    socket.destroy();
    // close() is idempotent.
    await server.close();
  });
});
