import type { Socket } from 'node:net';
import { blockingTimeoutMs, replaySafety } from '../command-table.js';
import { auditConfig } from '../config-audit.js';
import { ConnectionWatch, type InFlight } from '../connection-watch.js';
import { CODES, LifelineCommandError } from '../errors.js';
import { channels, EVENTS } from '../events.js';
import { mayReplay, type ResolvedOptions } from '../options.js';
import { claimSocket, prepareSocketClaims } from './socket-claim.js';

/** The public (and underscore-public) surface of a node-redis 5/6 client that lifeline uses. */
export interface NodeRedisClient {
  options?: { socket?: Record<string, unknown>; pingInterval?: number } & Record<string, unknown>;
  isReady: boolean;
  isOpen: boolean;
  sendCommand(args: readonly unknown[], options?: unknown): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
  [method: string]: unknown;
}

const POISON_WINDOW_MS = 2000;
const LOST = /Socket closed unexpectedly|ECONNRESET|EPIPE|ETIMEDOUT|Socket timeout/;

/** node-redis rejects written commands when the socket drops; lifeline decides which to send again. */
function isConnectionLoss(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string };
  return e?.name === 'SocketClosedUnexpectedlyError' || LOST.test(`${e?.code ?? ''} ${e?.message ?? ''}`);
}

export function wrapNodeRedis(client: NodeRedisClient, o: ResolvedOptions): void {
  prepareSocketClaims();
  const socketOptions = (client.options?.socket ?? {}) as { host?: string; port?: number; tls?: boolean };
  const port = Number(socketOptions.port ?? 6379);
  const endpoint = `${socketOptions.host ?? 'localhost'}:${port}`;
  const send = client.sendCommand.bind(client);
  const subscribed = { channels: new Set<string>(), patterns: new Set<string>() };
  let socket: Socket | undefined;
  let closedByApp = false;
  let reconnects = 0;

  const watch = new ConnectionWatch(
    {
      endpoint,
      isReady: () => client.isReady,
      socket: () => (socket && !socket.destroyed ? socket : undefined),
      call: (args) => send(args),
      subscriptions: () => ({ channels: [...subscribed.channels], patterns: [...subscribed.patterns] }),
      emit: (event, payload) => client.emit(event, payload),
    },
    o,
  );

  let readySocket: Socket | undefined;
  client.on('connect', () => {
    socket = claimSocket(port);
    if (!socket) return; // TLS or an unusual socket: no heartbeat kill, the rest still works
    watch.attach(socket);
    const mine = socket;
    // Only a connection that was working drops; a refused reconnect attempt is not a new drop.
    mine.once('close', () => {
      if (!closedByApp && readySocket === mine) watch.dropped();
    });
  });
  client.on('ready', () => {
    readySocket = socket;
    watch.ready();
  });
  client.on('reconnecting', () => {
    reconnects++;
  });

  const context = (name: string, written: boolean) => ({
    endpoint,
    command: name.toUpperCase(),
    written,
    sinceLastReadMs: performance.now() - watch.lastReadAt,
    sinceLastWriteMs: performance.now() - watch.lastWriteAt,
    inFlight: [...watch.inFlight].filter((c) => c.written).length,
    queued: [...watch.inFlight].filter((c) => !c.written).length,
    reconnectAttempts: reconnects,
    suspectedCause: watch.lastCause,
  });

  const ready = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (client.isReady) return resolve(true);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      client.once('ready', onReady);
    });

  client.sendCommand = function (this: unknown, args: readonly unknown[], options?: unknown) {
    const name = String(args[0] ?? '');
    const rest = args.slice(1);
    const safety = replaySafety(name, rest, o.idempotentScripts);
    const started = performance.now();
    const bytes = rest.reduce<number>((n, a) => n + (Buffer.isBuffer(a) ? a.length : String(a).length), 0);
    let kills = 0;
    const attempt = async (): Promise<unknown> => {
      const entry: InFlight = {
        name,
        bytes,
        sentAt: performance.now(),
        written: false,
        blockingMs: blockingTimeoutMs(name, rest),
      };
      watch.inFlight.add(entry);
      if (client.isReady) watch.wrote(entry);
      try {
        return await send.call(this, args, options);
      } catch (error) {
        if (closedByApp || !isConnectionLoss(error) || !entry.written) throw error;
        if (performance.now() - entry.sentAt < POISON_WINDOW_MS) kills++;
        if (kills >= o.poisonAfterKills) {
          throw new LifelineCommandError(
            CODES.poisonCommand,
            `The connection dropped ${kills} times right after this command was written (suspected ${watch.lastCause ?? 'unknown'}); it is not sent again.`,
            context(name, true),
            error,
          );
        }
        const replay = mayReplay(o.replay, safety);
        channels.replay.publish({ endpoint, commands: [name], safety, replayed: replay });
        if (!replay) {
          throw new LifelineCommandError(
            CODES.maybeExecuted,
            `The connection dropped after this command was written and before its reply: it may or may not have run, so it is not sent again (replay policy "${o.replay}").`,
            context(name, true),
            error,
          );
        }
        const budget = o.commandTimeoutMs > 0 ? o.commandTimeoutMs - (performance.now() - started) : 30_000;
        if (!(await ready(Math.max(0, budget)))) throw error;
        return attempt();
      } finally {
        watch.inFlight.delete(entry);
      }
    };
    return withDeadline(
      attempt(),
      o.commandTimeoutMs + (blockingTimeoutMs(name, rest) ?? 0),
      () =>
        new LifelineCommandError(
          CODES.timeout,
          'No reply in time; the command may or may not have run.',
          context(name, true),
        ),
    );
  };

  // Subscriptions, for the gap report after a resubscribe.
  const track = (method: string, set: Set<string>, add: boolean) => {
    const original = client[method];
    if (typeof original !== 'function') return;
    client[method] = function (this: unknown, names: string | string[], ...rest: unknown[]) {
      for (const n of Array.isArray(names) ? names : names === undefined ? [...set] : [names]) {
        if (add) set.add(n);
        else set.delete(n);
      }
      return (original as (...a: unknown[]) => unknown).call(this, names, ...rest);
    };
  };
  for (const m of ['SUBSCRIBE', 'subscribe']) track(m, subscribed.channels, true);
  for (const m of ['UNSUBSCRIBE', 'unsubscribe']) track(m, subscribed.channels, false);
  for (const m of ['PSUBSCRIBE', 'pSubscribe']) track(m, subscribed.patterns, true);
  for (const m of ['PUNSUBSCRIBE', 'pUnsubscribe']) track(m, subscribed.patterns, false);

  for (const m of ['destroy', 'close', 'quit', 'disconnect']) {
    const original = client[m];
    if (typeof original !== 'function') continue;
    client[m] = function (this: unknown, ...args: unknown[]) {
      closedByApp = true;
      watch.stop();
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }

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

function withDeadline<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  if (!(ms > 0)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
