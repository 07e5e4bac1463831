/**
 * A healthy server with the usual mix of clients (a busy one, a pool that stays connected,
 * subscribers, a blocked BLPOP) watched for 60 s at a 1 s interval: no alert at all.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { startRedis } from '../../src/lab/redis-server/start-redis.js';
import { closeAfterEach } from '../support/fault-rig.js';
import { watching } from '../support/watching.js';

const defer = closeAfterEach();
const RUN_MS = 60_000;

it('a healthy server watched for 60 s raises no incident', { timeout: RUN_MS + 30_000 }, async () => {
  const server = await startRedis({});
  defer(() => server.stop());
  const connect = (name: string) => {
    const c = new Redis({ port: server.port, host: '127.0.0.1', connectionName: name });
    c.on('error', () => undefined);
    defer(() => c.disconnect());
    return c;
  };
  const busy = connect('busy');
  const pool = Array.from({ length: 5 }, (_, i) => connect(`pool-${i}`));
  const subscriber = connect('subscriber');
  const blocker = connect('blocker');
  await subscriber.subscribe('events');
  const w = await watching(defer, server.url);

  let stop = false;
  const traffic = (async () => {
    for (let n = 0; !stop; n++) {
      await busy.set(`k:${n % 100}`, String(n));
      await busy.publish('events', String(n));
      if (n % 20 === 0) await (pool[n % pool.length] as Redis).get('k:1');
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const blocking = (async () => {
    while (!stop) await blocker.blpop('queue', 5).catch(() => undefined);
  })();
  await new Promise((r) => setTimeout(r, RUN_MS));
  stop = true;
  await traffic;
  blocker.disconnect();
  await blocking;

  expect(w.incidents.map((i) => `${i.incident.kind}: ${i.incident.message}`)).toEqual([]);
  // One sample a second, each one up; CLIENT LIST on a small server runs every round.
  expect(w.samples.length).toBeGreaterThanOrEqual(55);
  expect(w.samples.every((s) => s.up)).toBe(true);
  expect(w.samples.filter((s) => s.clients).length).toBeGreaterThanOrEqual(50);
  expect(w.warnings).toEqual([]);
});
