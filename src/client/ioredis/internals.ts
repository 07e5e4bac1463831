import type { Socket } from 'node:net';

/** The parts of an ioredis Command lifeline touches. */
export interface IoredisCommand {
  name: string;
  args: unknown[];
  promise: Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: Error): void;
  pipelineIndex?: number;
  inTransaction?: boolean;
}

interface QueueItem {
  command: IoredisCommand;
}

/** ioredis's Deque (denque) as used for its command queues. */
export interface IoredisQueue {
  length: number;
  shift(): QueueItem | undefined;
  push(item: QueueItem): void;
  peekAt(i: number): QueueItem | undefined;
  remove(i: number, count: number): unknown;
}

/** The ioredis 5/6 internals lifeline relies on; each use is covered by the tests against ioredis 6. */
export interface IoredisInternals {
  status: string;
  /** Set by disconnect()/QUIT; ioredis's close handler reads it (and clears it) to stop reconnecting. */
  manuallyClosing: boolean;
  stream: Socket | undefined;
  options: Record<string, unknown> & { retryStrategy?: (times: number) => number | null | undefined };
  commandQueue: IoredisQueue;
  offlineQueue: IoredisQueue;
  prevCommandQueue: IoredisQueue | null;
  retryAttempts: number;
  reconnectTimeout: NodeJS.Timeout | null;
  /** The connection's mode, and the db it is on (`select`). */
  condition: { subscriber?: { channels(kind: string): string[] } | false; select?: number } | null;
  prevCondition: { subscriber?: { channels(kind: string): string[] } | false } | null;
  sendCommand(command: IoredisCommand, stream?: unknown): Promise<unknown>;
  setStatus(status: string, arg?: unknown): void;
  flushQueue(error: Error, options?: { offlineQueue?: boolean; commandQueue?: boolean }): void;
  info(section?: string): Promise<string>;
  config(...args: string[]): Promise<unknown>;
  call(...args: unknown[]): Promise<unknown>;
  disconnect(reconnect?: boolean): void;
  quit(callback?: (error: Error | null, result?: unknown) => void): Promise<unknown>;
  duplicate(override?: Record<string, unknown>): unknown;
  /** Called with every error reply (applies `reconnectOnError`, else rejects the command). */
  handleReconnection(
    error: Error,
    item: { command: IoredisCommand; select?: number; stream?: unknown },
  ): void;
  select(db: number): Promise<unknown>;
  /** A Sentinel-managed client's connector: asks a sentinel for the master on every connect. */
  connector: {
    resolve?(endpoint: unknown): Promise<unknown>;
    sentinelNatResolve?(address: { host: string; port: number }): unknown;
  };
  /** Emits only when someone listens (errors otherwise go to console.error): every connection error passes here. */
  silentEmit(event: string, arg?: unknown): unknown;
  emit(event: string | symbol, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
}

/** Removes the items matching `test` from an ioredis queue and returns them, keeping the rest in order. */
export function takeFromQueue(
  queue: IoredisQueue,
  test: (command: IoredisCommand) => boolean,
): IoredisCommand[] {
  const taken: IoredisCommand[] = [];
  for (let i = 0; i < queue.length; ) {
    const command = queue.peekAt(i)?.command;
    if (command && test(command)) {
      queue.remove(i, 1);
      taken.push(command);
    } else {
      i++;
    }
  }
  return taken;
}

/** What the Cluster's `handleError` keeps per command: redirections left (set at the first error). */
export interface IoredisRedirectionBudget {
  value?: number;
}

/** The ioredis 6 Cluster internals lifeline relies on; each use is covered by the tests against ioredis 6. */
export interface IoredisClusterInternals {
  isCluster: true;
  status: string;
  options: Record<string, unknown> & {
    maxRedirections?: number;
    retryDelayOnFailover?: number;
    retryDelayOnClusterDown?: number;
    retryDelayOnTryAgain?: number;
    retryDelayOnMoved?: number;
  };
  /** Slot → node keys ("host:port"), the master first, as the last CLUSTER SLOTS (or MOVED) said. */
  slots: (string[] | undefined)[];
  /** The node connections of the pool (public API). */
  nodes(role?: 'all' | 'master' | 'slave'): IoredisInternals[];
  /** Every retryable error of every command passes here (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, closed). */
  handleError(error: Error, ttl: IoredisRedirectionBudget, handlers: Record<string, unknown>): void;
  emit(event: string | symbol, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount(event: string): number;
}
