/**
 * Wrapping never changes what node-redis does on its own paths: lifecycle events, isOpen/isReady,
 * close/destroy in every state, duplicate() — each checked against the same client unwrapped.
 */
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { lifeline } from '../../src/client/lifeline.js';
import { closeAfterEach, serverBehindProxy } from '../support/fault-rig.js';
import { waitFor } from '../support/with-redis.js';

const defer = closeAfterEach();
type NodeRedis = ReturnType<typeof createClient>;

function make(port: number, wrap: boolean): { client: NodeRedis; seen: string[] } {
  const plain = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: () => 100 } });
  const client = (wrap ? lifeline(plain) : plain) as NodeRedis;
  defer(() => {
    if (client.isOpen) client.destroy();
  });
  const seen: string[] = [];
  for (const event of ['connect', 'ready', 'end', 'reconnecting'])
    client.on(event, () => seen.push(`${event} open=${client.isOpen} ready=${client.isReady}`));
  client.on('error', (e: Error) => seen.push(`error ${e.constructor.name}`));
  return { client, seen };
}

const modes = [
  ['plain', false],
  ['wrapped', true],
] as const;

describe('lifeline(node-redis) is a drop-in: the client behaves as it does unwrapped', () => {
  it('connect, command, close(): the same events with the same isOpen/isReady, and the same errors after', async () => {
    const { server } = await serverBehindProxy(defer);
    const runs: Record<string, unknown[]> = {};
    for (const [name, wrap] of modes) {
      const { client, seen } = make(server.port, wrap);
      const states = [`${client.isOpen}/${client.isReady}`];
      await client.connect();
      states.push(`${client.isOpen}/${client.isReady}`, String(await client.ping()));
      await client.close();
      states.push(`${client.isOpen}/${client.isReady}`);
      const again = await client.ping().catch((e: Error) => e.constructor.name);
      const closeTwice = await client.close().then(
        () => 'resolved',
        (e: Error) => e.constructor.name,
      );
      runs[name] = [...seen, ...states, again, closeTwice];
    }
    expect(runs.wrapped).toEqual(runs.plain);
  });

  it('destroy() while reconnecting: the same events and state; what was pending settles in both', async () => {
    const { proxy } = await serverBehindProxy(defer);
    const runs: Record<string, unknown[]> = {};
    for (const [name, wrap] of modes) {
      const { client, seen } = make(proxy.port, wrap);
      await client.connect();
      await proxy.disable();
      await waitFor(`${name}: reconnecting`, () => seen.some((e) => e.startsWith('reconnecting')), 5000);
      const pending = client.get('k').then(
        () => 'resolved',
        () => 'rejected',
      );
      client.destroy();
      const outcome = await pending;
      await proxy.enable();
      // Compared up to the first reconnect attempt: how many attempts fit in is timing, not behaviour.
      const upToReconnect = seen.slice(0, seen.findIndex((e) => e.startsWith('reconnecting')) + 1);
      runs[name] = [...upToReconnect, outcome, client.isOpen, client.isReady, seen.at(-1)];
    }
    expect(runs.wrapped).toEqual(runs.plain);
  });

  it('duplicate() of a wrapped client is a plain client with the same options; the original stays wrapped', async () => {
    const { server } = await serverBehindProxy(defer);
    const { client } = make(server.port, true);
    await client.connect();
    const copy = client.duplicate();
    defer(() => {
      if (copy.isOpen) copy.destroy();
    });
    await copy.connect();
    expect(await copy.ping()).toBe('PONG');
    expect(copy.options?.socket).toMatchObject({ host: '127.0.0.1', port: server.port });
    const wrappedMark = Symbol.for('redis-lifeline.wrapped');
    expect((client as unknown as Record<symbol, unknown>)[wrappedMark]).toBe(true);
    expect((copy as unknown as Record<symbol, unknown>)[wrappedMark]).toBeUndefined();
  });

  it('connect() after close(): lifeline watches the new connection (a blackhole is found)', async () => {
    const { proxy } = await serverBehindProxy(defer);
    const { client } = make(proxy.port, true);
    await client.connect();
    await client.close();
    await client.connect();
    const drops: { cause: string }[] = [];
    client.on('lifeline:disconnect', (e: { cause: string }) => drops.push(e));
    proxy.addToxic({ type: 'blackhole' });
    await waitFor('the blackhole found', () => drops.find((d) => d.cause === 'half-open'), 6000);
  });
});
