/**
 * Outages of every length, for both clients side by side: the app hears of the drop at once (the
 * client's facts), then of the confirmed cause when the server answers again, with the outage's
 * length; a subscriber hears of its gap after every outage, whoever killed the socket.
 */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import type { DisconnectEvent, PubsubGapEvent, ReconnectEvent } from '../../src/client/events.js';
import { lifeline } from '../../src/client/lifeline.js';
import { closeAfterEach, serverBehindProxy } from '../support/fault-rig.js';
import { waitFor } from '../support/with-redis.js';

const defer = closeAfterEach();

interface Heard {
  library: 'ioredis' | 'node-redis';
  role: 'commands' | 'subscriber';
  disconnects: (DisconnectEvent & { heardAt: number })[];
  reconnects: ReconnectEvent[];
  gaps: PubsubGapEvent[];
}

interface Emitter {
  on(event: string, listener: (payload: never) => void): unknown;
}

function listen(client: Emitter, library: Heard['library'], role: Heard['role']): Heard {
  const heard: Heard = { library, role, disconnects: [], reconnects: [], gaps: [] };
  client.on('error', () => undefined);
  client.on('lifeline:disconnect', (e: DisconnectEvent) =>
    heard.disconnects.push({ ...e, heardAt: performance.now() }),
  );
  client.on('lifeline:reconnect', (e: ReconnectEvent) => heard.reconnects.push(e));
  client.on('lifeline:pubsub-gap', (g: PubsubGapEvent) => heard.gaps.push(g));
  return heard;
}

/** An ioredis and a node-redis client, each as a command connection and as a subscriber. */
async function clientsOf(port: number): Promise<Heard[]> {
  const heard: Heard[] = [];
  for (const role of ['commands', 'subscriber'] as const) {
    const io = lifeline(new Redis({ port, host: '127.0.0.1' }));
    defer(() => io.disconnect());
    heard.push(listen(io as unknown as Emitter, 'ioredis', role));
    const nr = lifeline(createClient({ socket: { host: '127.0.0.1', port } }));
    defer(() => nr.destroy());
    heard.push(listen(nr as unknown as Emitter, 'node-redis', role));
    await nr.connect();
    if (role === 'subscriber') {
      await io.subscribe('orders');
      await nr.subscribe('orders', () => undefined);
    } else {
      await io.ping();
      await nr.ping();
    }
  }
  // lifeline reads its first server snapshot as each connection becomes ready; let it land.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return heard;
}

const label = (h: Heard) => `${h.library} ${h.role}`;

describe('lifeline(client): an outage of any length is told twice — at once, then confirmed', () => {
  for (const [how, downMs] of [
    ['shutdown', 3_000],
    ['crash', 10_000],
    ['shutdown', 60_000],
  ] as const) {
    it(`a ${how} with ${downMs / 1000} s down: disconnect within a second, server-restart confirmed, every gap told`, {
      timeout: downMs + 30_000,
    }, async () => {
      const { server } = await serverBehindProxy(defer);
      const heard = await clientsOf(server.port);
      const droppedAt = performance.now();
      await server.restart(how, { downMs });
      for (const h of heard) {
        await waitFor(`${label(h)}: lifeline:reconnect`, () => h.reconnects[0], 15_000);
        expect(h.disconnects, label(h)).toHaveLength(1);
        const [disconnect] = h.disconnects;
        // Heard while the server was still down, with what the client could tell by itself: normally
        // the refused reconnect (server-restart); on a loaded machine the 500 ms mark can come first.
        expect(disconnect?.heardAt ?? 0, label(h)).toBeLessThan(droppedAt + 1500);
        expect(disconnect, label(h)).toMatchObject({ confirmed: false });
        expect(h.reconnects, label(h)).toHaveLength(1);
        expect(h.reconnects[0], label(h)).toMatchObject({
          cause: 'server-restart',
          confidence: 'high',
          provisionalCause: disconnect?.cause,
        });
        expect(h.reconnects[0]?.downMs ?? 0, label(h)).toBeGreaterThanOrEqual(downMs);
        if (h.role === 'subscriber') {
          expect(h.gaps, label(h)).toEqual([
            expect.objectContaining({ channels: ['orders'], cause: 'server-restart' }),
          ]);
          expect(h.gaps[0]?.durationMs ?? 0, label(h)).toBeGreaterThanOrEqual(downMs);
        } else {
          expect(h.gaps, label(h)).toEqual([]);
        }
      }
    });
  }

  it('a 5 s blackhole: half-open told by lifeline itself, and each subscriber is told of its gap', {
    timeout: 30_000,
  }, async () => {
    const { proxy } = await serverBehindProxy(defer);
    const heard = await clientsOf(proxy.port);
    const toxic = proxy.addToxic({ type: 'blackhole' });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    proxy.removeToxic(toxic.name);
    for (const h of heard) {
      await waitFor(`${label(h)}: lifeline:reconnect`, () => h.reconnects[0], 10_000);
      expect(h.disconnects[0], label(h)).toMatchObject({ cause: 'half-open', confidence: 'high' });
      expect(h.reconnects[0], label(h)).toMatchObject({ cause: 'half-open' });
      if (h.role === 'subscriber') {
        expect(h.gaps, label(h)).toEqual([expect.objectContaining({ channels: ['orders'] })]);
        expect(h.gaps[0]?.durationMs ?? 0, label(h)).toBeGreaterThan(1000);
      }
    }
  });
});
