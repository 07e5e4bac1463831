import { Command } from 'ioredis';
import { fullJitterDelay } from '../backoff.js';
import { blockingTimeoutMs } from '../command-table.js';
import { auditConfig } from '../config-audit.js';
import { type Attribution, attribute, type DisconnectFacts } from '../disconnect-cause.js';
import { CODES, LifelineCommandError } from '../errors.js';
import { channels, type DisconnectEvent, EVENTS } from '../events.js';
import { mayReplay, type ResolvedOptions } from '../options.js';
import {
  type ServerSnapshot,
  SNAPSHOT_INFO_ARGS,
  serverDeltas,
  snapshotFromInfo,
} from '../server-snapshot.js';
import { type IoredisCommand, type IoredisInternals, takeFromQueue } from './internals.js';
import { unitSafety, unitsOf } from './replay.js';

interface Tracked {
  sentAt: number;
  written: boolean;
  bytes: number;
  blockingMs: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

interface PendingDisconnect {
  at: number;
  facts: DisconnectFacts;
  provisional: Attribution;
  error: Error | undefined;
  channels: string[];
  patterns: string[];
  emitTimer: NodeJS.Timeout;
}

const TICK_MS = 250;
/** A drop this soon after a command was written counts against the command. */
const POISON_WINDOW_MS = 2000;
/** A provisional cause is announced if the client is not back (and able to ask the server) by then. */
const CONFIRM_WITHIN_MS = 2000;

/** Instruments an ioredis client in place; see docs/client.md for what changes and why. */
export function wrapIoredis(client: IoredisInternals, o: ResolvedOptions): void {
  const now = () => performance.now();
  const endpoint = `${String(client.options.host ?? '127.0.0.1')}:${String(client.options.port ?? 6379)}`;
  const tracked = new Map<IoredisCommand, Tracked>();
  const kills = new WeakMap<IoredisCommand, number>();
  const ours = new WeakSet<IoredisCommand>();
  let lastReadAt = now();
  let lastWriteAt = now();
  let lastError: { error: Error; at: number } | undefined;
  let killedBy: 'heartbeat' | 'watchdog' | undefined;
  let heartbeat: IoredisCommand | undefined;
  let serverTimeoutS: number | undefined;
  let snapshot: ServerSnapshot | undefined;
  let pending: PendingDisconnect | undefined;
  let lastCause: string | null = null;
  let closedByApp = false;

  const context = (command: IoredisCommand, written: boolean) => ({
    endpoint,
    command: command.name.toUpperCase(),
    written,
    sinceLastReadMs: now() - lastReadAt,
    sinceLastWriteMs: now() - lastWriteAt,
    inFlight: client.commandQueue.length,
    queued: client.offlineQueue.length,
    reconnectAttempts: client.retryAttempts,
    suspectedCause: lastCause,
  });

  // 1. Track every command: when it was written, its size, its deadline.
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    let t = tracked.get(command);
    if (!t) {
      t = {
        sentAt: now(),
        written: false,
        bytes: command.args.reduce<number>(
          (n, a) => n + (Buffer.isBuffer(a) ? a.length : String(a).length),
          0,
        ),
        blockingMs: blockingTimeoutMs(command.name, command.args),
        timer: undefined,
      };
      tracked.set(command, t);
      if (o.commandTimeoutMs > 0 && !ours.has(command)) {
        const limit = o.commandTimeoutMs + (t.blockingMs ?? 0);
        t.timer = setTimeout(() => {
          command.reject(
            new LifelineCommandError(
              CODES.timeout,
              `No reply within ${limit} ms; the command may or may not have run.`,
              context(command, tracked.get(command)?.written ?? false),
            ),
          );
        }, limit);
        t.timer.unref();
      }
      const done = () => {
        clearTimeout(tracked.get(command)?.timer);
        tracked.delete(command);
      };
      command.promise.then(done, done);
    }
    if (client.status === 'ready' && client.stream?.writable) {
      t.written = true;
      t.sentAt = now();
      lastWriteAt = t.sentAt;
    }
    return send(command, stream);
  };

  // 2. Watch the socket: reads, and the error that precedes a close.
  client.on('connect', () => {
    lastReadAt = now();
    client.stream?.on('data', () => {
      lastReadAt = now();
    });
    client.stream?.on('error', (error: Error) => {
      lastError = { error, at: now() };
    });
  });

