import { Command, Redis } from 'ioredis';
import { endpointOf } from '../../core/redis-url.js';
import { fullJitterDelay } from '../backoff.js';
import { blockingMsOf } from '../command-table.js';
import { auditConfig } from '../config-audit.js';
import { ConnectionWatch, type InFlight } from '../connection-watch.js';
import { CODES, LifelineCommandError } from '../errors.js';
import { channels, EVENTS, type FailoverEvent } from '../events.js';
import { mayReplay, POISON_WINDOW_MS, type ResolvedOptions } from '../options.js';
import { followDemotions } from './demotion-follower.js';
import { type IoredisCommand, type IoredisInternals, type IoredisQueue, takeFromQueue } from './internals.js';
import { unitSafety, unitsOf } from './replay.js';
import { type MasterSwitch, SentinelFollower } from './sentinel-follower.js';

/** ioredis's default retryStrategy (`Redis.defaultOptions`, private in its types). */
const DEFAULT_RETRY_STRATEGY = (Redis as unknown as { defaultOptions: { retryStrategy: unknown } })
  .defaultOptions.retryStrategy;
/** By identity, or by source for a client built by another copy of ioredis than lifeline's own. */
const isIoredisDefault = (strategy: (times: number) => unknown): boolean =>
  strategy === DEFAULT_RETRY_STRATEGY || String(strategy) === String(DEFAULT_RETRY_STRATEGY);

/** How a connection is wrapped: on its own (the application's client) or as one node of a Cluster. */
export interface WrapIoredisAs {
  /**
   * One node's connection inside an ioredis Cluster: it never reconnects (the Cluster makes a new
   * one) and the Cluster sends every command it failed with "Connection is closed." to another node;
   * the written ones are decided at 'end', before ioredis fails them. No audit, no failover
   * following of its own (the Cluster follows its slot map).
   */
  clusterNode?: boolean;
}

/**
 * Instruments an ioredis client in place (see docs/client.md). ioredis keeps the commands written
 * but unanswered in `prevCommandQueue` and resends them on reconnect; lifeline decides, before that
 * happens, which may be resent.
 */
