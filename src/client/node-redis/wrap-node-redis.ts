import type { Socket } from 'node:net';
import { blockingTimeoutMs, type ReplaySafety, replaySafety } from '../command-table.js';
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
const MAY_BLOCK = /^(b|x|wait)/i;
const LOST = /Socket closed unexpectedly|ECONNRESET|EPIPE|ETIMEDOUT|Socket timeout/;

/** node-redis rejects written commands when the socket drops; lifeline decides which to send again. */
function isConnectionLoss(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return LOST.test(`${e?.code ?? ''} ${e?.message ?? ''}`);
}

const RANK: Record<ReplaySafety, number> = { read: 0, idempotent: 1, unsafe: 2 };
const worstSafety = (all: ReplaySafety[]): ReplaySafety =>
  all.reduce<ReplaySafety>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'read');

export function wrapNodeRedis(handle: NodeRedisClient, o: ResolvedOptions): void {
  prepareSocketClaims();
  // createClient() returns an object whose prototype is the client itself (`_self`), and commands
  // run with `this` = `_self`: instrument `_self`, so every view of the client inherits it.
  const client = ((handle as { _self?: NodeRedisClient })._self ?? handle) as NodeRedisClient;
  const socketOptions = (client.options?.socket ?? {}) as { host?: string; port?: number; tls?: boolean };
  const port = Number(socketOptions.port ?? 6379);
  const endpoint = `${socketOptions.host ?? 'localhost'}:${port}`;
  const original = client.sendCommand;
  const send = (args: readonly unknown[]) => original.call(client, args);
  const subscribed = { channels: new Set<string>(), patterns: new Set<string>() };
  let socket: Socket | undefined;
  const pendingSet = new Set<InFlight>();
  let closedByApp = false;
  let reconnects = 0;

  const watch = new ConnectionWatch(
    {
      endpoint,
      isReady: () => client.isReady,
      socket: () => (socket && !socket.destroyed ? socket : undefined),
      pending: () => pendingSet,
      call: (args) => send(args),
      subscriptions: () => ({ channels: [...subscribed.channels], patterns: [...subscribed.patterns] }),
      emit: (event, payload) => handle.emit(event, payload),
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
    inFlight: [...pendingSet].filter((c) => c.written).length,
    queued: [...pendingSet].filter((c) => !c.written).length,
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

  /**
   * One command (or a pipeline / MULTI as a unit) under lifeline's rules: tracked while pending, a
   * deadline, and after a drop: replayed once back, or MAYBE_EXECUTED / POISON_COMMAND.
   */
  // Each command of a unit is its full argument list, name first (no copies on the hot path).
  const guarded = (unit: readonly (readonly unknown[])[], run: () => Promise<unknown>): Promise<unknown> => {
    const first = unit[0] ?? [];
    const firstName = String(first[0] ?? '');
    const name = unit.length === 1 ? firstName : `${firstName}…(${unit.length})`;
    // Only B*, X* and WAIT* commands can block: skip the table lookup for everything else.
    const blockingMs =
      unit.length === 1 && MAY_BLOCK.test(firstName)
        ? blockingTimeoutMs(firstName, first.slice(1))
        : undefined;
    const started = performance.now();
    let kills = 0;
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        const entry: InFlight = {
          name,
          args: unit,
          sentAt: performance.now(),
          written: false,
          blockingMs,
        };
        if (o.commandTimeoutMs > 0) {
          entry.deadlineAt = started + o.commandTimeoutMs + (blockingMs ?? 0);
          entry.expire = () => {
            pendingSet.delete(entry);
            reject(
              new LifelineCommandError(
                CODES.timeout,
                'No reply in time; the command may or may not have run.',
                context(name, entry.written),
              ),
            );
          };
        }
        pendingSet.add(entry);
        if (client.isReady) watch.wrote(entry);
        run().then(
          (value) => {
            pendingSet.delete(entry);
            resolve(value);
          },
          (error: unknown) => {
            pendingSet.delete(entry);
            afterFailure(error, entry).then((again) => (again ? attempt() : undefined), reject);
          },
        );
      };
      /** Resolves true to send again; rejects with the error the application should see. */
      const afterFailure = async (error: unknown, entry: InFlight): Promise<boolean> => {
        if (closedByApp && /Disconnects client|client is closed/i.test(String((error as Error)?.message))) {
          throw new LifelineCommandError(
            CODES.clientClosed,
            'The client was closed by the application before this command completed.',
            context(name, entry.written),
            error,
          );
        }
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
        const safety = worstSafety(
          unit.map((c) => replaySafety(String(c[0] ?? ''), c.slice(1), o.idempotentScripts)),
        );
        const replay = mayReplay(o.replay, safety);
        channels.replay.publish({
          endpoint,
          commands: unit.map((c) => String(c[0] ?? '')),
          safety,
          replayed: replay,
        });
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
        return true;
      };
      attempt();
    });
  };

  client.sendCommand = function (this: unknown, args: readonly unknown[], options?: unknown) {
    return guarded([args], () => original.call(this, args, options));
  };
  // Pipelines and MULTI/EXEC bypass sendCommand in node-redis; they are guarded as one unit.
  for (const method of ['_executePipeline', '_executeMulti']) {
    const execute = client[method];
    if (typeof execute !== 'function') continue;
    client[method] = function (this: unknown, commands: { args: unknown[] }[], ...rest: unknown[]) {
      const unit = commands.map((c) => c.args);
      return guarded(unit, () =>
        (execute as (...a: unknown[]) => Promise<unknown>).call(this, commands, ...rest),
      );
    };
  }

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
