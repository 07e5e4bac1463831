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

  it('a node-redis cluster client is wrapped (its nodes as they connect), and wrapping twice is a no-op', () => {
    const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] });
    const self = (cluster as unknown as { _self: { _execute: unknown } })._self;
    const execute = self._execute;
    expect(lifeline(cluster)).toBe(cluster);
    expect(self._execute).not.toBe(execute);
    const wrappedOnce = self._execute;
    expect(lifeline(cluster)).toBe(cluster);
    expect(self._execute).toBe(wrappedOnce);
    expect(cluster.listenerCount('node-connect')).toBe(1);
  });

  it('a node-redis Sentinel client (createSentinel()): a TypeError naming it, the client left as it was', () => {
    const name = 'a node-redis Sentinel client (createSentinel())';
    const client = createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] });
    const before = Object.getOwnPropertyNames(client).length;
    expect(() => lifeline(client)).toThrow(
      new RegExp(`cannot instrument ${name.replace(/[()]/g, '\\$&')} yet`),
    );
    expect(Object.getOwnPropertyNames(client).length).toBe(before);
  });

  it('a plain node-redis client is still wrapped', () => {
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    expect(lifeline(client)).toBe(client);
  });
});
