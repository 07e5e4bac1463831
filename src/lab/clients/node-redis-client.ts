import {
  createClient,
  createCluster,
  createSentinel,
  type RedisClientOptions,
  type RedisClusterOptions,
  type RedisSentinelOptions,
} from 'redis';
import { lifelineReconnectStrategy } from '../../client/backoff.js';
import {
  type ClientFactory,
  type ClientFactoryOptions,
  type ClientUnderTest,
  describeError,
  noTopologySubscribe,
  type TopologyAddress,
} from './client-under-test.js';
import { wrapWithLifeline } from './wrap-with-lifeline.js';

/** node-redis as an application uses it: its defaults, plus whatever the user's options say. */
export const nodeRedisClient: ClientFactory = (factoryOptions) => makeNodeRedisClient(factoryOptions, false);

/** The same, wrapped by lifeline(client): its own events are reported as the app would see them. */
export const lifelineNodeRedisClient: ClientFactory = (factoryOptions) =>
  makeNodeRedisClient(factoryOptions, true);

/** The user's options with the lab's socket fields (and lifeline's reconnect strategy when wrapped). */
function clientOptions(
  options: Record<string, unknown>,
  wrap: boolean,
  socket: Record<string, unknown>,
): RedisClientOptions {
  const userSocket = (options.socket ?? {}) as Record<string, unknown>;
  // Wrapped, node-redis gets lifeline's recommended reconnect strategy unless the options bring one.
  const reconnect =
    wrap && userSocket.reconnectStrategy === undefined
      ? { reconnectStrategy: lifelineReconnectStrategy() }
      : {};
  return { ...options, socket: { ...userSocket, ...reconnect, ...socket } } as RedisClientOptions;
}

interface Emitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Reports the library's events as the app would see them (with the node's address for node events). */
function watchEvents(
  client: Emitter,
  role: 'client' | 'subscriber',
  onEvent: ClientFactoryOptions['onEvent'],
  events: readonly string[],
): void {
  client.on('error', (error: unknown) => onEvent({ role, event: 'error', ...describeError(error) }));
  for (const event of events) {
    client.on(event, (first: unknown, second: unknown) => {
      // A node event carries the node ({ host, port }), after the error for 'node-error'.
      const node = (first instanceof Error ? second : first) as {
        host?: string;
        port?: number;
        type?: string;
      };
      const where = node?.port ? `${node.host}:${node.port}` : '';
      if (first instanceof Error) {
        onEvent({
          role,
          event,
          ...describeError(first),
          message: `${where ? `${where}: ` : ''}${first.message}`,
        });
      } else if (where || node?.type) {
        onEvent({ role, event, message: where || String(node.type) }); // node events, topology-change
      } else onEvent({ role, event });
    });
  }
}

function makeNodeRedisClient(factoryOptions: ClientFactoryOptions, wrap: boolean): ClientUnderTest {
  const { host, port, options, onEvent, topology } = factoryOptions;
  if (topology) return nodeRedisTopologyClient(topology, options, onEvent, wrap);
  const config = clientOptions(options, wrap, { host, port });
  const watch = (client: ReturnType<typeof createClient>, role: 'client' | 'subscriber') => {
    if (wrap) wrapWithLifeline(client, role, onEvent);
    watchEvents(client, role, onEvent, ['connect', 'ready', 'reconnecting', 'end']);
    return client;
  };
  const client = watch(createClient(config), 'client');
  let subscriber: ReturnType<typeof createClient> | undefined;
  return {
    library: wrap ? 'lifeline(node-redis)' : 'node-redis',
    connect: async () => {
      await client.connect();
    },
    send: (args) => client.sendCommand(args),
    async subscribe(channel, onMessage) {
      subscriber = watch(client.duplicate(), 'subscriber');
      await subscriber.connect();
      await subscriber.subscribe(channel, (message) => onMessage(String(message)));
    },
    async close() {
      for (const c of [client, subscriber]) {
        if (c?.isOpen) c.destroy();
      }
    },
  };
}

/**
 * node-redis 6's Sentinel client (`createSentinel`: the user's options for each node's connection) or
 * its Cluster client (`createCluster`: the user's options as `defaults` for each node).
 */
function nodeRedisTopologyClient(
  topology: TopologyAddress,
  options: Record<string, unknown>,
  onEvent: ClientFactoryOptions['onEvent'],
  wrap: boolean,
): ClientUnderTest {
  // The node addresses come from the sentinels or the cluster: the lab sets none.
  const nodeOptions = clientOptions(options, false, {});
  if (topology.kind === 'sentinel') {
    const sentinel = createSentinel({
      name: topology.name,
      sentinelRootNodes: topology.sentinels,
      nodeClientOptions: nodeOptions as RedisSentinelOptions['nodeClientOptions'],
    });
    if (wrap) wrapWithLifeline(sentinel, 'client', onEvent);
    watchEvents(sentinel, 'client', onEvent, ['connect', 'ready', 'reconnecting', 'end', 'topology-change']);
    return {
      library: wrap ? 'lifeline(node-redis Sentinel)' : 'node-redis Sentinel',
      connect: async () => {
        await sentinel.connect();
      },
      // INCR and PING go to the master (isReadonly false).
      send: (args) => sentinel.sendCommand(false, args),
      subscribe: noTopologySubscribe,
      async close() {
        if (sentinel.isOpen) await sentinel.destroy();
      },
    };
  }
  const cluster = createCluster({
    rootNodes: topology.nodes.map((node) => ({ socket: node })),
    defaults: nodeOptions as RedisClusterOptions['defaults'],
  });
  if (wrap) wrapWithLifeline(cluster, 'client', onEvent);
  watchEvents(cluster, 'client', onEvent, [
    'connect',
    'disconnect',
    'node-error',
    'node-reconnecting',
    'node-disconnect',
  ]);
  return {
    library: wrap ? 'lifeline(node-redis Cluster)' : 'node-redis Cluster',
    connect: async () => {
      await cluster.connect();
    },
    // The first key routes the command to its slot's master; PING has none (any node).
    send: (args) => cluster.sendCommand(args[1], false, args),
    subscribe: noTopologySubscribe,
    async close() {
      if (cluster.isOpen) cluster.destroy();
    },
  };
}
