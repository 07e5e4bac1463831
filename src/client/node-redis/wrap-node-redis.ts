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
  let droppedSocket: Socket | undefined;
  client.on('connect', () => {
    socket = claimSocket(port);
    if (!socket) return; // TLS or an unusual socket: no heartbeat kill, the rest still works
    watch.attach(socket);
    const mine = socket;
    // Only a connection that was working drops; a refused reconnect attempt is not a new drop. On an
    // error, attribute at once: node-redis is already rejecting the commands in flight, and by the
    // 'close' event they would be gone from the facts.
    const drop = () => {
      if (closedByApp || readySocket !== mine || droppedSocket === mine) return;
      droppedSocket = mine;
      watch.dropped();
    };
    mine.on('error', drop);
    mine.once('close', drop);
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
   * deadline, and after a drop: replayed once back, or MAYBE_EXECUTED / POISON_COMMAND. A class, so
   * the hot path is one object and the two callbacks of then(); names, sizes and blocking timeouts
   * are worked out only when a tick or a failure needs them.
   */
  class Guarded implements InFlight {
    sentAt = 0;
    written = false;
    deadlineAt: number | undefined;
    private readonly started = performance.now();
    private kills = 0;

    constructor(
      /** Each command of the unit is its full argument list, name first (never copied). */
      readonly args: readonly (readonly unknown[])[],
      private readonly run: () => Promise<unknown>,
      private readonly resolve: (value: unknown) => void,
      private readonly reject: (error: unknown) => void,
    ) {
      if (o.commandTimeoutMs > 0) this.deadlineAt = this.started + o.commandTimeoutMs;
    }

    get name(): string {
      const first = String(this.args[0]?.[0] ?? '');
      return this.args.length === 1 ? first : `${first}…(${this.args.length})`;
    }

    get blockingMs(): number | undefined {
      const first = this.args[0] ?? [];
      // Only B*, X* and WAIT* commands can block: skip the table lookup for everything else.
      return this.args.length === 1 && MAY_BLOCK.test(String(first[0] ?? ''))
        ? blockingTimeoutMs(String(first[0]), first.slice(1))
        : undefined;
    }

    attempt(): void {
      this.sentAt = performance.now();
      this.written = client.isReady;
      if (this.written) watch.lastWriteAt = this.sentAt;
      pendingSet.add(this);
      this.run().then(
        (value) => {
          pendingSet.delete(this);
          this.resolve(value);
        },
        (error: unknown) => {
          pendingSet.delete(this);
          this.afterFailure(error).then((again) => (again ? this.attempt() : undefined), this.reject);
        },
      );
    }

    expire(): void {
      const extra = this.blockingMs ?? 0; // a blocking command gets its own timeout on top
      if (
        this.deadlineAt !== undefined &&
        extra > 0 &&
        performance.now() < this.started + o.commandTimeoutMs + extra
      ) {
        this.deadlineAt = this.started + o.commandTimeoutMs + extra;
        return;
      }
      pendingSet.delete(this);
      this.reject(
        new LifelineCommandError(
          CODES.timeout,
          'No reply in time; the command may or may not have run.',
          context(this.name, this.written),
        ),
      );
    }

    /** Resolves true to send again; rejects with the error the application should see. */
    private async afterFailure(error: unknown): Promise<boolean> {
      const name = this.name;
      if (closedByApp && /Disconnects client|client is closed/i.test(String((error as Error)?.message))) {
        throw new LifelineCommandError(
          CODES.clientClosed,
          'The client was closed by the application before this command completed.',
          context(name, this.written),
          error,
        );
      }
      if (closedByApp || !isConnectionLoss(error) || !this.written) throw error;
      if (performance.now() - this.sentAt < POISON_WINDOW_MS) this.kills++;
      if (this.kills >= o.poisonAfterKills) {
        throw new LifelineCommandError(
          CODES.poisonCommand,
          `The connection dropped ${this.kills} times right after this command was written (suspected ${watch.lastCause ?? 'unknown'}); it is not sent again.`,
          context(name, true),
          error,
        );
      }
      const safety = worstSafety(
        this.args.map((c) => replaySafety(String(c[0] ?? ''), c.slice(1), o.idempotentScripts)),
      );
      const replay = mayReplay(o.replay, safety);
      channels.replay.publish({
        endpoint,
        commands: this.args.map((c) => String(c[0] ?? '')),
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
      const budget =
        o.commandTimeoutMs > 0 ? o.commandTimeoutMs - (performance.now() - this.started) : 30_000;
      if (!(await ready(Math.max(0, budget)))) throw error;
      return true;
    }
  }

  const guarded = (unit: readonly (readonly unknown[])[], run: () => Promise<unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => new Guarded(unit, run, resolve, reject).attempt());

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