export function wrapIoredis(client: IoredisInternals, o: ResolvedOptions, as: WrapIoredisAs = {}): void {
  // The server of the live connection: the options' host and port are ioredis's defaults for a
  // Sentinel-managed client, and the master it reaches changes with each failover.
  let endpoint = `${String(client.options.host ?? '127.0.0.1')}:${String(client.options.port ?? 6379)}`;
  const connectedTo = (socket: IoredisInternals['stream']) => {
    if (socket?.remoteAddress && socket.remotePort)
      endpoint = endpointOf({ host: socket.remoteAddress, port: socket.remotePort });
  };
  const send = client.sendCommand.bind(client);
  const ours = new WeakSet<IoredisCommand>();
  const kills = new WeakMap<IoredisCommand, number>();
  let closedByApp = false;
  /** A command of lifeline's own on the client's connection (never tracked, replayed or moved for). */
  const ownCall = ([name, ...args]: readonly string[]) => {
    const command = new Command(String(name).toLowerCase(), args) as unknown as IoredisCommand;
    ours.add(command);
    return send(command);
  };

  const watch = new ConnectionWatch(
    {
      get endpoint() {
        return endpoint;
      },
      isReady: () => client.status === 'ready',
      socket: () => client.stream,
      pending,
      call: ownCall,
      // MONITOR turns the reply stream into a feed of other clients' commands; in RESP2 subscriber mode
      // only (un)subscribe and PING are answered.
      canQuery: () => !client.options.monitor && !client.condition?.subscriber,
      canPing: () => !client.options.monitor,
      subscriptions: () => {
        const subscriber = (client.prevCondition ?? client.condition)?.subscriber;
        return subscriber
          ? { channels: subscriber.channels('subscribe'), patterns: subscriber.channels('psubscribe') }
          : { channels: [], patterns: [] };
      },
      emit: (event, payload) => client.emit(event, payload),
    },
    o,
  );

  const context = (command: IoredisCommand, written: boolean) => ({
    endpoint,
    command: command.name.toUpperCase(),
    written,
    sinceLastReadMs: performance.now() - watch.lastReadAt,
    sinceLastWriteMs: performance.now() - watch.lastWriteAt,
    inFlight: client.commandQueue.length,
    queued: client.offlineQueue.length,
    reconnectAttempts: client.retryAttempts,
    suspectedCause: watch.lastCause,
  });

  // No per-command work: ioredis's own queues are the list of pending commands (commandQueue:
  // written, offlineQueue: not yet), and the watch's tick notes when it first saw each one, so the
  // hot path is ioredis's alone. Ages and deadlines are therefore exact to one tick (250 ms).
  const firstSeen = new WeakMap<IoredisCommand, number>();
  const expired = new WeakSet<IoredisCommand>();
  const seenAt = (command: IoredisCommand): number => {
    let at = firstSeen.get(command);
    if (at === undefined) {
      at = performance.now();
      firstSeen.set(command, at);
    }
    return at;
  };

  /** A view of one pending command for the watch (built on ticks and drops, never per command). */
  const view = (command: IoredisCommand, written: boolean): InFlight => {
    const at = seenAt(command);
    const blockingMs = blockingMsOf(command.name, command.args);
    const entry: InFlight = { name: command.name, args: [command.args], sentAt: at, written, blockingMs };
    if (o.commandTimeoutMs > 0) {
      const limit = o.commandTimeoutMs + (blockingMs ?? 0);
      entry.deadlineAt = at + limit;
      entry.expire = () => {
        expired.add(command);
        command.reject(
          new LifelineCommandError(
            CODES.timeout,
            `No reply within ${limit} ms; the command may or may not have run.`,
            context(command, written),
          ),
        );
      };
    }
    return entry;
  };
  function* pending(): Generator<InFlight> {
    const prev = client.prevCommandQueue;
    const queues: [IoredisQueue | null, boolean][] = [
      [prev, true],
      [client.commandQueue === prev ? null : client.commandQueue, true],
      [client.offlineQueue, false],
    ];
    for (const [queue, written] of queues) {
      if (!queue) continue;
      for (let i = 0; i < queue.length; i++) {
        const command = queue.peekAt(i)?.command;
        if (command && !ours.has(command) && !expired.has(command)) yield view(command, written);
      }
    }
  }

  const follower = followSentinels(client, (change) => {
    const moved = o.followFailover && client.status === 'ready' && change.from === endpoint;
    const event: FailoverEvent = {
      topology: 'sentinel',
      by: '+switch-master',
      ...change,
      at: new Date().toISOString(),
      moved,
    };
    client.emit(EVENTS.failover, event);
    channels.failover.publish(event);
    if (!moved) return;
    // Closed gracefully: replies to what was already written still arrive, then ioredis reconnects
    // through the sentinels, which now name the new master.
    watch.leavingForFailover({ by: '+switch-master', ...change });
    client.disconnect(true);
  });

  if (o.followFailover && !as.clusterNode)
    followDemotions(client, {
      endpoint: () => endpoint,
      roleAtReady: () => watch.serverRole,
      call: ownCall,
      isOurs: (command) => ours.has(command),
      leaving(demotion) {
        const sentinel = Array.isArray(client.options.sentinels);
        const { name } = client.options as { name?: string };
        const event: FailoverEvent = {
          topology: sentinel ? 'sentinel' : 'standalone',
          ...(sentinel && name ? { masterName: name } : {}),
          ...demotion,
          at: new Date().toISOString(),
          moved: true,
        };
        client.emit(EVENTS.failover, event);
        channels.failover.publish(event);
        watch.leavingForFailover(demotion);
      },
    });

  let wasReady = false;
  client.on('connect', () => {
    if (client.stream) watch.attach(client.stream);
  });
  // 'ready' reaches listeners a tick late (ioredis emits status events on nextTick), after ioredis
  // has resent and flushed its queues: lifeline hears the status change itself, so that its INFO and
  // CONFIG GET go out ahead of the application's queued commands, and before a resubscribe.
  const setStatus = client.setStatus.bind(client);
  client.setStatus = (status: string, arg?: unknown) => {
    setStatus(status, arg);
    if (status === 'connect') {
      connectedTo(client.stream);
    } else if (status === 'ready' && !closedByApp) {
      wasReady = true;
      watch.ready();
      follower?.start();
    } else if (status === 'end') {
      // A Cluster node's written commands are still queued here: ioredis fails them next, and the
      // Cluster would send each one again to another node.
      if (as.clusterNode) decideDrop();
      // Before 'end' reaches anyone: an ended client keeps no timer of lifeline's.
      watch.stop(as.clusterNode && !closedByApp);
      follower?.close();
    } else if (status === 'connecting') {
      closedByApp = false; // connect() after disconnect()/quit() or an end: watched again
      watch.start();
    }
  };
  // Every connection error ioredis reports passes through silentEmit: a tap there learns of failed
  // reconnect attempts without adding an 'error' listener (which would silence ioredis's own report).
  const silentEmit = client.silentEmit.bind(client);
  client.silentEmit = (event: string, arg?: unknown) => {
    if (event === 'error' && !closedByApp) watch.reconnectFailed(arg);
    return silentEmit(event, arg);
  };

  // ioredis emits 'close' after it moved the unanswered commands to prevCommandQueue, and before it
  // resends them on 'ready': the moment to decide.
  client.on('close', decideDrop);
  function decideDrop(): void {
    // Only a working connection drops; a refused reconnect attempt is part of the same outage.
    if (closedByApp || !wasReady) return;
    wasReady = false;
    const cause = watch.dropped();
    const queue = client.prevCommandQueue;
    if (!queue) return;
    for (const c of takeFromQueue(queue, (x) => ours.has(x)))
      c.reject(new Error('lifeline: own command abandoned'));
    const at = performance.now();
    // Not yet seen by a tick means written less than a tick ago.
    const justWritten = (c: IoredisCommand) => at - (firstSeen.get(c) ?? at) < POISON_WINDOW_MS;
    const reject = new Map<IoredisCommand, LifelineCommandError>();
    for (const unit of unitsOf(queue)) {
      const safety = unitSafety(unit, o.idempotentScripts);
      // The same command dropped again right after being written is deterministic, not bad luck.
      const killCount = Math.max(...unit.map((c) => (kills.get(c) ?? 0) + (justWritten(c) ? 1 : 0)));
      for (const c of unit) kills.set(c, killCount);
      const error = (c: IoredisCommand) =>
        killCount >= o.poisonAfterKills
          ? new LifelineCommandError(
              CODES.poisonCommand,
              `The connection dropped ${killCount} times right after this command was written (suspected ${cause.cause}); it is not sent again.`,
              context(c, true),
            )
          : new LifelineCommandError(
              CODES.maybeExecuted,
              `The connection dropped after this command was written and before its reply: it may or may not have run, so it is not sent again (replay policy "${o.replay}").`,
              context(c, true),
            );
      const replay = killCount < o.poisonAfterKills && mayReplay(o.replay, safety);
      if (!replay) for (const c of unit) reject.set(c, error(c));
      channels.replay.publish({ endpoint, commands: unit.map((c) => c.name), safety, replayed: replay });
    }
    for (const c of takeFromQueue(queue, (x) => reject.has(x))) c.reject(reject.get(c) as Error);
  }

  /**
   * ioredis waiting to reconnect (its timer armed, no socket) ends on disconnect() only by clearing
   * the timer: no 'end', and every pending command waits forever. lifeline finishes that close the way
   * ioredis closes a live connection: everything pending settles, status 'end'. In every other state
   * ioredis's own close path runs untouched.
   */
  const waitingToReconnect = () => client.status === 'reconnecting' && client.reconnectTimeout !== null;
  const closeWhileReconnecting = () => {
    const pendingNow: [IoredisQueue | null, boolean][] = [
      [client.prevCommandQueue, true],
      [client.offlineQueue, false],
    ];
    for (const [queue, written] of pendingNow) {
      if (!queue) continue;
      for (const c of takeFromQueue(queue, () => true)) {
        c.reject(
          new LifelineCommandError(
            CODES.clientClosed,
            'The client was closed by the application before this command completed.',
            context(c, written),
          ),
        );
      }
    }
    client.prevCommandQueue = null;
    client.manuallyClosing = false; // as ioredis's close handler leaves it, so that connect() works again
    client.setStatus('end');
  };
  const disconnect = client.disconnect.bind(client);
  client.disconnect = (reconnect = false) => {
    const finish = !reconnect && waitingToReconnect();
    if (!reconnect) {
      closedByApp = true;
      watch.stop();
    }
    disconnect(reconnect);
    if (finish) closeWhileReconnecting();
  };
  const quit = client.quit.bind(client);
  client.quit = (callback?: (error: Error | null, result?: unknown) => void) => {
    closedByApp = true;
    watch.stop();
    if (!waitingToReconnect()) return quit(callback);
    client.disconnect();
    const ok = Promise.resolve<unknown>('OK');
    if (typeof callback === 'function') void ok.then((result) => callback(null, result));
    return ok;
  };

  // Reconnect with full jitter in place of ioredis's default strategy; a strategy of the user's is
  // left as it is (its delays, its null that stops). duplicate() copies options: the copy gets the
  // strategy it would have had unwrapped.
  const strategy = client.options.retryStrategy;
  const usersStrategy = typeof strategy !== 'function' || !isIoredisDefault(strategy);
  if (o.backoff && !usersStrategy) {
    const backoff = o.backoff;
    client.options.retryStrategy = (times: number) => fullJitterDelay(times, backoff);
    const duplicate = client.duplicate.bind(client);
    client.duplicate = (override?: Record<string, unknown>) =>
      duplicate({ retryStrategy: strategy, ...override });
  }
  // Wrapped when already connected (a Cluster's node can be): watched from now on.
  if (client.status === 'ready' && client.stream) {
    connectedTo(client.stream);
    watch.attach(client.stream);
    wasReady = true;
    watch.ready();
    follower?.start();
  }
  if (as.clusterNode) return;
  setImmediate(() => {
    const warnings = auditConfig({
      library: 'ioredis',
      errorListeners: client.listenerCount('error'),
      keepAliveMs: Number(client.options.keepAlive) || undefined,
      lbIdleTimeoutS: o.lbIdleTimeoutS,
      autoResend: client.options.autoResendUnfulfilledCommands !== false,
      replayPolicy: o.replay,
      pingIntervalMs: undefined,
      socketTimeoutMs: undefined,
      customReconnectStrategy: usersStrategy,
      ...(Array.isArray(client.options.sentinels)
        ? {
            sentinel: {
              readyCheck: client.options.enableReadyCheck !== false,
              followsSwitch: o.followFailover || client.options.failoverDetector === true,
            },
          }
        : {}),
    });
    for (const warning of warnings) client.emit(EVENTS.warning, warning);
  });
}

