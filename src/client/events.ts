import { channel } from 'node:diagnostics_channel';
import type { Attribution } from './disconnect-cause.js';

/** Emitted on the client as 'lifeline:disconnect' and published on diagnostics_channel. */
export interface DisconnectEvent extends Attribution {
  endpoint: string;
  /** When the connection dropped (ISO time). */
  at: string;
  /** ms the connection had been quiet (nothing read) before it dropped. */
  idleMs: number;
  /** The socket error, when there was one. */
  error: Error | undefined;
  /** ms until the client was ready again (undefined while it is not). */
  downMs: number | undefined;
}

/** Emitted as 'lifeline:pubsub-gap' after a resubscribe: messages published in the window are lost. */
export interface PubsubGapEvent {
  endpoint: string;
  channels: string[];
  patterns: string[];
  from: string;
  to: string;
  durationMs: number;
  cause: string;
}

export const EVENTS = {
  disconnect: 'lifeline:disconnect',
  pubsubGap: 'lifeline:pubsub-gap',
  warning: 'lifeline:warning',
} as const;

/** diagnostics_channel names, for tracing and metrics without touching the client. */
export const channels = {
  disconnect: channel('lifeline:disconnect'),
  pubsubGap: channel('lifeline:pubsub-gap'),
  replay: channel('lifeline:replay'),
};
