import { performance } from 'node:perf_hooks';
import { ClusterFailovers } from '../cluster-failovers.js';
import { auditConfig } from '../config-audit.js';
import { type DisconnectEvent, EVENTS } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { IoredisClusterInternals, IoredisInternals, IoredisRedirectionBudget } from './internals.js';
import { wrapIoredis } from './wrap-ioredis.js';

/** ioredis's default `maxRedirections` (cluster/ClusterOptions.js, ioredis 5 and 6). */
const DEFAULT_MAX_REDIRECTIONS = 16;

/** The events each node's connection raises, told on the Cluster (the application's object). */
const NODE_EVENTS = [EVENTS.disconnect, EVENTS.reconnect, EVENTS.pubsubGap, EVENTS.warning] as const;

/**
 * Instruments an ioredis Cluster in place (see docs/client.md, "In a Cluster"): every node connection
 * the Cluster opens is wrapped as a standalone one is (heartbeat, watchdog, deadlines, the replay
 * policy for what was written when it dropped), its events are told on the Cluster, a master replaced
 * in the slot map is told as 'lifeline:failover', and commands refused while a failed master's slots
 * have no master (CLUSTERDOWN, TRYAGAIN, its closed connection) keep waiting within their deadline
 * instead of running out of redirections.
 */
export function wrapIoredisCluster(cluster: IoredisClusterInternals, o: ResolvedOptions): void {
  const nodeOptions: ResolvedOptions = { ...o, followFailover: false };
  const wrapped = new WeakSet<IoredisInternals>();
  const failovers = new ClusterFailovers((event, payload) => cluster.emit(event, payload));
  const wrapNode = (redis: IoredisInternals) => {
    if (wrapped.has(redis)) return;
    wrapped.add(redis);
    wrapIoredis(redis, nodeOptions, { clusterNode: true });
    for (const name of NODE_EVENTS) {
      redis.on(name, (payload) => {
        if (name === EVENTS.disconnect) failovers.nodeDropped(payload as DisconnectEvent);
        cluster.emit(name, payload);
      });
    }
  };
  for (const redis of cluster.nodes('all')) wrapNode(redis);
  cluster.on('+node', wrapNode);

  cluster.on('refresh', () => failovers.slotMapSeen((slot) => cluster.slots[slot]?.[0]));

  // A budget of the user's own (maxRedirections set) is theirs: only ioredis's default is extended.
  const waits =
    o.followFailover &&
    o.commandTimeoutMs > 0 &&
    Number(cluster.options.maxRedirections ?? DEFAULT_MAX_REDIRECTIONS) === DEFAULT_MAX_REDIRECTIONS;
  if (waits) waitOutFailovers(cluster, o.commandTimeoutMs);

  setImmediate(() => {
    const redisOptions = (cluster.options.redisOptions ?? {}) as Record<string, unknown>;
    const warnings = auditConfig({
      library: 'ioredis',
      errorListeners: cluster.listenerCount('error'),
      keepAliveMs: Number(redisOptions.keepAlive) || undefined,
      lbIdleTimeoutS: o.lbIdleTimeoutS,
      autoResend: redisOptions.autoResendUnfulfilledCommands !== false,
      replayPolicy: o.replay,
      pingIntervalMs: undefined,
      socketTimeoutMs: undefined,
      customReconnectStrategy: true, // a Cluster's nodes do not reconnect: the Cluster opens new ones
      cluster: {
        retryDelaysMs: {
          retryDelayOnFailover: Number(cluster.options.retryDelayOnFailover ?? 0),
          retryDelayOnClusterDown: Number(cluster.options.retryDelayOnClusterDown ?? 0),
          retryDelayOnTryAgain: Number(cluster.options.retryDelayOnTryAgain ?? 0),
        },
        maxRedirections: Number(cluster.options.maxRedirections ?? DEFAULT_MAX_REDIRECTIONS),
        commandTimeoutMs: o.commandTimeoutMs,
        waitsOutFailovers: waits,
      },
    });
    for (const warning of warnings) cluster.emit(EVENTS.warning, warning);
  });
}

/**
 * ioredis gives each command 16 redirections (its default `maxRedirections`), ~100 ms apart while a
 * slot has no master: about 1.6 s, against the 3-4 s a failover takes (node-timeout 2000 ms + the
 * election, measured), after which the command fails "Too many Cluster redirections". These errors all
 * say the command did not run (a written one whose connection dropped was already decided by the
 * node's replay policy), so lifeline keeps the budget from running out until the command's deadline.
 * MOVED and ASK, retried without a pause, still spend it: a redirection loop ends as before. ioredis's
 * own suite checked that a server's error reply reading "Connection is closed." is not taken for one.
 */
function waitOutFailovers(cluster: IoredisClusterInternals, deadlineMs: number): void {
  const handleError = cluster.handleError.bind(cluster);
  const firstErrorAt = new WeakMap<IoredisRedirectionBudget, number>();
  cluster.handleError = (error, ttl, handlers) => {
    const now = performance.now();
    if (ttl.value === undefined) firstErrorAt.set(ttl, now);
    else if (ttl.value <= 2 && waitsBeforeRetry(error, cluster.options)) {
      if (now - (firstErrorAt.get(ttl) ?? now) < deadlineMs) ttl.value = 3;
    }
    handleError(error, ttl, handlers);
  };
}

/** An error ioredis's Cluster retries after a pause (not a redirection it follows at once). */
function waitsBeforeRetry(error: Error, options: IoredisClusterInternals['options']): boolean {
  const first = error.message.slice(0, error.message.indexOf(' ') >>> 0);
  if (first === 'CLUSTERDOWN') return Number(options.retryDelayOnClusterDown) > 0;
  if (first === 'TRYAGAIN') return Number(options.retryDelayOnTryAgain) > 0;
  // ioredis's own error for a closed connection; a server's error reply with those words is not one.
  const closed = error.message === CONNECTION_CLOSED && error.name !== 'ReplyError';
  return closed && Number(options.retryDelayOnFailover) > 0;
}

/** ioredis's message for a command failed by a connection that closed (utils CONNECTION_CLOSED_ERROR_MSG). */
const CONNECTION_CLOSED = 'Connection is closed.';
