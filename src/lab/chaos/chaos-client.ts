import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { lifelineReconnectStrategy } from '../../client/backoff.js';
import { EVENTS, type PubsubGapEvent } from '../../client/events.js';
import { lifeline } from '../../client/lifeline.js';

export type ChaosLibrary = 'ioredis' | 'node-redis';

/** The commands a chaos workload sends, the same over both libraries, raw or wrapped. */
export interface ChaosClient {
  incr(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  /** MULTI INCR a INCR b EXEC. */
  multiIncr(a: string, b: string): Promise<unknown>;
  /** A pipeline (not a transaction): INCR a, GET a. */
  pipelineIncr(a: string): Promise<unknown>;
  /** A second connection of the same library, subscribed to `channel`. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  /** Gap windows the subscriber was told of (wrapped clients only). */
  readonly gaps: PubsubGapEvent[];
  close(): void;
}

export function chaosClient(library: ChaosLibrary, wrapped: boolean, port: number): ChaosClient {
  return library === 'ioredis' ? ioredisChaosClient(wrapped, port) : nodeRedisChaosClient(wrapped, port);
}

function ioredisChaosClient(wrapped: boolean, port: number): ChaosClient {
  const make = () => {
    const client = new Redis({ host: '127.0.0.1', port });
    client.on('error', () => undefined); // the run records outcomes per command
    return wrapped ? lifeline(client) : client;
  };
  const client = make();
  let subscriber: Redis | undefined;
  const gaps: PubsubGapEvent[] = [];
  return {
    incr: (key) => client.incr(key),
    set: (key, value) => client.set(key, value),
    get: (key) => client.get(key),
    multiIncr: (a, b) => client.multi().incr(a).incr(b).exec().then(throwFirst),
    pipelineIncr: (a) => client.pipeline().incr(a).get(a).exec().then(throwFirst),
    async subscribe(channel, onMessage) {
      subscriber = make();
      subscriber.on(EVENTS.pubsubGap, (gap: PubsubGapEvent) => gaps.push(gap));
      subscriber.on('message', (_channel: string, message: string) => onMessage(message));
      await subscriber.subscribe(channel);
    },
    gaps,
    close() {
      client.disconnect();
      subscriber?.disconnect();
    },
  };
}

/** ioredis resolves a pipeline with [error, result] pairs: the first error is the outcome. */
function throwFirst(results: [Error | null, unknown][] | null): unknown {
  if (results === null) throw new Error('EXEC aborted');
  for (const [error] of results) if (error) throw error;
  return results.map(([, value]) => value);
}

function nodeRedisChaosClient(wrapped: boolean, port: number): ChaosClient {
  // Wrapped, node-redis gets lifeline's reconnect strategy (it cannot be swapped after creation).
  const socket = {
    host: '127.0.0.1',
    port,
    ...(wrapped ? { reconnectStrategy: lifelineReconnectStrategy() } : {}),
  };
  const make = () => {
    const client = createClient({ socket });
    client.on('error', () => undefined);
    return wrapped ? lifeline(client) : client;
  };
  const client = make();
  let subscriber: ReturnType<typeof make> | undefined;
  const gaps: PubsubGapEvent[] = [];
  const connected = client.connect();
  connected.catch(() => undefined);
  const ready = <T>(send: () => Promise<T>) => connected.then(send);
  return {
    incr: (key) => ready(() => client.incr(key)),
    set: (key, value) => ready(() => client.set(key, value)),
    get: (key) => ready(() => client.get(key)),
    multiIncr: (a, b) => ready(() => client.multi().incr(a).incr(b).exec()),
    pipelineIncr: (a) => ready(() => client.multi().incr(a).get(a).execAsPipeline()),
    async subscribe(channel, onMessage) {
      subscriber = make();
      (subscriber as unknown as NodeJS.EventEmitter).on(EVENTS.pubsubGap, (gap: PubsubGapEvent) =>
        gaps.push(gap),
      );
      await subscriber.connect();
      await subscriber.subscribe(channel, (message) => onMessage(String(message)));
    },
    gaps,
    close() {
      for (const c of [client, subscriber]) if (c?.isOpen) c.destroy();
    },
  };
}
