import { Command } from 'ioredis';
import { fullJitterDelay } from '../backoff.js';
import { blockingTimeoutMs, mayBlock } from '../command-table.js';
import { auditConfig } from '../config-audit.js';
import { ConnectionWatch, type InFlight } from '../connection-watch.js';
import { CODES, LifelineCommandError } from '../errors.js';
import { channels, EVENTS } from '../events.js';
import { mayReplay, type ResolvedOptions } from '../options.js';
import {
  type IoredisCommand,
  type IoredisInternals,
  type IoredisQueue,
  queueHas,
  takeFromQueue,
} from './internals.js';
import { unitSafety, unitsOf } from './replay.js';

/** A drop this soon after a command was written counts against the command. */
const POISON_WINDOW_MS = 2000;

/**
 * Instruments an ioredis client in place (see docs/client.md). ioredis keeps the commands written
 * but unanswered in `prevCommandQueue` and resends them on reconnect; lifeline decides, before that
 * happens, which may be resent.
 */
export function wrapIoredis(client: IoredisInternals, o: ResolvedOptions): void {
  const endpoint = `${String(client.options.host ?? '127.0.0.1')}:${String(client.options.port ?? 6379)}`;
  const send = client.sendCommand.bind(client);
  const ours = new WeakSet<IoredisCommand>();
  const kills = new WeakMap<IoredisCommand, number>();
  let closedByApp = false;

  const watch = new ConnectionWatch(
    {
      endpoint,
      isReady: () => client.status === 'ready',
      socket: () => client.stream,
      pending,
      call([name, ...args]) {
        const command = new Command(String(name).toLowerCase(), args) as unknown as IoredisCommand;
        ours.add(command);
        return send(command);
      },
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
    const blockingMs = mayBlock(command.name) ? blockingTimeoutMs(command.name, command.args) : undefined;
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

  let wasReady = false;
  client.on('connect', () => {
    if (client.stream) watch.attach(client.stream);
  });
  client.on('ready', () => {
    wasReady = true;
    watch.ready();
  });

  // ioredis emits 'close' after it moved the unanswered commands to prevCommandQueue, and before it
  // resends them on 'ready': the moment to decide.
  client.on('close', () => {
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
  });

  // The application closes the client: everything still pending settles, even while reconnecting.
  const settleAll = () => {
    for (const queue of [client.offlineQueue, client.prevCommandQueue, client.commandQueue]) {
      if (!queue) continue;
      for (const c of takeFromQueue(queue, () => true)) {
        c.reject(
          new LifelineCommandError(
            CODES.clientClosed,
            'The client was closed by the application before this command completed.',
            context(c, client.offlineQueue !== undefined && !queueHas(client.offlineQueue, c)),
          ),
        );
      }
    }
    client.prevCommandQueue = null;
  };
  const disconnect = client.disconnect.bind(client);
  client.disconnect = (reconnect = false) => {
    if (!reconnect) {
      closedByApp = true;
      watch.stop();
    }
    const down = client.status !== 'ready' && client.status !== 'wait';
    disconnect(reconnect);
    if (!reconnect && down) {
      settleAll();
      if (client.status !== 'end') client.setStatus('end');
    }
  };
  const quit = client.quit.bind(client);
  client.quit = () => {
    if (client.status === 'ready') {
      closedByApp = true;
      watch.stop();
      return quit();
    }
    client.disconnect();
    return Promise.resolve('OK');
  };

  // Reconnect with full jitter; audit the configuration once the app had a chance to add listeners.
  if (o.backoff) {
    const backoff = o.backoff;
    client.options.retryStrategy = (times: number) => fullJitterDelay(times, backoff);
  }
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
      customReconnectStrategy: false,
    });
    for (const warning of warnings) client.emit(EVENTS.warning, warning);
  });
}
