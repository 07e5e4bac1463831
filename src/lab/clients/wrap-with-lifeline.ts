import {
  type DisconnectEvent,
  EVENTS,
  type FailoverEvent,
  type PubsubGapEvent,
  type ReconnectEvent,
} from '../../client/events.js';
import { lifeline } from '../../client/lifeline.js';
import type { SeenEvent } from './client-under-test.js';

interface Emitter {
  on(event: string, listener: (payload: never) => void): unknown;
}

/** Wraps a client under test with lifeline(client) and reports its events as the app would see them. */
export function wrapWithLifeline<C extends object>(
  client: C,
  role: SeenEvent['role'],
  onEvent: (event: Omit<SeenEvent, 'at'>) => void,
): C {
  lifeline(client);
  const emitter = client as unknown as Emitter;
  emitter.on(EVENTS.disconnect, (e: DisconnectEvent) =>
    onEvent({
      role,
      event: EVENTS.disconnect,
      message: `cause=${e.cause} (${e.confidence}${e.confirmed ? ', confirmed' : ''}) at ${e.endpoint}`,
    }),
  );
  emitter.on(EVENTS.failover, (e: FailoverEvent) =>
    onEvent({
      role,
      event: EVENTS.failover,
      message: `${e.from} → ${e.to}${e.moved ? ', moved' : ''}`,
    }),
  );
  emitter.on(EVENTS.reconnect, (e: ReconnectEvent) =>
    onEvent({
      role,
      event: EVENTS.reconnect,
      message: `cause=${e.cause} (${e.confidence}) after ${e.downMs} ms at ${e.endpoint}`,
    }),
  );
  emitter.on(EVENTS.pubsubGap, (e: PubsubGapEvent) =>
    onEvent({ role, event: EVENTS.pubsubGap, message: `${e.durationMs} ms on ${e.channels.join(',')}` }),
  );
  return client;
}
