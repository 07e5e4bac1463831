import { Redis, type RedisOptions } from 'ioredis';
import {
  type ClientFactory,
  type ClientFactoryOptions,
  type ClientUnderTest,
  describeError,
} from './client-under-test.js';
import { wrapWithLifeline } from './wrap-with-lifeline.js';

/** ioredis as an application uses it: its defaults, plus whatever the user's options say. */
export const ioredisClient: ClientFactory = (factoryOptions) => makeIoredisClient(factoryOptions, false);

/** The same, wrapped by lifeline(client): its own events are reported as the app would see them. */
export const lifelineIoredisClient: ClientFactory = (factoryOptions) =>
  makeIoredisClient(factoryOptions, true);

function makeIoredisClient(
  { host, port, options, onEvent }: ClientFactoryOptions,
  wrap: boolean,
): ClientUnderTest {
  const make = (role: 'client' | 'subscriber') => {
    const redis = new Redis({ host, port, lazyConnect: true, ...(options as RedisOptions) });
    if (wrap) wrapWithLifeline(redis, role, onEvent);
    redis.on('error', (error) => onEvent({ role, event: 'error', ...describeError(error) }));
    for (const event of ['close', 'reconnecting', 'ready', 'end'] as const) {
      redis.on(event, (arg: unknown) =>
        onEvent({ role, event, ...(event === 'reconnecting' ? { message: `delay=${arg}ms` } : {}) }),
      );
    }
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
