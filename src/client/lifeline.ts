import type { IoredisClusterInternals, IoredisInternals } from './ioredis/internals.js';
import { wrapIoredis } from './ioredis/wrap-ioredis.js';
import { wrapIoredisCluster } from './ioredis/wrap-ioredis-cluster.js';
import type { NodeRedisClusterInternals, NodeRedisSentinelInternals } from './node-redis/internals.js';
import { type NodeRedisClient, wrapNodeRedis } from './node-redis/wrap-node-redis.js';
import { wrapNodeRedisCluster } from './node-redis/wrap-node-redis-cluster.js';
import { wrapNodeRedisSentinel } from './node-redis/wrap-node-redis-sentinel.js';
import { type LifelineOptions, type ResolvedOptions, resolveOptions } from './options.js';

const WRAPPED = Symbol.for('redis-lifeline.wrapped');

/**
 * Instruments an ioredis `Redis` (standalone or with `sentinels`) or `Cluster`, or a node-redis
 * createClient(), createCluster() or createSentinel() client, in place and returns the same instance:
 * dead connections found in seconds, nothing run twice by accident, every promise settled, each drop
 * explained by a 'lifeline:disconnect' event and each failover by 'lifeline:failover'.
 */
export function lifeline<T extends object>(client: T, options?: LifelineOptions): T {
  const resolved = resolveOptions(options);
  const target = client as T & { [WRAPPED]?: boolean };
  if (target[WRAPPED]) return client;
  const wrap = WRAPPERS.find((w) => w.is(client));
  if (!wrap) {
    const topology = unknownTopologyClient(client);
    // Wrapping a topology client as one connection would break it: refused instead.
    throw new TypeError(
      topology
        ? `lifeline(client) cannot instrument ${topology}: wrap an ioredis Redis or Cluster (ioredis 5/6), or a node-redis 5/6 createClient(), createCluster() or createSentinel() client, or leave this one unwrapped`
        : 'lifeline(client) expects an ioredis Redis or Cluster, or a node-redis client (createClient(), createCluster(), createSentinel())',
    );
  }
  wrap.instrument(client, resolved);
  Object.defineProperty(target, WRAPPED, { value: true });
  return client;
}

/** Each client shape lifeline knows, told apart by what it has, the topology clients first. */
const WRAPPERS: { is(client: object): boolean; instrument(client: object, o: ResolvedOptions): void }[] = [
  {
    is: isIoredisCluster,
    instrument: (c, o) => wrapIoredisCluster(c as unknown as IoredisClusterInternals, o),
  },
  {
    is: isNodeRedisCluster,
    instrument: (c, o) => wrapNodeRedisCluster(c as unknown as NodeRedisClusterInternals, o),
  },
  {
    is: isNodeRedisSentinel,
    instrument: (c, o) => wrapNodeRedisSentinel(c as unknown as NodeRedisSentinelInternals, o),
  },
  { is: isIoredis, instrument: (c, o) => wrapIoredis(c as unknown as IoredisInternals, o) },
  { is: isNodeRedis, instrument: (c, o) => wrapNodeRedis(c as unknown as NodeRedisClient, o) },
];

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

function isNodeRedisSentinel(client: object): boolean {
  const c = client as Record<string, unknown>;
  return typeof c.getMasterNode === 'function' && typeof c.getSentinelNode === 'function';
}

function isIoredis(client: object): boolean {
  const c = client as Partial<IoredisInternals>;
  return typeof c.sendCommand === 'function' && 'offlineQueue' in c && 'commandQueue' in c;
}

/** A topology client of another shape than the versions lifeline knows (their internals differ). */
function unknownTopologyClient(client: object): string | undefined {
  const c = client as Record<string, unknown>;
  if (c.isCluster === true) return 'this ioredis Cluster (not the ioredis 5/6 Cluster lifeline knows)';
  if ('nodeByAddress' in c && 'masters' in c) return 'this node-redis cluster client (not node-redis 5/6)';
  return undefined;
}
