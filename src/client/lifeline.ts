import type { IoredisClusterInternals, IoredisInternals } from './ioredis/internals.js';
import { wrapIoredis } from './ioredis/wrap-ioredis.js';
import { wrapIoredisCluster } from './ioredis/wrap-ioredis-cluster.js';
import type { NodeRedisClusterInternals } from './node-redis/internals.js';
import { type NodeRedisClient, wrapNodeRedis } from './node-redis/wrap-node-redis.js';
import { wrapNodeRedisCluster } from './node-redis/wrap-node-redis-cluster.js';
import { type LifelineOptions, resolveOptions } from './options.js';

const WRAPPED = Symbol.for('redis-lifeline.wrapped');

/**
 * Instruments an ioredis `Redis` or `Cluster` (or a node-redis client) in place and returns the same instance:
 * dead connections found in seconds, nothing run twice by accident, every promise settled, and each
 * drop explained by a 'lifeline:disconnect' event.
 */
export function lifeline<T extends object>(client: T, options?: LifelineOptions): T {
  const resolved = resolveOptions(options);
  const target = client as T & { [WRAPPED]?: boolean };
  if (target[WRAPPED]) return client;
  if (isIoredisCluster(client)) {
    wrapIoredisCluster(client as unknown as IoredisClusterInternals, resolved);
    Object.defineProperty(target, WRAPPED, { value: true });
    return client;
  }
  if (isNodeRedisCluster(client)) {
    wrapNodeRedisCluster(client as unknown as NodeRedisClusterInternals, resolved);
    Object.defineProperty(target, WRAPPED, { value: true });
    return client;
  }
  const topology = topologyClient(client);
  if (topology) {
    // Instrumenting each node connection is not built yet; wrapping as one connection would break it.
    throw new TypeError(
      `lifeline(client) cannot instrument ${topology} yet: wrap a standalone client (ioredis \`new Redis()\`, also with \`sentinels\`, or node-redis \`createClient()\`), or leave this one unwrapped`,
    );
  }
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

function isIoredisCluster(client: object): boolean {
  const c = client as Partial<IoredisClusterInternals>;
  return c.isCluster === true && typeof c.nodes === 'function' && typeof c.handleError === 'function';
}

function isNodeRedisCluster(client: object): boolean {
  const c = client as Partial<NodeRedisClusterInternals> & Record<string, unknown>;
  const self = (c._self ?? c) as Partial<NodeRedisClusterInternals>;
  return 'nodeByAddress' in c && 'masters' in c && typeof self._execute === 'function';
}

function isIoredis(client: object): boolean {
  const c = client as Partial<IoredisInternals>;
  return typeof c.sendCommand === 'function' && 'offlineQueue' in c && 'commandQueue' in c;
}

/** A client of a whole topology (one connection per node), which lifeline cannot instrument yet. */
function topologyClient(client: object): string | undefined {
  const c = client as Record<string, unknown>;
  if (c.isCluster === true) return 'this ioredis Cluster (not the ioredis 5/6 Cluster lifeline knows)';
  if (typeof c.sendCommand !== 'function') return undefined;
  if ('nodeByAddress' in c && 'masters' in c) return 'a node-redis cluster client (createCluster())';
  if (typeof c.getMasterNode === 'function' && typeof c.getSentinelNode === 'function')
    return 'a node-redis Sentinel client (createSentinel())';
  return undefined;
}
