import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { blockingTimeoutMs, mayBlock, type ReplaySafety, replaySafety } from '../command-table.js';
import { auditConfig } from '../config-audit.js';
import { ConnectionWatch, type InFlight, TICK_MS } from '../connection-watch.js';
import { CODES, LifelineCommandError } from '../errors.js';
import { channels, EVENTS } from '../events.js';
import { mayReplay, type ResolvedOptions } from '../options.js';
import { claimSocket, prepareSocketClaims } from './socket-claim.js';

/** The public (and underscore-public) surface of a node-redis 5/6 client that lifeline uses. */
export interface NodeRedisClient {
  options?: { socket?: Record<string, unknown>; pingInterval?: number } & Record<string, unknown>;
  isReady: boolean;
  isOpen: boolean;
  isPubSubActive?: boolean;
  sendCommand(args: readonly unknown[], options?: unknown): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
  /** node-redis 6: its commands queue (written and waiting), and the options every command gets. */
  _getQueue?(): { pendingCount: number } | undefined;
  _commandOptions?: { timeout?: number };
  duplicate?(): unknown;
  [method: string]: unknown;
}

const POISON_WINDOW_MS = 2000;
const EMPTY: readonly unknown[] = [];
const noop = () => undefined;
/** A blocking command (BLPOP, XREAD BLOCK, WAIT...) and its timeout; cheap for everything else. */
const blockingMsOf = (args: readonly unknown[]): number | undefined =>
  mayBlock(args[0]) ? blockingTimeoutMs(String(args[0]), args.slice(1)) : undefined;

const LOST = /Socket closed unexpectedly|ECONNRESET|EPIPE|ETIMEDOUT|Socket timeout/;

/** node-redis rejects written commands when the socket drops; lifeline decides which to send again. */
function isConnectionLoss(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return LOST.test(`${e?.code ?? ''} ${e?.message ?? ''}`);
}

/** The server is still loading its dataset (a restart with RDB/AOF): the command did not run. */
const isLoading = (error: unknown): boolean => /^LOADING\b/.test(String((error as Error)?.message));
/** How long a command refused with LOADING waits before it is sent again. */
const LOADING_RETRY_MS = 100;

/** node-redis's own per-command timeout, which covers only the wait to be written. */
const isQueueTimeout = (error: unknown): boolean =>
  (error as { constructor?: { name?: string } })?.constructor?.name === 'TimeoutError';

const RANK: Record<ReplaySafety, number> = { read: 0, idempotent: 1, unsafe: 2 };
const worstSafety = (all: ReplaySafety[]): ReplaySafety =>
  all.reduce<ReplaySafety>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'read');

/** How long lifeline's own connection aside may take, from connect to INFO's reply. */
const ASIDE_TIMEOUT_MS = 2000;

