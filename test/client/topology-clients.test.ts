import { Cluster } from 'ioredis';
import { createClient, createCluster, createSentinel } from 'redis';
import { describe, expect, it } from 'vitest';
import { lifeline } from '../../src/client/lifeline.js';

// Clients of a whole topology hold one connection per node; wrapping one as a single connection broke
// it (node-redis cluster: every command failed; Sentinel: an uncaught TypeError). Those whose nodes
// lifeline does not instrument yet are refused with a line that says so, never wrapped silently.
describe('lifeline() on topology clients', () => {
  it('an ioredis Cluster is wrapped (its nodes as they are opened), and wrapping twice is a no-op', () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    const handleError = cluster.handleError;
    expect(lifeline(cluster)).toBe(cluster);
    expect(cluster.handleError).not.toBe(handleError);
    const wrappedOnce = cluster.handleError;
    expect(lifeline(cluster)).toBe(cluster);
    expect(cluster.handleError).toBe(wrappedOnce);
    expect(cluster.listenerCount('+node')).toBe(1);
  });

  it("an ioredis Cluster with a maxRedirections of the user's keeps ioredis's budget (checked by ioredis's own suite)", () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true, maxRedirections: 3 });
    const handleError = cluster.handleError;
    lifeline(cluster);
    expect(cluster.handleError).toBe(handleError);
    expect(cluster.listenerCount('+node')).toBe(1);
  });

  it('a node-redis cluster client is wrapped (its nodes as they connect), and wrapping twice is a no-op', () => {
    const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] });
    expect(lifeline(cluster)).toBe(cluster);
    expect(lifeline(cluster)).toBe(cluster);
    for (const event of ['node-connect', 'node-error', 'node-reconnecting'])
      expect(cluster.listenerCount(event)).toBe(1);
  });

  it('a node-redis Sentinel client (createSentinel()) is wrapped (its master clients as commands run on them), and wrapping twice is a no-op', () => {
    const client = createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] });
    const self = (client as unknown as { _self: { _execute: unknown } })._self;
    const execute = self._execute;
    expect(lifeline(client)).toBe(client);
    expect(self._execute).not.toBe(execute);
    const wrappedOnce = self._execute;
    expect(lifeline(client)).toBe(client);
    expect(self._execute).toBe(wrappedOnce);
    expect(client.listenerCount('topology-change')).toBe(1);
  });

  it('each topology client is audited once, on the object the application holds', async () => {
    const seen: Record<string, string[]> = {};
    const clients = {
      sentinel: createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] }),
      cluster: createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] }),
      ioredis: new Cluster([{ host: '127.0.0.1', port: 1 }], {
        lazyConnect: true,
        retryDelayOnClusterDown: 0,
      }),
    };
    for (const [name, client] of Object.entries(clients)) {
      seen[name] = [];
      lifeline(client).on('lifeline:warning', (w: { code: string }) => seen[name]?.push(w.code));
    }
    await new Promise((r) => setImmediate(r));
    expect(seen.sentinel).toEqual(['no-error-listener']);
    expect(seen.cluster).toEqual(expect.arrayContaining(['no-error-listener', 'default-reconnect-strategy']));
    expect(seen.ioredis).toEqual(
      expect.arrayContaining(['no-error-listener', 'cluster-no-wait-on-failover']),
    );
  });

  it('a client of another shape is refused with a TypeError naming it, and left as it was', () => {
    const otherCluster = { isCluster: true, sendCommand: () => undefined };
    expect(() => lifeline(otherCluster)).toThrow(
      /cannot instrument this ioredis Cluster \(not the ioredis 5\/6/,
    );
    expect(Object.getOwnPropertySymbols(otherCluster)).toEqual([]);
    expect(() => lifeline({ get: () => undefined })).toThrow(
      /^lifeline\(client\) expects an ioredis Redis or Cluster/,
    );
  });

  it('a plain node-redis client is still wrapped', () => {
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    expect(lifeline(client)).toBe(client);
  });
});