/**
 * A follower of the client's sentinels, for a Sentinel-managed client (`sentinels` + `name`). None
 * when ioredis's own `failoverDetector` is on: ioredis then reconnects on +switch-master itself (the
 * drop is still told `failover`, from the reconnect to another server), and lifeline adds no second
 * set of subscriptions (ioredis's own tests saw a mock sentinel's broadcast reach ioredis's detector
 * before it had subscribed, once lifeline's subscription was there first).
 */
function followSentinels(
  client: IoredisInternals,
  onSwitch: (change: MasterSwitch) => void,
): SentinelFollower | undefined {
  const { sentinels, name } = client.options as { sentinels?: unknown; name?: unknown };
  if (!Array.isArray(sentinels) || sentinels.length === 0 || typeof name !== 'string') return undefined;
  if (client.options.failoverDetector === true) return undefined;
  const addresses = sentinels.flatMap((s: { host?: string; port?: number }) =>
    s && typeof s === 'object' ? [{ host: s.host ?? '127.0.0.1', port: Number(s.port ?? 26379) }] : [],
  );
  // The login ioredis uses for its own sentinel connections.
  const { sentinelUsername, sentinelPassword, sentinelTLS } = client.options as {
    sentinelUsername?: string;
    sentinelPassword?: string;
    sentinelTLS?: object;
  };
  return new SentinelFollower(
    addresses,
    name,
    {
      ...(sentinelUsername ? { username: sentinelUsername } : {}),
      ...(sentinelPassword ? { password: sentinelPassword } : {}),
      ...(sentinelTLS ? { tls: sentinelTLS } : {}),
    },
    onSwitch,
  );
}
