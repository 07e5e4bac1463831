import { replaySafety, worstSafety } from '../command-table.js';
import { auditConfig } from '../config-audit.js';
import { LifelineCommandError } from '../errors.js';
import { channels, EVENTS, type FailoverEvent } from '../events.js';
import { mayReplay, type ResolvedOptions } from '../options.js';
import { isConnectionLoss } from './command-failures.js';
import {
  clientItself,
  type NodeRedisInternals,
  type NodeRedisQueuedCommand,
  type NodeRedisSentinelInternals,
  type NodeRedisSentinelLease,
  type NodeRedisSentinelNode,
  type NodeRedisSentinelTopologyChange,
  type SentinelExecute,
  UNIT_EXECUTORS,
} from './internals.js';
import { prepareSocketClaims } from './socket-claim.js';
import { wrapNodeRedis } from './wrap-node-redis.js';

/** The events each node's client raises, told on the Sentinel client (the application's object). */
const NODE_EVENTS = [EVENTS.disconnect, EVENTS.reconnect, EVENTS.pubsubGap, EVENTS.warning] as const;

/**
 * What the node client was last asked to send, set synchronously while node-redis's `fn(client)` runs
 * (a command's args, or each command of a pipeline / MULTI); undefined when it could not be seen.
 */
let sending: readonly (readonly unknown[])[] | undefined;

const address = (node: NodeRedisSentinelNode) => `${node.host}:${node.port}`;

/**
 * Instruments node-redis's Sentinel client (createSentinel()) in place. node-redis runs each command
 * as `fn(masterClient)` in a loop that, when an attempt fails while that client is not ready (its
 * connection dropped) or with READONLY, rediscovers the master and calls `fn` again: a write whose
 * connection dropped after it was written is sent again to the (new) master, and may run twice.
 * Here each node client `fn` is given is wrapped (heartbeat, watchdog, deadlines, the replay policy)
 * with its events told on the Sentinel client, and once an attempt failed in a way that means the
 * command may have run, every later call of the same `fn` fails at once with that error: node-redis
 * then throws it instead of sending the command again. Commands refused without running (READONLY,
 * never written) keep node-redis's retry. A switch of master announced by the sentinels (a
 * 'topology-change' MASTER_CHANGE to another node) is told as 'lifeline:failover'; node-redis follows
 * it itself (`moved: false`).
 */
export function wrapNodeRedisSentinel(handle: NodeRedisSentinelInternals, o: ResolvedOptions): void {
  prepareSocketClaims();
  const sentinel = handle._self ?? handle;
  const nodeOptions: ResolvedOptions = { ...o, followFailover: false };
  const wrapped = new WeakSet<NodeRedisInternals>();

  const record = (client: NodeRedisInternals) => {
    const self = clientItself(client);
    const send = self.sendCommand;
    self.sendCommand = function (this: unknown, args: readonly unknown[], options?: unknown) {
      sending = [args];
      return send.call(this, args, options);
    };
    for (const method of UNIT_EXECUTORS) {
      const execute = self[method];
      if (typeof execute !== 'function') continue;
      self[method] = function (this: unknown, commands: NodeRedisQueuedCommand[], ...rest: unknown[]) {
        sending = commands.map((c) => c.args);
        return execute.call(this, commands, ...rest);
      };
    }
  };

  // node clients are private to node-redis: each is met (already connected) as the first command is
  // run on it, and wrapped then. Its first connection is watched without its socket (heartbeat and
  // deadlines, no kill); the socket of each reconnection is claimed as the client connects.
  const wrapNode = (client: NodeRedisInternals) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    wrapNodeRedis(client, nodeOptions, { topologyNode: true });
    record(client);
    for (const name of NODE_EVENTS) client.on(name, (payload) => handle.emit(name, payload));
  };

  /** The failure of an attempt means the command may have run: it must not be sent again. */
  const mayHaveRun = (error: unknown, sent: readonly (readonly unknown[])[] | undefined) => {
    if (error instanceof LifelineCommandError) return error.written;
    // node-redis rejects with a connection loss only the commands it had written. lifeline's node
    // client lets one through only when the replay policy allowed sending it again.
    if (!isConnectionLoss(error)) return false;
    if (sent === undefined) return true;
    const safety = worstSafety(
      sent.map((c) => replaySafety(String(c[0] ?? ''), c.slice(1), o.idempotentScripts)),
    );
    return !mayReplay(o.replay, safety);
  };

  const tapExecute = (target: { _execute: SentinelExecute }) => {
    const execute = target._execute;
    if (typeof execute !== 'function') return;
    const guarded: SentinelExecute = function (this: unknown, isReadonly, fn) {
      let ranMaybe: { error: unknown } | undefined;
      const once = (client: NodeRedisInternals) => {
        // node-redis's loop calls again after a failure: not a command that may have run.
        if (ranMaybe) return Promise.reject(ranMaybe.error);
        if (client) wrapNode(client);
        sending = undefined;
        const result = fn(client);
        const sent = sending;
        sending = undefined;
        return Promise.resolve(result).then(undefined, (error: unknown) => {
          if (mayHaveRun(error, sent)) ranMaybe = { error };
          throw error;
        });
      };
      return execute.call(this, isReadonly, once);
    };
    target._execute = guarded;
  };
  tapExecute(sentinel);

  // Leases (acquire(), use()) run their commands through an `_execute` of their own.
  const tapLease = (lease: NodeRedisSentinelLease) => {
    const self = lease?._self ?? lease;
    if (self && typeof self._execute === 'function') tapExecute(self);
    return lease;
  };
  const acquire = sentinel.acquire;
  if (typeof acquire === 'function') {
    sentinel.acquire = function (this: unknown) {
      return acquire.call(this).then(tapLease);
    };
  }
  const use = sentinel.use;
  if (typeof use === 'function') {
    sentinel.use = function (this: unknown, fn: (lease: NodeRedisSentinelLease) => unknown) {
      return use.call(this, (lease: NodeRedisSentinelLease) => fn(tapLease(lease)));
    };
  }

  // node-redis emits MASTER_CHANGE at connect (the first master) and each time it opens master
  // clients again, to the same node too (a reconnect, or a `nodeAddressMap`): a failover is a change
  // of node. Wrapped after connect(): the master it is on (its address after `nodeAddressMap`).
  const initial = sentinel.getMasterNode();
  let master: string | undefined = initial ? address(initial) : undefined;
  sentinel.on('topology-change', (event) => {
    const change = event as NodeRedisSentinelTopologyChange;
    if (change?.type !== 'MASTER_CHANGE' || !change.node) return;
    const to = address(change.node);
    const from = master;
    master = to;
    if (from === undefined || from === to) return;
    const failover: FailoverEvent = {
      topology: 'sentinel',
      by: '+switch-master',
      from,
      to,
      at: new Date().toISOString(),
      moved: false,
    };
    // node-redis keeps the master name private (#options): the event goes without `masterName`.
    handle.emit(EVENTS.failover, failover);
    channels.failover.publish(failover);
  });

  // node-redis keeps a Sentinel client's node options private: only what shows from outside is audited.
  setImmediate(() => {
    const warnings = auditConfig({
      library: 'node-redis',
      errorListeners: handle.listenerCount('error'),
      keepAliveMs: undefined,
      lbIdleTimeoutS: undefined,
      autoResend: false,
      replayPolicy: o.replay,
      pingIntervalMs: undefined,
      socketTimeoutMs: undefined,
      customReconnectStrategy: true,
    });
    for (const warning of warnings) handle.emit(EVENTS.warning, warning);
  });
}
