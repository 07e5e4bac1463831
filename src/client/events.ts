import { channel } from 'node:diagnostics_channel';
import type { Attribution, DisconnectCause } from './disconnect-cause.js';

/**
 * Emitted on the client as 'lifeline:disconnect' (and published on diagnostics_channel) once per drop:
 * with the cause confirmed by the server when the client was back within half a second, else with
 * the client's own facts at once ('lifeline:reconnect' then follows with the confirmed cause).
 */
export interface DisconnectEvent extends Attribution {
  endpoint: string;
  /** When the connection dropped (ISO time). */
  at: string;
  /** ms the connection had been quiet (nothing read) before it dropped. */
  idleMs: number;
  /** The socket error, when there was one. */
  error: Error | undefined;
  /** The server confirmed the cause (the client was already back); false: the client's facts alone. */
  confirmed: boolean;
  /** ms until the client was ready again (undefined while it is not). */
  downMs: number | undefined;
}

/**
 * Emitted as 'lifeline:reconnect' each time the server answers again after a drop, however long the
 * outage: the cause as confirmed with the server (INFO deltas) and the outage's length.
 */
export interface ReconnectEvent extends Attribution {
  /** Where the client is connected now: another server than the one it lost after a failover. */
  endpoint: string;
  /** The server whose connection dropped, when it is not `endpoint`. */
  previousEndpoint?: string;
  /** When the connection dropped (ISO time). */
  droppedAt: string;
  /** ms from the drop until the server answered again. */
  downMs: number;
  /** What 'lifeline:disconnect' said before the server could confirm (the same when it could). */
  provisionalCause: DisconnectCause;
}

/**
 * Emitted as 'lifeline:pubsub-gap' when a subscribed connection is back after any outage (the client
 * resubscribes): messages published in the window were lost.
 */
export interface PubsubGapEvent {
  endpoint: string;
  channels: string[];
  patterns: string[];
  /** The last read before the drop (ISO time): messages published since may be lost. */
  from: string;
  /** When the connection was back and resubscribed. */
  to: string;
  durationMs: number;
  cause: string;
}

/**
 * Emitted as 'lifeline:failover' when the client's master moved: a sentinel announced it
 * (`+switch-master`, whether or not the client was on the old master then), the server the client
 * writes to answered -READONLY or -MASTERDOWN (it was demoted under the client), or a Cluster client's slot map
 * gave all of a master's slots to another node.
 */
export interface FailoverEvent {
  topology: 'sentinel' | 'standalone' | 'cluster';
  by: '+switch-master' | 'READONLY' | 'MASTERDOWN' | 'slot-map';
  /** The master name the sentinels monitor (a Sentinel-managed client). */
  masterName?: string;
  /** The old master ("host:port"). */
  from: string;
  /** The new one, as the sentinels announce it or as the demoted server's ROLE names it; undefined: unknown. */
  to: string | undefined;
  /** The sentinel whose announcement lifeline heard first ("host:port"), for `+switch-master`. */
  announcedBy?: string;
  /** When it was heard (ISO time). */
  at: string;
  /**
   * A Cluster: ms from the old master's connection dropping to the slot map naming the new one (the
   * window in which its slots' commands waited or failed); undefined when no drop came first (a
   * manual CLUSTER FAILOVER).
   */
  writesRefusedMs?: number;
  /** A Cluster: how many slots moved. */
  slots?: number;
  /**
   * lifeline closed the client's connection to the old master so that it reconnects to the new one
   * (false: the client was elsewhere or already reconnecting, or `followFailover` is off; always
   * false for a Cluster, which follows its slot map itself).
   */
  moved: boolean;
}

export const EVENTS = {
  disconnect: 'lifeline:disconnect',
  failover: 'lifeline:failover',
  reconnect: 'lifeline:reconnect',
  pubsubGap: 'lifeline:pubsub-gap',
  warning: 'lifeline:warning',
} as const;

/** diagnostics_channel names, for tracing and metrics without touching the client. */
export const channels = {
  disconnect: channel('lifeline:disconnect'),
  reconnect: channel('lifeline:reconnect'),
  pubsubGap: channel('lifeline:pubsub-gap'),
  failover: channel('lifeline:failover'),
  replay: channel('lifeline:replay'),
};
