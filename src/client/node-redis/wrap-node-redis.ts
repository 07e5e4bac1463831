import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { auditConfig } from '../config-audit.js';
import { ConnectionWatch, type InFlight, TICK_MS } from '../connection-watch.js';
import { EVENTS } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import { callAside } from './call-aside.js';
import { isConnectionLoss, isLoading, isQueueTimeout } from './command-failures.js';
import { blockingMsOfArgs, type ClientGuard, GuardedCommand, GuardedUnit } from './guarded-command.js';
import {
  clientItself,
  commandsQueue,
  type NodeRedisInternals,
  type TappedMethod,
  UNIT_EXECUTORS,
} from './internals.js';
import { claimSocket, prepareSocketClaims } from './socket-claim.js';
import { TrackedCommands } from './tracked-commands.js';

/** The client as lifeline(client) hands it over. */
export type { NodeRedisInternals as NodeRedisClient } from './internals.js';

const noop = () => undefined;

/** Calls `before` with the arguments of each call of a public method, which then runs as it would have. */
function tap(client: NodeRedisInternals, method: TappedMethod, before: (args: unknown[]) => void): void {
  const original = client[method];
  if (typeof original !== 'function') return;
  client[method] = function (this: unknown, ...args: unknown[]) {
    before(args);
    return original.apply(this, args);
  };
}

/** The application's subscriptions, kept from its (un)subscribe calls, for the gap report after a resubscribe. */
function trackSubscriptions(client: NodeRedisInternals): { channels: Set<string>; patterns: Set<string> } {
  const subscribed = { channels: new Set<string>(), patterns: new Set<string>() };
  const track = (methods: readonly TappedMethod[], set: Set<string>, add: boolean) => {
    for (const method of methods) {
      tap(client, method, ([names]) => {
        for (const n of Array.isArray(names) ? names : names === undefined ? [...set] : [names]) {
          if (add) set.add(n);
          else set.delete(n);
        }
      });
    }
  };
  track(['SUBSCRIBE', 'subscribe'], subscribed.channels, true);
  track(['UNSUBSCRIBE', 'unsubscribe'], subscribed.channels, false);
  track(['PSUBSCRIBE', 'pSubscribe'], subscribed.patterns, true);
  track(['PUNSUBSCRIBE', 'pUnsubscribe'], subscribed.patterns, false);
  return subscribed;
}

/** Warns about the client's options once the application has had a tick to add its listeners. */
function auditOptionsSoon(client: NodeRedisInternals, o: ResolvedOptions): void {
  setImmediate(() => {
    const s = client.options?.socket ?? {};
    const warnings = auditConfig({
      library: 'node-redis',
      errorListeners: client.listenerCount('error'),
      keepAliveMs: s.keepAlive === false ? 0 : Number(s.keepAliveInitialDelay ?? 30_000),
      lbIdleTimeoutS: o.lbIdleTimeoutS,
      autoResend: false,
      replayPolicy: o.replay,
      pingIntervalMs: client.options?.pingInterval,
      socketTimeoutMs: s.socketTimeout === undefined ? undefined : Number(s.socketTimeout),
      customReconnectStrategy: s.reconnectStrategy !== undefined,
    });
    for (const warning of warnings) client.emit(EVENTS.warning, warning);
  });
}

/** How a client is wrapped: on its own (the application's client) or as one node of a topology client. */
export interface WrapNodeRedisAs {
  /** One node's client inside node-redis's cluster or Sentinel client: no audit of its own. */
  topologyNode?: boolean;
  /**
   * Wrapped inside the client's own 'connect' event (the cluster's 'node-connect'), which lifeline's
   * listener would miss: its socket is the one that connected last.
   */
  insideConnect?: boolean;
}