/** One command on a connection of its own (duplicate(): the client's options), closed after. */
async function callAside(handle: NodeRedisClient, args: readonly string[]): Promise<unknown> {
  if (!handle.duplicate) throw new Error('no duplicate()');
  const aside = handle.duplicate() as NodeRedisClient & { connect(): Promise<unknown>; destroy(): void };
  aside.on('error', noop); // a failure is the promise's, not the application's
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      aside.connect().then(() => aside.sendCommand(args)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), ASIDE_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    try {
      aside.destroy();
    } catch {
      // never connected: nothing to close
    }
  }
}

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
  // node-redis 6's queue says how many commands wait for a reply: enough for the watchdog to leave
  // single commands untracked (see `lean` below). Without it, every command is tracked.
  const queue = typeof client._getQueue === 'function' ? client._getQueue() : undefined;
  // A command waiting to be written settles at node-redis's own per-command timeout; give it one
  // when the application turned it off, so that it too settles.
  const timeoutIsLifelines =
    queue !== undefined &&
    o.commandTimeoutMs > 0 &&
    client._commandOptions !== undefined &&
    !client._commandOptions.timeout;
  if (timeoutIsLifelines && client._commandOptions) client._commandOptions.timeout = o.commandTimeoutMs;
  let socket: Socket | undefined;
  // The tracked commands (pipelines, MULTI, blocking commands, replays), oldest first: a list
  // threaded through the commands themselves, so that tracking one costs a few field writes.
  let head: Guarded | undefined;
  let tail: Guarded | undefined;
  const link = (g: Guarded) => {
    g.prev = tail;
    g.next = undefined;
    if (tail) tail.next = g;
    else head = g;
    tail = g;
  };
  const unlink = (g: Guarded) => {
    const { prev, next } = g;
    if (prev === undefined && head !== g) return; // not in the list (settled or timed out already)
    if (prev) prev.next = next;
    else head = next;
    if (next) next.prev = prev;
    else tail = prev;
    g.prev = g.next = undefined;
  };
  /** A snapshot, so that a command may settle (and leave the list) while the caller goes through it. */
  const pending = (): Guarded[] => {
    const all: Guarded[] = [];
    for (let g = head; g; g = g.next) all.push(g);
    return all;
  };
  let closedByApp = false;
  let monitoring = false;
  let reconnects = 0;
  /**
   * A drop being attributed. node-redis rejects the written commands before lifeline's listener
   * hears of the drop, and their handlers run after it: they report in here, and the cause is
   * worked out (and their fate decided) once they all have.
   */
  let attributing: { lost: InFlight[]; done: Promise<void> } | undefined;

  const watch = new ConnectionWatch(
    {
      endpoint,
      isReady: () => client.isReady,
      socket: () => (socket && !socket.destroyed ? socket : undefined),
      pending,
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

  let readySocket: Socket | undefined;
  let droppedSocket: Socket | undefined;
  client.on('connect', () => {
    closedByApp = false; // connect() after close()/destroy(): watched again
    watch.start();
    socket = claimSocket(port);
    if (!socket) return; // TLS or an unusual socket: no heartbeat kill, the rest still works
    watch.attach(socket);
    const mine = socket;
    // Only a connection that was working drops; a refused reconnect attempt is not a new drop.
    const drop = () => {
      if (closedByApp || readySocket !== mine || droppedSocket === mine) return;
      droppedSocket = mine;
      const moment = watch.dropMoment();
      const lost: InFlight[] = [];
      let done: () => void = noop;
      attributing = {
        lost,
        done: new Promise<void>((resolve) => {
          done = resolve;
        }),
      };
      setImmediate(() => {
        attributing = undefined;
        watch.dropped(moment, lost);
        done();
      });
    };
    mine.on('error', drop);
    mine.once('close', drop);
  });
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
    if (event === 'error' && !closedByApp) {
      // A drop is attributed a moment after it happens (see `drop`); a refusal heard meanwhile waits.
      if (attributing) void attributing.done.then(() => watch.reconnectFailed(args[0]));
      else watch.reconnectFailed(args[0]);
    }
    return emit.call(this, event, ...args);
  };

  const context = (name: string, written: boolean) => {
    let waiting = queue?.pendingCount;
    if (waiting === undefined) {
      waiting = 0;
      for (let g = head; g; g = g.next) waiting++;
    }
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
  /**
   * A command (or a pipeline / MULTI as a unit) tracked by lifeline: pending in the list, a deadline,
   * and after a drop: replayed once back, or MAYBE_EXECUTED / POISON_COMMAND. Single commands become
   * one only when they block or fail (see `lean`). The command is sent from its own fields (no
   * closure), names, sizes and blocking timeouts are worked out only when a tick or a failure needs
   * them, and fields are assigned in the constructor only (one shape).
   */
  class Guarded implements InFlight {
    /** The view of the client the command was sent through (node-redis runs it with that `this`). */
    declare private readonly self: unknown;
    /** A single command's full argument list, name first (never copied); unused by a unit. */
    declare private readonly command: readonly unknown[];
    declare private readonly options: unknown;
    declare sentAt: number;
    declare written: boolean;
    declare deadlineAt: number | undefined;
    declare readonly started: number;
    declare kills: number;
    declare resolve: (value: unknown) => void;
    declare reject: (error: unknown) => void;
    /** Its neighbours in the list. */
    declare prev: Guarded | undefined;
    declare next: Guarded | undefined;

    constructor(self: unknown, command: readonly unknown[], options: unknown, started: number) {
      this.self = self;
      this.command = command;
      this.options = options;
      this.sentAt = started;
      this.written = false;
      this.deadlineAt = o.commandTimeoutMs > 0 ? started + o.commandTimeoutMs : undefined;
      this.started = started;
      this.kills = 0;
      this.resolve = noop;
      this.reject = noop;
      this.prev = undefined;
      this.next = undefined;
    }

    /** Each command of the unit is its full argument list, name first (never copied). */
    get args(): readonly (readonly unknown[])[] {
      return [this.command];
    }

    get name(): string {
      const all = this.args;
      const first = String(all[0]?.[0] ?? '');
      return all.length === 1 ? first : `${first}…(${all.length})`;
    }

    get blockingMs(): number | undefined {
      const all = this.args;
      return all.length === 1 ? blockingMsOf(all[0] ?? EMPTY) : undefined;
    }

    protected run(): Promise<unknown> {
      return original.call(this.self, this.command, this.options);
    }

    /** Sends (again), at `at` (performance.now clock). */
    attempt(at: number): void {
      this.sentAt = at;
      this.written = client.isReady;
      link(this);
      this.run().then(
        (value) => {
          unlink(this);
          this.resolve(value);
        },
        (error: unknown) => {
          unlink(this);
          this.failed(error);
        },
      );
    }

    /** Sends again, or settles with the error the application should see. */
    failed(error: unknown): void {
      this.afterFailure(error).then(
        (again) => (again ? this.attempt(performance.now()) : undefined),
        this.reject,
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
      unlink(this);
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
      // Closed by the application: node-redis settles what was pending with its own errors, which the
      // application may test for (ClientClosedError...): nothing to add.
      if (closedByApp) throw error;
      // node-redis's own timeout is the application's unless lifeline set it (the application had
      // turned it off): only lifeline's is lifeline's error to raise.
      if (isQueueTimeout(error)) {
        if (!timeoutIsLifelines) throw error;
        throw new LifelineCommandError(
          CODES.timeout,
          "Not written in time (node-redis's own per-command timeout); it did not run.",
          context(name, false),
          error,
        );
      }
      const budget = () =>
        o.commandTimeoutMs > 0 ? o.commandTimeoutMs - (performance.now() - this.started) : 30_000;
      // node-redis reconnects straight into a server that is loading (ioredis's ready check waits
      // instead): nothing ran, so any command is sent again once the server is done, within its deadline.
      if (isLoading(error)) {
        if (budget() <= LOADING_RETRY_MS) throw error;
        await new Promise((resolve) => setTimeout(resolve, LOADING_RETRY_MS));
        return true;
      }
      if (!isConnectionLoss(error)) throw error;
      // node-redis rejects on a drop only the commands it wrote (the others wait in its queue for the
      // next connection), whenever they were submitted: a unit queued while reconnecting included.
      this.written = true;
      // Lost with a drop: counted in its facts, and decided once its cause is known.
      if (attributing) {
        attributing.lost.push(this);
        await attributing.done;
      }
      if (performance.now() - this.sentAt < POISON_WINDOW_MS) this.kills++;
      if (this.kills >= o.poisonAfterKills) {
        throw new LifelineCommandError(
          CODES.poisonCommand,
          `The connection dropped ${this.kills} times right after this command was written (suspected ${watch.lastCause ?? 'unknown'}); it is not sent again.`,
          context(name, true),
          error,
        );
      }
      const all = this.args;
      const safety = worstSafety(
        all.map((c) => replaySafety(String(c[0] ?? ''), c.slice(1), o.idempotentScripts)),
      );
      const replay = mayReplay(o.replay, safety);
      channels.replay.publish({
        endpoint,
        commands: all.map((c) => String(c[0] ?? '')),
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
      if (!(await ready(Math.max(0, budget())))) throw error;
      return true;
    }
  }

  /** A pipeline or MULTI/EXEC, guarded as one unit. */
  class GuardedUnit extends Guarded {
    declare private readonly unit: readonly (readonly unknown[])[];
    declare private readonly runUnit: () => Promise<unknown>;

    constructor(unit: readonly (readonly unknown[])[], runUnit: () => Promise<unknown>) {
      super(undefined, EMPTY, undefined, performance.now());
      this.unit = unit;
      this.runUnit = runUnit;
    }

    override get args(): readonly (readonly unknown[])[] {
      return this.unit;
    }

    protected override run(): Promise<unknown> {
      return this.runUnit();
    }
  }

  // One executor for every promise handed out (not a closure per command): it takes the command
  // from `adopting`, set just before; read first, so a nested send cannot mix two up.
  let adopting: Guarded | undefined;
  const adopt = (resolve: (value: unknown) => void, reject: (error: unknown) => void) => {
    const g = adopting as Guarded;
    adopting = undefined;
    g.resolve = resolve;
    g.reject = reject;
    g.attempt(g.started);
  };
  const guarded = (g: Guarded): Promise<unknown> => {
    adopting = g;
    return new Promise(adopt);
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
    if (!lean || blockingMsOf(args) !== undefined) {
      return guarded(new Guarded(this, args, options, performance.now()));
    }
    const sentTick = watch.tick;
    return original.call(this, args, options).then(undefined, (error: unknown) => {
      const lost = isConnectionLoss(error);
      if (closedByApp || (!lost && !isQueueTimeout(error) && !isLoading(error))) throw error;
      // Lost with its connection (node-redis rejects only written commands then), timed out waiting
      // to be written, or refused while the server loads: from here on it is tracked, as if it had
      // been from the start (to one tick).
      const g = new Guarded(this, args, options, sentTick * TICK_MS);
      g.written = lost;
      return new Promise((resolve, reject) => {
        g.resolve = resolve;
        g.reject = reject;
        g.failed(error);
      });
    });
  };
  // Pipelines and MULTI/EXEC bypass sendCommand in node-redis; they are guarded as one unit.
  for (const method of ['_executePipeline', '_executeMulti']) {
    const execute = client[method];
    if (typeof execute !== 'function') continue;
    client[method] = function (this: unknown, commands: { args: unknown[] }[], ...rest: unknown[]) {
      const unit = commands.map((c) => c.args);
      return guarded(
        new GuardedUnit(unit, () =>
          (execute as (...a: unknown[]) => Promise<unknown>).call(this, commands, ...rest),
        ),
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

  // MONITOR lasts until RESET (or the client is closed); node-redis keeps it across reconnects.
  for (const [m, on] of [
    ['MONITOR', true],
    ['monitor', true],
    ['RESET', false],
    ['reset', false],
  ] as const) {
    const original = client[m];
    if (typeof original !== 'function') continue;
    client[m] = function (this: unknown, ...args: unknown[]) {
      monitoring = on;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }

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
