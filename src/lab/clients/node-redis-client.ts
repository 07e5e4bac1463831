import { createClient, type RedisClientOptions } from 'redis';
import { lifelineReconnectStrategy } from '../../client/backoff.js';
import {
  type ClientFactory,
  type ClientFactoryOptions,
  type ClientUnderTest,
  describeError,
} from './client-under-test.js';
import { wrapWithLifeline } from './wrap-with-lifeline.js';

/** node-redis as an application uses it: its defaults, plus whatever the user's options say. */
export const nodeRedisClient: ClientFactory = (factoryOptions) => makeNodeRedisClient(factoryOptions, false);

/** The same, wrapped by lifeline(client): its own events are reported as the app would see them. */
export const lifelineNodeRedisClient: ClientFactory = (factoryOptions) =>
  makeNodeRedisClient(factoryOptions, true);

function makeNodeRedisClient(
  { host, port, options, onEvent }: ClientFactoryOptions,
  wrap: boolean,
): ClientUnderTest {
  const userSocket = (options.socket ?? {}) as Record<string, unknown>;
  // Wrapped, node-redis gets lifeline's recommended reconnect strategy unless the options bring one.
  const reconnect =
    wrap && userSocket.reconnectStrategy === undefined
      ? { reconnectStrategy: lifelineReconnectStrategy() }
      : {};
  const config = { ...options, socket: { ...userSocket, ...reconnect, host, port } } as RedisClientOptions;
  const watch = (client: ReturnType<typeof createClient>, role: 'client' | 'subscriber') => {
    if (wrap) wrapWithLifeline(client, role, onEvent);
    client.on('error', (error: unknown) => onEvent({ role, event: 'error', ...describeError(error) }));
    for (const event of ['connect', 'ready', 'reconnecting', 'end'] as const) {
      client.on(event, () => onEvent({ role, event }));
    }
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
