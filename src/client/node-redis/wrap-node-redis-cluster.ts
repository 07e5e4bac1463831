import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterFailovers } from '../cluster-failovers.js';
import { auditConfig } from '../config-audit.js';
import { CODES, LifelineCommandError } from '../errors.js';
import { type DisconnectEvent, EVENTS } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import { isQueueTimeout } from './command-failures.js';
import type { ClusterExecute, NodeRedisClusterInternals, NodeRedisInternals } from './internals.js';
import { prepareSocketClaims } from './socket-claim.js';
import { wrapNodeRedis } from './wrap-node-redis.js';

/** The events each node's client raises, told on the cluster client (the application's object). */
const NODE_EVENTS = [EVENTS.disconnect, EVENTS.reconnect, EVENTS.pubsubGap, EVENTS.warning] as const;
/** Between two tries of a command the cluster refused: ioredis's default pause for the same errors. */
const RETRY_PAUSE_MS = 100;
/** Refusals are retried until this long after a node last showed trouble (a failover takes seconds). */
const RETRY_WINDOW_MS = 60_000;

/**
 * Instruments node-redis's cluster client (createCluster()) in place (see docs/client.md, "In a
 * Cluster"): each node's client is wrapped as it connects (heartbeat, watchdog, deadlines, the replay
 * policy), its events are told on the cluster client, and a command the cluster refused without
 * running it (CLUSTERDOWN, TRYAGAIN, a wait to be written that timed out, the dead node's client
 * closed by the cluster while the command still waited) is tried again until its deadline instead of
 * failing: node-redis fails all of those at once.
 */
export function wrapNodeRedisCluster(handle: NodeRedisClusterInternals, o: ResolvedOptions): void {
  prepareSocketClaims();
  const cluster = handle._self ?? handle;
  const nodeOptions: ResolvedOptions = { ...o, followFailover: false };
  const wrapped = new WeakSet<NodeRedisInternals>();
  /** Node clients the cluster closed while they had no connection: nothing they failed then was written. */
  const closedWhileDown = new WeakSet<NodeRedisInternals>();
  const failovers = new ClusterFailovers((event, payload) => handle.emit(event, payload));

  const wrapNode = (client: NodeRedisInternals, insideConnect: boolean) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    wrapNodeRedis(client, nodeOptions, { topologyNode: true, insideConnect });
    for (const name of NODE_EVENTS) {
      client.on(name, (payload) => {
        if (name === EVENTS.disconnect) failovers.nodeDropped(payload as DisconnectEvent);
        handle.emit(name, payload);
      });
    }
    const destroy = client.destroy;
    if (typeof destroy === 'function') {
      client.destroy = function (this: unknown, ...args: unknown[]) {
        if (!client.isReady) closedWhileDown.add(client);
        return destroy.apply(this, args);
      };
    }
  };
  const nodeClients = () =>
    [...cluster.masters, ...cluster.replicas].flatMap((node) =>
      [node.client, node.pubSub?.client].filter((c): c is NodeRedisInternals => c !== undefined),
    );
  // Clients that exist already (the application wrapped after connect()): watched without the socket.
  for (const client of nodeClients()) wrapNode(client, false);
  // 'node-connect' is emitted inside the node client's own 'connect': the client just created is the one
  // not yet wrapped. After a rediscovery it is a node the client did not know (the replica that took
  // over): the moment to read the slot map.
  cluster.on('node-connect', () => {
    for (const client of nodeClients()) wrapNode(client, true);
    failovers.slotMapSeen((slot) => {
      const master = cluster._slots.slots[slot]?.master;
      return master && `${master.host}:${master.port}`;
    });
  });

  if (o.followFailover && o.commandTimeoutMs > 0) retryRefusals(cluster, o.commandTimeoutMs, closedWhileDown);

  setImmediate(() => {
    const socket = cluster._options?.defaults?.socket ?? {};
    const warnings = auditConfig({
      library: 'node-redis',
      errorListeners: handle.listenerCount('error'),
      keepAliveMs: socket.keepAlive === false ? 0 : Number(socket.keepAliveInitialDelay ?? 30_000),
      lbIdleTimeoutS: o.lbIdleTimeoutS,
      autoResend: false,
      replayPolicy: o.replay,
      pingIntervalMs: undefined,
      socketTimeoutMs: socket.socketTimeout === undefined ? undefined : Number(socket.socketTimeout),
      customReconnectStrategy: socket.reconnectStrategy !== undefined,
      nodeRedisCluster: { retriesRefusals: o.followFailover && o.commandTimeoutMs > 0 },
    });
    for (const warning of warnings) handle.emit(EVENTS.warning, warning);
  });
}

/**
 * Tries again, within its deadline, a command the cluster refused without running it. Armed only
 * while a node is in trouble (its client erred or reconnects, until RETRY_WINDOW_MS after the last
 * sign): the retry costs a promise per command, which the healthy cluster's hot path does not pay
 * (bursts measured 0.90 of raw with it always on).
 */
function retryRefusals(
  cluster: NodeRedisClusterInternals,
  deadlineMs: number,
  closedWhileDown: WeakSet<NodeRedisInternals>,
): void {
  const notRun = (error: unknown, client: NodeRedisInternals | undefined) =>
    /^(CLUSTERDOWN|TRYAGAIN) /.test(String((error as Error)?.message)) ||
    isQueueTimeout(error) ||
    (error instanceof LifelineCommandError && !error.written && error.code !== CODES.clientClosed) ||
    ((error as Error)?.constructor?.name === 'DisconnectsClientError' &&
      client !== undefined &&
      closedWhileDown.has(client));
  const execute = cluster._execute;
  const retrying: ClusterExecute = function (parser, isReadonly, options, fn, pinnedClient, served) {
    const started = performance.now();
    const via = served ?? {};
    const attempt = (): Promise<unknown> =>
      execute
        .call(this, parser, isReadonly, options, fn, pinnedClient, via)
        .then(undefined, (error: unknown) => {
          // A command pinned to one node (a fan-out) goes there or nowhere.
          const late = performance.now() - started + RETRY_PAUSE_MS >= deadlineMs;
          if (pinnedClient || late || !notRun(error, via.client)) throw error;
          return sleep(RETRY_PAUSE_MS).then(attempt);
        });
    return attempt();
  };
  let disarm: NodeJS.Timeout | undefined;
  const arm = () => {
    cluster._execute = retrying;
    clearTimeout(disarm);
    disarm = setTimeout(() => {
      cluster._execute = execute;
    }, RETRY_WINDOW_MS);
    disarm.unref();
  };
  cluster.on('node-error', arm);
  cluster.on('node-reconnecting', arm);
  cluster.on(EVENTS.disconnect, arm);
}