export function wrapNodeRedis(
  handle: NodeRedisInternals,
  o: ResolvedOptions,
  as: WrapNodeRedisAs = {},
): void {
  prepareSocketClaims();
  const client = clientItself(handle);
  const socketOptions = client.options?.socket ?? {};
  const port = Number(socketOptions.port ?? 6379);
  const endpoint = `${socketOptions.host ?? 'localhost'}:${port}`;
  const original = client.sendCommand;
  const send = (args: readonly unknown[]) => original.call(client, args);
  // node-redis 6's queue says how many commands wait for a reply: enough for the watchdog to leave
  // single commands untracked (see `lean` below). Without it, every command is tracked.
  const queue = commandsQueue(client);
  // A command waiting to be written settles at node-redis's own per-command timeout; give it one
  // when the application turned it off, so that it too settles.
  const timeoutIsLifelines =
    queue !== undefined &&
    o.commandTimeoutMs > 0 &&
    client._commandOptions !== undefined &&
    !client._commandOptions.timeout;
  if (timeoutIsLifelines && client._commandOptions) client._commandOptions.timeout = o.commandTimeoutMs;
  let socket: Socket | undefined;
  const tracked = new TrackedCommands<GuardedCommand>();
  const subscribed = trackSubscriptions(client);
  let monitoring = false;
  let reconnects = 0;

  const watch = new ConnectionWatch(
    {
      endpoint,
      isReady: () => client.isReady,
      socket: () => (socket && !socket.destroyed ? socket : undefined),
      pending: () => tracked.snapshot(),
      busy: () => (queue?.pendingCount ?? 0) > 0,
      call: (args) => send(args),
      // MONITOR hands every reply to the monitor callback; RESP2 pub/sub answers (un)subscribe and PING only.
      canQuery: () => !monitoring && !client.isPubSubActive,
      canPing: () => !monitoring,
      callAside: (args) => callAside(handle, args),
      subscriptions: () => ({ channels: [...subscribed.channels], patterns: [...subscribed.patterns] }),
      emit: (event, payload) => handle.emit(event, payload),
    },
    o,
  );

  const context = (name: string, written: boolean) => {
    const waiting = queue?.pendingCount ?? tracked.count();
    return {
      endpoint,
      command: name.toUpperCase(),
      written,
      sinceLastReadMs: performance.now() - watch.lastReadAt,
      sinceLastWriteMs: performance.now() - watch.lastWriteAt,
      inFlight: client.isReady ? waiting : 0,
      queued: client.isReady ? 0 : waiting,
      reconnectAttempts: reconnects,
      suspectedCause: watch.lastCause,
    };
  };

  // Commands waiting to be sent again once the client is ready: one 'ready' listener for them all
  // (one per command tripped Node's MaxListenersExceededWarning after a drop with many in flight).
  const waitingForReady = new Set<(ok: boolean) => void>();
  const ready = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (client.isReady) return resolve(true);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        waitingForReady.delete(done);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), ms);
      waitingForReady.add(done);
    });

  const guard: ClientGuard = {
    o,
    endpoint,
    send: original,
    tracked,
    closedByApp: false,
    timeoutIsLifelines,
    attributing: undefined,
    isReady: () => client.isReady,
    lastCause: () => watch.lastCause,
    context,
    ready,
  };

  let readySocket: Socket | undefined;
  let droppedSocket: Socket | undefined;
  const onConnect = () => {
    guard.closedByApp = false; // connect() after close()/destroy(): watched again
    watch.start();
    socket = claimSocket(port);
    if (!socket) return; // TLS or an unusual socket: no heartbeat kill, the rest still works
    watch.attach(socket);
    const mine = socket;
    // Only a connection that was working drops; a refused reconnect attempt is not a new drop.
    const drop = () => {
      if (guard.closedByApp || readySocket !== mine || droppedSocket === mine) return;
      droppedSocket = mine;
      const moment = watch.dropMoment();
      const lost: InFlight[] = [];
      let done: () => void = noop;
      guard.attributing = {
        lost,
        done: new Promise<void>((resolve) => {
          done = resolve;
        }),
      };
      setImmediate(() => {
        guard.attributing = undefined;
        watch.dropped(moment, lost);
        done();
      });
    };
    mine.on('error', drop);
    mine.once('close', drop);
  };
  client.on('connect', onConnect);
  if (as.insideConnect) onConnect();
  client.on('ready', () => {
    readySocket = socket;
    watch.ready();
    for (const done of [...waitingForReady]) done(true);
  });
  client.on('reconnecting', () => {
    reconnects++;
  });
  // Failed reconnect attempts reach the application as 'error' events: a tap on emit hears them
  // without adding an 'error' listener (without one, node-redis's error must still throw).
  const emit = client.emit;
  client.emit = function (this: unknown, event: string, ...args: unknown[]) {
    if (event === 'error' && !guard.closedByApp) {
      // A drop is attributed a moment after it happens (see `drop`); a refusal heard meanwhile waits.
      const attributing = guard.attributing;
      if (attributing) void attributing.done.then(() => watch.reconnectFailed(args[0]));
      else watch.reconnectFailed(args[0]);
    }
    return emit.call(this, event, ...args);
  };

  /**
   * Single commands that cannot block go out untracked: node-redis's own promise, and a handler on
   * its failure only. Measured, tracking each one (a promise of lifeline's own, a then() on
   * node-redis's) cost ~2 µs and 650 bytes per command in bursts, most of it garbage collection.
   * What tracking gave them is had otherwise: the watchdog goes by node-redis's queue (`busy`); a
   * drop names them as they fail (`attributing`); waiting to be written, node-redis's own timeout
   * settles them. What is given up: a written command whose reply is slower than commandTimeoutMs
   * while the connection keeps answering is waited for, not abandoned.
   */
  const lean = queue !== undefined;
  client.sendCommand = function (this: unknown, args: readonly unknown[], options?: unknown) {
    if (!lean || blockingMsOfArgs(args) !== undefined) {
      return new GuardedCommand(guard, this, args, options, performance.now()).start();
    }
    const sentTick = watch.tick;
    return original.call(this, args, options).then(undefined, (error: unknown) => {
      const lost = isConnectionLoss(error);
      if (guard.closedByApp || (!lost && !isQueueTimeout(error) && !isLoading(error))) throw error;
      // Lost with its connection (node-redis rejects only written commands then), timed out waiting
      // to be written, or refused while the server loads: from here on it is tracked, as if it had
      // been from the start (to one tick).
      const g = new GuardedCommand(guard, this, args, options, sentTick * TICK_MS);
      g.written = lost;
      return g.takeOver(error);
    });
  };
  for (const method of UNIT_EXECUTORS) {
    const execute = client[method];
    if (typeof execute !== 'function') continue;
    client[method] = function (this: unknown, commands, ...rest) {
      const unit = commands.map((c) => c.args);
      return new GuardedUnit(guard, unit, () => execute.call(this, commands, ...rest)).start();
    };
  }

  // MONITOR lasts until RESET (or the client is closed); node-redis keeps it across reconnects.
  for (const [method, on] of [
    ['MONITOR', true],
    ['monitor', true],
    ['RESET', false],
    ['reset', false],
  ] as const) {
    tap(client, method, () => {
      monitoring = on;
    });
  }

  for (const method of ['destroy', 'close', 'quit', 'disconnect'] as const) {
    tap(client, method, () => {
      guard.closedByApp = true;
      watch.stop();
    });
  }

  if (!as.topologyNode) auditOptionsSoon(client, o);
}
