import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import {
  type ClientFactory,
  type ClientFactoryOptions,
  type ClientUnderTest,
  describeError,
  noTopologySubscribe,
} from './client-under-test.js';
import { wrapWithLifeline } from './wrap-with-lifeline.js';

/** ioredis as an application uses it: its defaults, plus whatever the user's options say. */
export const ioredisClient: ClientFactory = (factoryOptions) => makeIoredisClient(factoryOptions, false);

/** The same, wrapped by lifeline(client): its own events are reported as the app would see them. */
export const lifelineIoredisClient: ClientFactory = (factoryOptions) =>
  makeIoredisClient(factoryOptions, true);

type Role = 'client' | 'subscriber';

/** Reports the library's connection events (and node-level ones of a Cluster) as the app would see them. */
function watch(redis: Redis | Cluster, role: Role, onEvent: ClientFactoryOptions['onEvent']): void {
  redis.on('error', (error) => onEvent({ role, event: 'error', ...describeError(error) }));
  for (const event of ['close', 'reconnecting', 'ready', 'end'] as const) {
    redis.on(event, (arg: unknown) =>
      onEvent({ role, event, ...(event === 'reconnecting' ? { message: `delay=${arg}ms` } : {}) }),
    );
  }
  if (redis instanceof Cluster) {
    redis.on('node error', (error: unknown, node: string) =>
      onEvent({
        role,
        event: 'node error',
        ...describeError(error),
        message: `${node}: ${messageOf(error)}`,
      }),
    );
    redis.on('-node', (_node: Redis, key: string) => onEvent({ role, event: '-node', message: key }));
  }
}

function makeIoredisClient(factoryOptions: ClientFactoryOptions, wrap: boolean): ClientUnderTest {
  const { host, port, options, onEvent, topology } = factoryOptions;
  if (topology?.kind === 'cluster') return ioredisClusterClient(factoryOptions, wrap);
  // In a Sentinel set ioredis asks the sentinels for the master of `name` (and again on each reconnect).
  const where = topology ? { sentinels: topology.sentinels, name: topology.name } : { host, port };
  const make = (role: Role) => {
    const redis = new Redis({ ...where, lazyConnect: true, ...(options as RedisOptions) });
    if (wrap) wrapWithLifeline(redis, role, onEvent);
    watch(redis, role, onEvent);
    return redis;
  };
  const client = make('client');
  let subscriber: Redis | undefined;
  return {
    library: wrap ? 'lifeline(ioredis)' : 'ioredis',
    connect: () => client.connect(),
    send: ([name, ...args]) => client.call(name as string, ...args),
    async subscribe(channel, onMessage) {
      subscriber = make('subscriber');
      await subscriber.connect();
      subscriber.on('message', (_channel: string, message: string) => onMessage(message));
      await subscriber.subscribe(channel);
    },
    async close() {
      client.disconnect();
      subscriber?.disconnect();
    },
  };
}

/** ioredis's Cluster client, the user's options as the options of each node's connection. */
function ioredisClusterClient(
  { options, onEvent, topology }: ClientFactoryOptions,
  wrap: boolean,
): ClientUnderTest {
  const nodes = topology?.kind === 'cluster' ? topology.nodes : [];
  const clusterOptions: ClusterOptions = { lazyConnect: true, redisOptions: options as RedisOptions };
  const cluster = new Cluster(nodes, clusterOptions);
  if (wrap) wrapWithLifeline(cluster, 'client', onEvent);
  watch(cluster, 'client', onEvent);
  return {
    library: wrap ? 'lifeline(ioredis Cluster)' : 'ioredis Cluster',
    connect: () => cluster.connect(),
    send: ([name, ...args]) => cluster.call(name as string, ...args),
    subscribe: noTopologySubscribe,
    async close() {
      cluster.disconnect();
    },
  };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
