import type { IoredisInternals } from './ioredis/internals.js';
import { wrapIoredis } from './ioredis/wrap-ioredis.js';
import { type NodeRedisClient, wrapNodeRedis } from './node-redis/wrap-node-redis.js';
import { type LifelineOptions, resolveOptions } from './options.js';

const WRAPPED = Symbol.for('redis-lifeline.wrapped');

/**
 * Instruments an ioredis `Redis` (or a node-redis client) in place and returns the same instance:
 * dead connections found in seconds, nothing run twice by accident, every promise settled, and each
 * drop explained by a 'lifeline:disconnect' event.
 */
export function lifeline<T extends object>(client: T, options?: LifelineOptions): T {
  const resolved = resolveOptions(options);
  const target = client as T & { [WRAPPED]?: boolean };
  if (target[WRAPPED]) return client;
  if (isIoredis(client)) {
    wrapIoredis(client as unknown as IoredisInternals, resolved);
  } else if (isNodeRedis(client)) {
    wrapNodeRedis(client as unknown as NodeRedisClient, resolved);
  } else {
    throw new TypeError(
      'lifeline(client) expects an ioredis Redis instance or a node-redis client (createClient())',
    );
  }
  Object.defineProperty(target, WRAPPED, { value: true });
  return client;
}

function isNodeRedis(client: object): boolean {
  const c = client as Partial<NodeRedisClient>;
  return typeof c.sendCommand === 'function' && 'isReady' in c && 'isOpen' in c && !('offlineQueue' in c);
}

function isIoredis(client: object): boolean {
  const c = client as Partial<IoredisInternals>;
  return typeof c.sendCommand === 'function' && 'offlineQueue' in c && 'commandQueue' in c;
}
