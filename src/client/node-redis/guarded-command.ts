import { performance } from 'node:perf_hooks';
import { blockingMsOf, replaySafety, worstSafety } from '../command-table.js';
import type { InFlight } from '../connection-watch.js';
import { CODES, type CommandFailureContext, LifelineCommandError } from '../errors.js';
import { channels } from '../events.js';
import { mayReplay, POISON_WINDOW_MS, type ResolvedOptions } from '../options.js';
import { isConnectionLoss, isLoading, isQueueTimeout } from './command-failures.js';
import type { NodeRedisInternals } from './internals.js';
import type { Linked, TrackedCommands } from './tracked-commands.js';

/** How long a command refused with LOADING waits before it is sent again. */
const LOADING_RETRY_MS = 100;
const EMPTY: readonly unknown[] = [];
const noop = () => undefined;

/** A blocking command (BLPOP, XREAD BLOCK, WAIT...) and its timeout, from node-redis's args array. */
export const blockingMsOfArgs = (args: readonly unknown[]): number | undefined =>
  blockingMsOf(args[0], args.slice(1));

/**
 * A drop being attributed. node-redis rejects the written commands before lifeline's listener hears
 * of the drop, and their handlers run after it: they report in here, and the cause is worked out (and
 * their fate decided) once they all have.
 */
export interface DropInProgress {
  lost: InFlight[];
  done: Promise<void>;
}

/** lifeline's side of one wrapped client, as the commands it guards see it. */
export interface ClientGuard {
  readonly o: ResolvedOptions;
  readonly endpoint: string;
  /** node-redis's own sendCommand. */
  readonly send: NodeRedisInternals['sendCommand'];
  readonly tracked: TrackedCommands<GuardedCommand>;
  /** The application closed the client (it may connect it again). */
  closedByApp: boolean;
  /** node-redis's per-command timeout is lifeline's: the application had turned it off. */
  readonly timeoutIsLifelines: boolean;
  attributing: DropInProgress | undefined;
  isReady(): boolean;
  /** The cause of the last drop, for error messages. */
  lastCause(): string | null;
  context(name: string, written: boolean): CommandFailureContext;
  /** Resolves true once the client is ready, false if it is not within `ms`. */
  ready(ms: number): Promise<boolean>;
}

// One executor for every promise handed out (not a closure per command): it takes the command from
// `adopting`, set just before; read first, so a nested send cannot mix two up.
let adopting: GuardedCommand | undefined;
const adopt = (resolve: (value: unknown) => void, reject: (error: unknown) => void) => {
  const g = adopting as GuardedCommand;
  adopting = undefined;
  g.resolve = resolve;
  g.reject = reject;
  g.attempt(g.started);
};

/**
 * A command (or a pipeline / MULTI as a unit) tracked by lifeline: pending in the list, a deadline,
 * and after a drop: replayed once back, or MAYBE_EXECUTED / POISON_COMMAND. Single commands become
 * one only when they block or fail (see `lean` in wrap-node-redis.ts). The command is sent from its
 * own fields (no closure), names, sizes and blocking timeouts are worked out only when a tick or a
 * failure needs them, and fields are assigned in the constructor only (one shape).
 */
export class GuardedCommand implements InFlight, Linked<GuardedCommand> {
  declare private readonly guard: ClientGuard;
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
  declare prev: GuardedCommand | undefined;
  declare next: GuardedCommand | undefined;

  constructor(
    guard: ClientGuard,
    self: unknown,
    command: readonly unknown[],
    options: unknown,
    started: number,
  ) {
    this.guard = guard;
    this.self = self;
    this.command = command;
    this.options = options;
    this.sentAt = started;
    this.written = false;
    this.deadlineAt = guard.o.commandTimeoutMs > 0 ? started + guard.o.commandTimeoutMs : undefined;
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
    return all.length === 1 ? blockingMsOfArgs(all[0] ?? EMPTY) : undefined;
  }