  // 3. Heartbeat when idle, watchdog when a command waits on a silent socket.
  const kill = (reason: 'heartbeat' | 'watchdog') => {
    if (!client.stream || client.stream.destroyed) return;
    killedBy = reason;
    client.stream.destroy();
  };
  const tick = setInterval(() => {
    if (client.status !== 'ready') return;
    const t = now();
    const written = [...tracked.entries()].filter(([c, x]) => x.written && !ours.has(c));
    for (const [, x] of written) {
      const limit =
        x.blockingMs === undefined
          ? o.deadConnectionMs
          : x.blockingMs === 0
            ? Number.POSITIVE_INFINITY
            : x.blockingMs + o.deadConnectionMs;
      if (t - x.sentAt >= limit && t - lastReadAt >= o.deadConnectionMs) return kill('watchdog');
    }
    if (
      written.length === 0 &&
      !heartbeat &&
      o.heartbeatIntervalMs > 0 &&
      t - Math.max(lastReadAt, lastWriteAt) >= o.heartbeatIntervalMs
    ) {
      const ping = new Command('ping', []) as unknown as IoredisCommand;
      ours.add(ping);
      heartbeat = ping;
      const deadline = setTimeout(() => heartbeat === ping && kill('heartbeat'), o.heartbeatTimeoutMs);
      ping.promise
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          clearTimeout(deadline);
          if (heartbeat === ping) heartbeat = undefined;
        });
      client.sendCommand(ping);
    }
  }, TICK_MS);
  tick.unref();

  // 4. A drop: attribute it, decide what may be replayed, remember what to confirm.
  client.on('close', () => {
    if (closedByApp) return;
    const at = now();
    const inFlight = [...tracked.entries()].filter(([c, x]) => x.written && !ours.has(c));
    const recentError = lastError && at - lastError.at < 1000 ? lastError.error : undefined;
    const subscriber = (client.prevCondition ?? client.condition)?.subscriber || undefined;
    const facts: DisconnectFacts = {
      error: recentError
        ? { code: (recentError as NodeJS.ErrnoException).code, message: recentError.message }
        : undefined,
      killedBy,
      quietMs: at - lastReadAt,
      inFlight: inFlight.map(([c, x]) => ({ name: c.name, bytes: x.bytes })),
      subscribed: Boolean(subscriber),
      serverTimeoutS,
    };
    const provisional = attribute(facts);
    lastCause = provisional.cause;
    killedBy = undefined;
    lastError = undefined;
    heartbeat = undefined;
    if (client.prevCommandQueue) decideReplay(provisional);
    if (pending) clearTimeout(pending.emitTimer);
    pending = {
      at,
      facts,
      provisional,
      error: recentError,
      channels: subscriber ? subscriber.channels('subscribe') : [],
      patterns: subscriber ? subscriber.channels('psubscribe') : [],
      emitTimer: setTimeout(() => announce(provisional, undefined), CONFIRM_WITHIN_MS),
    };
    pending.emitTimer.unref();
    // A cause lifeline saw itself (a missed heartbeat, a stuck command) needs no confirmation.
    if (facts.killedBy) announce(provisional, undefined);
  });

  const decideReplay = (cause: Attribution) => {
    const queue = client.prevCommandQueue;
    if (!queue) return;
    for (const c of takeFromQueue(queue, (x) => ours.has(x)))
      c.reject(new Error('lifeline heartbeat abandoned'));
    // A drop soon after a command was written counts against it; the same command dropped that way
    // again is deterministic (a reply or request over a server limit), not bad luck.
    const at = now();
    const justWritten = (c: IoredisCommand) =>
      at - (tracked.get(c)?.sentAt ?? Number.NEGATIVE_INFINITY) < POISON_WINDOW_MS;
    const reject = new Map<IoredisCommand, LifelineCommandError>();
    for (const unit of unitsOf(queue)) {
      const safety = unitSafety(unit, o.idempotentScripts);
      const killCount = Math.max(...unit.map((c) => (kills.get(c) ?? 0) + (justWritten(c) ? 1 : 0)));
      for (const c of unit) kills.set(c, killCount);
      if (killCount >= o.poisonAfterKills) {
        for (const c of unit) {
          reject.set(
            c,
            new LifelineCommandError(
              CODES.poisonCommand,
              `The connection was closed by the server ${killCount} times while this command was in flight (suspected ${cause.cause}); it is not sent again.`,
              context(c, true),
            ),
          );
        }
      } else if (!mayReplay(o.replay, safety)) {
        for (const c of unit) {
          reject.set(
            c,
            new LifelineCommandError(
              CODES.maybeExecuted,
              `The connection dropped after this command was written and before its reply: it may or may not have run, so it is not sent again (replay policy "${o.replay}").`,
              context(c, true),
            ),
          );
        }
      }
      channels.replay.publish({
        endpoint,
        commands: unit.map((c) => c.name),
        safety,
        replayed: !reject.has(unit[0] as IoredisCommand),
      });
    }
    for (const c of takeFromQueue(queue, (x) => reject.has(x))) c.reject(reject.get(c) as Error);
  };

  // 5. Back again: confirm the cause with the server, announce it, and report a pub/sub gap.
  const announce = (attribution: Attribution, downMs: number | undefined) => {
    const p = pending;
    if (!p) return;
    pending = undefined;
    clearTimeout(p.emitTimer);
    lastCause = attribution.cause;
    const event: DisconnectEvent = {
      ...attribution,
      endpoint,
      at: new Date(performance.timeOrigin + p.at).toISOString(),
      idleMs: Math.round(p.facts.quietMs),
      error: p.error,
      downMs,
    };
    client.emit(EVENTS.disconnect, event);
    channels.disconnect.publish(event);
    if (downMs !== undefined && (p.channels.length || p.patterns.length)) {
      const gap = {
        endpoint,
        channels: p.channels,
        patterns: p.patterns,
        from: event.at,
        to: new Date().toISOString(),
        durationMs: Math.round(downMs),
        cause: attribution.cause,
      };
      client.emit(EVENTS.pubsubGap, gap);
      channels.pubsubGap.publish(gap);
    }
  };

  const learn = async (): Promise<ServerSnapshot | undefined> => {
    try {
      if (serverTimeoutS === undefined) {
        const reply = (await client.call('CONFIG', 'GET', 'timeout')) as string[];
        serverTimeoutS = Number(reply[1]) || 0;
      }
    } catch {
      serverTimeoutS = undefined; // CONFIG not permitted: idle-timeout attribution stays client-side
    }
    try {
      return snapshotFromInfo(String(await client.call(...SNAPSHOT_INFO_ARGS)));
    } catch {
      return undefined;
    }
  };

  client.on('ready', () => {
    const p = pending;
    if (!o.confirmWithServer) {
      if (p) announce(p.provisional, now() - p.at);
      return;
    }
    void learn().then((after) => {
      if (p && pending === p) {
        const confirmed =
          after && snapshot ? attribute(p.facts, serverDeltas(snapshot, after)) : p.provisional;
        announce(confirmed, now() - p.at);
      } else if (p) {
        // Already announced provisionally: still report the gap for subscribers.
      }
      snapshot = after ?? snapshot;
    });
  });

  // 6. The app closes the client: everything still pending settles, even while reconnecting.
  const settleAll = () => {
    const error = (c: IoredisCommand) =>
      new LifelineCommandError(
        CODES.clientClosed,
        'The client was closed by the application before this command completed.',
        context(c, tracked.get(c)?.written ?? false),
      );
    for (const queue of [client.offlineQueue, client.prevCommandQueue, client.commandQueue]) {
      if (!queue) continue;
      for (const c of takeFromQueue(queue, () => true)) c.reject(error(c));
    }
    client.prevCommandQueue = null;
  };
  const disconnect = client.disconnect.bind(client);
  client.disconnect = (reconnect = false) => {
    if (!reconnect) {
      closedByApp = true;
      clearInterval(tick);
      if (pending) clearTimeout(pending.emitTimer);
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
      clearInterval(tick);
      return quit();
    }
    client.disconnect();
    return Promise.resolve('OK');
  };

  // 7. Reconnect with full jitter, and audit the configuration once listeners had a chance to attach.
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
