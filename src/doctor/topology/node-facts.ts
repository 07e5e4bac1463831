import type { Redis } from 'ioredis';
import { ERROR_CODES } from '../../core/error-codes.js';
import { CannotRunError } from '../../core/errors.js';
import { type Info, parseInfo } from '../../core/parse-info.js';
import {
  endpointOf,
  type NodeAddress,
  type RedisTarget,
  SENTINEL_PORT,
  type SentinelAuth,
} from '../../core/redis-url.js';
import { capReply } from '../../core/reply-cap.js';
import { fieldsOf } from '../../core/reply-fields.js';
import { type ConnectOptions, connect } from '../connect.js';
import { type Collected, ok, unavailable } from '../evidence.js';
import type { TopologyNode } from './topology-evidence.js';

/** What a server at an address is: a data node on its own, a sentinel, or a cluster node. */
export type Endpoint = 'standalone' | 'sentinel' | 'cluster';

export interface DiscoverOptions extends ConnectOptions {
  /** A failover within this many seconds counts as recent. */
  recentS: number;
  /** The application's command timeout, when the user gave it. */
  clientTimeoutMs?: number;
  /** Credentials of the sentinels (the URL's are the data nodes'). */
  sentinelAuth?: SentinelAuth;
}

// Read-only settings the topology rules judge.
export const TOPOLOGY_CONFIG = [
  'min-replicas-to-write',
  'min-replicas-max-lag',
  'cluster-node-timeout',
  'cluster-require-full-coverage',
  'repl-backlog-size',
  'repl-timeout',
  'replica-serve-stale-data',
];

/** Runs `use` on a fresh connection to `target`, always closed after. */
export async function withConnection<T>(
  target: RedisTarget,
  options: ConnectOptions,
  use: (redis: Redis) => Promise<T>,
): Promise<T> {
  const redis = await connect(target, options);
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** INFO of a connection, bounded in size. */
export const readInfo = async (redis: Redis): Promise<Info> =>
  parseInfo(String(await capReply(redis, 'INFO', () => redis.call('INFO'))));

/** Whether the server at `target` is a data node, a sentinel or a cluster node (its INFO redis_mode). */
export async function endpointKind(
  target: RedisTarget,
  options: ConnectOptions,
): Promise<{ kind: Endpoint; monitors?: string[] }> {
  return withConnection(target, options, async (redis) => {
    const info = await readInfo(redis);
    const mode = info.fields.redis_mode;
    if (mode === 'sentinel') {
      const names = Object.keys(info.fields)
        .filter((key) => /^master\d+$/.test(key))
        .map((key) => /name=([^,]*)/.exec(info.fields[key] ?? '')?.[1] ?? '')
        .filter(Boolean);
      return { kind: 'sentinel', monitors: names };
    }
    return { kind: mode === 'cluster' || info.fields.cluster_enabled === '1' ? 'cluster' : 'standalone' };
  });
}

/** The one-line refusal for a sentinel given where a data node was expected. */
export function sentinelGivenError(target: RedisTarget, monitors: readonly string[]): CannotRunError {
  const where = endpointOf(target);
  const name = monitors[0] ?? '<master-name>';
  const port = target.port === SENTINEL_PORT ? endpointOf({ host: target.host, port: target.port }) : where;
  return new CannotRunError(
    ERROR_CODES.isSentinel,
    `${where} is a Redis Sentinel${monitors.length ? ` (it monitors ${monitors.join(', ')})` : ''}, not a data node: use redis+sentinel://${port}/${name}`,
  );
}

/**
 * What a data node says about itself: INFO, and CONFIG GET of the topology settings. A node that
 * cannot be reached is kept, as `unreachable`, with the reason: it is evidence too.
 */
export async function nodeFacts(
  login: Pick<RedisTarget, 'username' | 'password' | 'tls' | 'db'>,
  node: NodeAddress,
  options: ConnectOptions,
): Promise<{ info: Collected<Info>; config: Collected<Record<string, string>>; reachable: boolean }> {
  const target: RedisTarget = { ...login, ...node, url: `redis://${endpointOf(node)}` };
  try {
    return await withConnection(target, options, async (redis) => {
      const info = ok(await readInfo(redis));
      const config = await readConfig(redis).then(ok, (error: Error) =>
        unavailable<Record<string, string>>(oneLine(error.message)),
      );
      return { info, config, reachable: true };
    });
  } catch (error) {
    const reason = oneLine((error as Error).message);
    return { info: unavailable(reason), config: unavailable(reason), reachable: false };
  }
}

/** CONFIG GET of the topology settings; servers before 7.0 take one pattern, so they get '*'. */
async function readConfig(redis: Redis): Promise<Record<string, string>> {
  const get = (...names: string[]) =>
    capReply(redis, 'CONFIG GET', () => redis.call('CONFIG', 'GET', ...names));
  const reply = await get(...TOPOLOGY_CONFIG).catch((error: Error) => {
    if (/wrong number of arguments/i.test(error.message)) return get('*');
    throw error;
  });
  const all = fieldsOf(reply);
  return Object.fromEntries(
    TOPOLOGY_CONFIG.filter((name) => name in all).map((name) => [name, all[name] as string]),
  );
}

/** A listed node with what it said about itself, `unreachable` when it could not be read. */
export async function describeNode(
  login: Pick<RedisTarget, 'username' | 'password' | 'tls' | 'db'>,
  listed: Omit<TopologyNode, 'info' | 'config'>,
  options: ConnectOptions,
): Promise<TopologyNode> {
  const facts = await nodeFacts(login, listed, options);
  return {
    ...listed,
    status: facts.reachable || listed.status !== 'ok' ? listed.status : 'unreachable',
    info: facts.info,
    config: facts.config,
  };
}

export const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 300);
