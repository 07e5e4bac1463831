/** The socket options of a node-redis client that lifeline reads. */
export interface NodeRedisSocketOptions {
  host?: string;
  port?: number;
  tls?: boolean;
  keepAlive?: boolean | number;
  keepAliveInitialDelay?: number;
  socketTimeout?: number;
  reconnectStrategy?: unknown;
}

/** node-redis 6's commands queue (RedisCommandsQueue): the commands written and waiting for a reply. */
export interface NodeRedisQueue {
  readonly pendingCount: number;
}

/** A command of a pipeline or MULTI/EXEC as node-redis queues it (RedisMultiQueuedCommand). */
export interface NodeRedisQueuedCommand {
  args: unknown[];
}

/** node-redis's runner of a whole pipeline or MULTI/EXEC (`_executePipeline`, `_executeMulti`). */
export type UnitExecutor = (
  this: unknown,
  commands: NodeRedisQueuedCommand[],
  ...rest: unknown[]
) => Promise<unknown>;

/** Pipelines and MULTI/EXEC bypass sendCommand in node-redis: each runs through one of these. */
export const UNIT_EXECUTORS = ['_executePipeline', '_executeMulti'] as const;

/** Public methods lifeline taps by name, in each spelling node-redis has. */
type SubscriptionMethod =
  | 'SUBSCRIBE'
  | 'subscribe'
  | 'UNSUBSCRIBE'
  | 'unsubscribe'
  | 'PSUBSCRIBE'
  | 'pSubscribe'
  | 'PUNSUBSCRIBE'
  | 'pUnsubscribe';
type MonitorMethod = 'MONITOR' | 'monitor' | 'RESET' | 'reset';
type CloseMethod = 'destroy' | 'close' | 'quit' | 'disconnect';
export type TappedMethod = SubscriptionMethod | MonitorMethod | CloseMethod;

/**
 * The node-redis 5/6 client as lifeline uses it: its public surface and the underscore members
 * (private in its types); each use is covered by the tests against node-redis 6.
 */
export interface NodeRedisInternals
  extends Partial<Record<TappedMethod, (this: unknown, ...args: unknown[]) => unknown>> {
  options?: { socket?: NodeRedisSocketOptions; pingInterval?: number };
  isReady: boolean;
  isOpen: boolean;
  isPubSubActive?: boolean;
  sendCommand(args: readonly unknown[], options?: unknown): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
  duplicate?(): NodeRedisInternals & { connect(): Promise<unknown>; destroy(): void };
  /** The client itself, behind the object createClient() returns (see `clientItself`). */
  _self?: NodeRedisInternals;
  /** node-redis 6: its commands queue. */
  _getQueue?(): NodeRedisQueue | undefined;
  /** node-redis 6: the options every command gets; `timeout` covers only the wait to be written. */
  _commandOptions?: { timeout?: number };
  _executePipeline?: UnitExecutor;
  _executeMulti?: UnitExecutor;
}

/**
 * createClient() returns an object whose prototype is the client itself (`_self`), and commands run
 * with `this` = `_self`: what is instrumented there, every view of the client inherits.
 */
export const clientItself = (handle: NodeRedisInternals): NodeRedisInternals => handle._self ?? handle;

/** node-redis 6's commands queue; undefined before 6. */
export const commandsQueue = (client: NodeRedisInternals): NodeRedisQueue | undefined =>
  typeof client._getQueue === 'function' ? client._getQueue() : undefined;

/** One node of node-redis's cluster slot map (`masters`, `replicas`), with its client once created. */
export interface NodeRedisClusterNode {
  host: string;
  port: number;
  client?: NodeRedisInternals;
  pubSub?: { client?: NodeRedisInternals };
}

/** The arguments of node-redis 6's cluster `_execute` (routing and MOVED/ASK redirections of one command). */
export type ClusterExecute = (
  this: unknown,
  parser: unknown,
  isReadonly: unknown,
  options: unknown,
  fn: unknown,
  pinnedClient?: NodeRedisInternals,
  served?: { client?: NodeRedisInternals },
) => Promise<unknown>;

/** node-redis 6's cluster client (createCluster()) as lifeline uses it; each use is covered by tests. */
export interface NodeRedisClusterInternals {
  _self?: NodeRedisClusterInternals;
  readonly masters: NodeRedisClusterNode[];
  readonly replicas: NodeRedisClusterNode[];
  /** The slot map: each slot's shard, its master first. */
  _slots: { slots: ({ master: { host: string; port: number } } | undefined)[] };
  _execute: ClusterExecute;
  _options?: { defaults?: { socket?: NodeRedisSocketOptions }; maxCommandRedirections?: number };
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

/** A node as node-redis's Sentinel client names it (its 'topology-change' events, getMasterNode()). */
export interface NodeRedisSentinelNode {
  host: string;
  port: number;
}

/**
 * node-redis 6's Sentinel 'topology-change' event: MASTER_CHANGE, SENTINEL_CHANGE, REPLICA_ADD and
 * REPLICA_REMOVE carry the node (as the sentinels announce it, before `nodeAddressMap`),
 * SENTINE_LIST_CHANGE (sic) the number of sentinels.
 */
export interface NodeRedisSentinelTopologyChange {
  type: string;
  node?: NodeRedisSentinelNode;
  size?: number;
}

/** The arguments of node-redis 6's Sentinel `_execute`: `fn` runs the command on the node client it is given. */
export type SentinelExecute = (
  this: unknown,
  isReadonly: unknown,
  fn: (client: NodeRedisInternals) => unknown,
) => Promise<unknown>;

/** A lease of node-redis 6's Sentinel client (acquire(), use()): its own `_execute` on one master client. */
export interface NodeRedisSentinelLease {
  _self?: NodeRedisSentinelLease;
  _execute: SentinelExecute;
}

/** node-redis 6's Sentinel client (createSentinel()) as lifeline uses it; each use is covered by tests. */
export interface NodeRedisSentinelInternals {
  _self?: NodeRedisSentinelInternals;
  _execute: SentinelExecute;
  acquire?(): Promise<NodeRedisSentinelLease>;
  use?(fn: (lease: NodeRedisSentinelLease) => unknown): Promise<unknown>;
  /** The master node client's address (after `nodeAddressMap`), undefined while none is ready. */
  getMasterNode(): NodeRedisSentinelNode | undefined;
  getSentinelNode(): NodeRedisSentinelNode | undefined;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}