  /** Sends it and hands out the promise the application gets. */
  start(): Promise<unknown> {
    adopting = this;
    return new Promise(adopt);
  }

  /**
   * Takes over a command node-redis failed that went out untracked: from here on it is tracked, sent
   * again or settled with the error the application should see.
   */
  takeOver(error: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.failed(error);
    });
  }

  protected run(): Promise<unknown> {
    return this.guard.send.call(this.self, this.command, this.options);
  }

  /** Sends (again), at `at` (performance.now clock). */
  attempt(at: number): void {
    this.sentAt = at;
    this.written = this.guard.isReady();
    this.guard.tracked.link(this);
    this.run().then(
      (value) => {
        this.guard.tracked.unlink(this);
        this.resolve(value);
      },
      (error: unknown) => {
        this.guard.tracked.unlink(this);
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
    const timeoutMs = this.guard.o.commandTimeoutMs;
    const extra = this.blockingMs ?? 0; // a blocking command gets its own timeout on top
    if (this.deadlineAt !== undefined && extra > 0 && performance.now() < this.started + timeoutMs + extra) {
      this.deadlineAt = this.started + timeoutMs + extra;
      return;
    }
    this.guard.tracked.unlink(this);
    this.reject(
      new LifelineCommandError(
        CODES.timeout,
        'No reply in time; the command may or may not have run.',
        this.guard.context(this.name, this.written),
      ),
    );
  }

  /** Resolves true to send again; rejects with the error the application should see. */
  private async afterFailure(error: unknown): Promise<boolean> {
    const { guard } = this;
    const { o } = guard;
    const name = this.name;
    // Closed by the application: node-redis settles what was pending with its own errors, which the
    // application may test for (ClientClosedError...): nothing to add.
    if (guard.closedByApp) throw error;
    // node-redis's own timeout is the application's unless lifeline set it (the application had
    // turned it off): only lifeline's is lifeline's error to raise.
    if (isQueueTimeout(error)) {
      if (!guard.timeoutIsLifelines) throw error;
      throw new LifelineCommandError(
        CODES.timeout,
        "Not written in time (node-redis's own per-command timeout); it did not run.",
        guard.context(name, false),
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
    const attributing = guard.attributing;
    if (attributing) {
      attributing.lost.push(this);
      await attributing.done;
    }
    if (performance.now() - this.sentAt < POISON_WINDOW_MS) this.kills++;
    if (this.kills >= o.poisonAfterKills) {
      throw new LifelineCommandError(
        CODES.poisonCommand,
        `The connection dropped ${this.kills} times right after this command was written (suspected ${guard.lastCause() ?? 'unknown'}); it is not sent again.`,
        guard.context(name, true),
        error,
      );
    }
    const all = this.args;
    const safety = worstSafety(
      all.map((c) => replaySafety(String(c[0] ?? ''), c.slice(1), o.idempotentScripts)),
    );
    const replay = mayReplay(o.replay, safety);
    channels.replay.publish({
      endpoint: guard.endpoint,
      commands: all.map((c) => String(c[0] ?? '')),
      safety,
      replayed: replay,
    });
    if (!replay) {
      throw new LifelineCommandError(
        CODES.maybeExecuted,
        `The connection dropped after this command was written and before its reply: it may or may not have run, so it is not sent again (replay policy "${o.replay}").`,
        guard.context(name, true),
        error,
      );
    }
    if (!(await guard.ready(Math.max(0, budget())))) throw error;
    return true;
  }
}

/** A pipeline or MULTI/EXEC, guarded as one unit. */
export class GuardedUnit extends GuardedCommand {
  declare private readonly unit: readonly (readonly unknown[])[];
  declare private readonly runUnit: () => Promise<unknown>;

  constructor(guard: ClientGuard, unit: readonly (readonly unknown[])[], runUnit: () => Promise<unknown>) {
    super(guard, undefined, EMPTY, undefined, performance.now());
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
