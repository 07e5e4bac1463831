import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Attribution, attribute, type DisconnectFacts } from './disconnect-cause.js';
import { channels, type DisconnectEvent, EVENTS, type PubsubGapEvent } from './events.js';
import type { ResolvedOptions } from './options.js';
import {
  type ServerSnapshot,
  SNAPSHOT_INFO_ARGS,
  serverDeltas,
  snapshotFromInfo,
} from './server-snapshot.js';

/** What the watch needs from a client library; one small adapter per library. */
export interface WatchAdapter {
  endpoint: string;
  isReady(): boolean;
  /** The live socket, once connected. */
  socket(): Socket | undefined;
  /** The application's pending commands (written or queued), read on each tick and on a drop. */
  pending(): Iterable<InFlight>;
  /**
   * Commands are waiting that `pending()` does not list (node-redis's single commands, left untracked
   * to keep its hot path cheap): the watchdog then goes by when the connection became busy.
   */
  busy?(): boolean;
  /** A command of lifeline's own (PING, INFO, CONFIG GET) on the watched connection. */
  call(args: readonly string[]): Promise<unknown>;
  subscriptions(): { channels: string[]; patterns: string[] };
  emit(event: string, payload: unknown): void;
}

/** A command the application sent, as the watch sees it. Kept cheap: sizes are measured only on a drop. */
export interface InFlight {
  name: string;
  /** The arguments (every command of a unit), read only when a drop needs the size in flight. */
  args: readonly (readonly unknown[])[];
  sentAt: number;
  written: boolean;
  /** The command's own server-side timeout (blocking commands); 0 blocks forever. */
  blockingMs: number | undefined;
  /** When it must have settled (performance.now clock), and how to settle it then. */
  deadlineAt?: number;
  expire?: () => void;
}

const argBytes = (args: readonly unknown[]): number =>
  args.reduce<number>((n, a) => n + (Buffer.isBuffer(a) ? a.length : String(a).length), 0);

export const TICK_MS = 250;
const MAXCLIENTS_REPLY = '-ERR max number of clients';
/** A provisional cause is announced if the client is not back (and able to ask the server) by then. */
const CONFIRM_WITHIN_MS = 2000;

/** The facts of a drop read as it happens. */
export interface DropMoment {
  at: number;
  quietMs: number;
  /** The socket error just before the close, if any. */
  error: Error | undefined;
  killedBy: 'heartbeat' | 'watchdog' | undefined;
}

interface PendingDisconnect {
  at: number;
  facts: DisconnectFacts;
  provisional: Attribution;
  error: Error | undefined;
  subscriptions: { channels: string[]; patterns: string[] };
  emitTimer: NodeJS.Timeout;
}

/**
 * The library-independent part of lifeline: reads and writes on the socket, a heartbeat with a
 * deadline when idle, a watchdog on commands waiting on a silent socket, and the attribution and
 * announcement of every drop (confirmed with the server after reconnecting).
 */
export class ConnectionWatch {
  lastReadAt = performance.now();
  /** When the client last wrote to the socket, exact to one tick (read off its byte count, not per write). */
  lastWriteAt = performance.now();
  private bytesWritten = 0;
  /** performance.now() at the last tick, in whole ticks: a small integer a hot path can copy for free. */
  tick = Math.floor(performance.now() / TICK_MS);
  /** The cause of the last drop, for error messages. */
  lastCause: string | null = null;
  private lastError: { error: Error; at: number } | undefined;
  private killedBy: 'heartbeat' | 'watchdog' | undefined;
  private heartbeatPending = false;
  /** Since when `adapter.busy()` has been true (first seen on a tick), or undefined. */
  private busySince: number | undefined;
  private serverTimeoutS: number | undefined;
  private snapshot: ServerSnapshot | undefined;
  private pending: PendingDisconnect | undefined;
  private watchedSocket: Socket | undefined;
  private readonly ticker: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly adapter: WatchAdapter,
    private readonly o: ResolvedOptions,
  ) {
    this.ticker = setInterval(() => this.check(), TICK_MS);
    this.ticker.unref();
  }

  /** A new socket is connected: watch its reads and the error that may precede its close. */
  attach(socket: Socket): void {
    if (this.watchedSocket === socket) return;
    this.watchedSocket = socket;
    this.lastReadAt = this.lastWriteAt = performance.now();
    this.bytesWritten = socket.bytesWritten;
    socket.on('data', (chunk: Buffer) => {
      this.lastReadAt = performance.now();
      // A full server answers a new connection with this line and closes it; ioredis never shows it.
      if (
        this.pending &&
        !this.adapter.isReady() &&
        chunk.subarray(0, 40).toString().startsWith(MAXCLIENTS_REPLY)
      ) {
        this.pending.provisional = {
          cause: 'maxclients',
          confidence: 'high',
          evidence: { ...this.pending.provisional.evidence, reconnectRefused: MAXCLIENTS_REPLY.slice(1) },
        };
      }
    });
    socket.on('error', (error: Error) => {
      this.lastError = { error, at: performance.now() };
    });
  }

  /**
   * What must be read the moment a connection drops (a reconnect overwrites it), for an adapter that
   * attributes the drop a moment later.
   */
  dropMoment(): DropMoment {
    const at = performance.now();
    const moment: DropMoment = {
      at,
      quietMs: at - this.lastReadAt,
      error: this.lastError && at - this.lastError.at < 1000 ? this.lastError.error : undefined,
      killedBy: this.killedBy,
    };
    this.killedBy = undefined;
    this.lastError = undefined;
    this.heartbeatPending = false;
    return moment;
  }

  /**
   * The connection dropped: attribute it now, announce it once confirmed (or after a short wait).
   * `inFlight` names the commands lost with it when the adapter collected them itself.
   */
  dropped(
    moment: DropMoment = this.dropMoment(),
    inFlight: Iterable<InFlight> = this.adapter.pending(),
  ): Attribution {
    const { at, error } = moment;
    const written = [...inFlight].filter((c) => c.written);
    const subscriptions = this.adapter.subscriptions();
    const facts: DisconnectFacts = {
      error: error ? { code: (error as NodeJS.ErrnoException).code, message: error.message } : undefined,
      killedBy: moment.killedBy,
      quietMs: moment.quietMs,
      inFlight: written.map((c) => ({ name: c.name, bytes: c.args.reduce((n, a) => n + argBytes(a), 0) })),
      subscribed: subscriptions.channels.length + subscriptions.patterns.length > 0,
      serverTimeoutS: this.serverTimeoutS,
    };
    const provisional = attribute(facts);
    this.lastCause = provisional.cause;
    // Every drop is announced: one still waiting for confirmation goes out as it stands.
    if (this.pending) this.announce(this.pending.provisional, undefined);
    this.pending = {
      at,
      facts,
      provisional,
      error,
      subscriptions,
      emitTimer: setTimeout(() => this.announce(provisional, undefined), CONFIRM_WITHIN_MS),
    };
    this.pending.emitTimer.unref();
    // A cause lifeline saw itself (a missed heartbeat, a stuck command) needs no confirmation.
    if (facts.killedBy) this.announce(provisional, undefined);
    return provisional;
  }

  /** Ready (again): learn the server's timeout and counters, confirm and announce a pending drop. */
  ready(): void {
    const p = this.pending;
    if (!this.o.confirmWithServer) {
      if (p) this.announce(p.provisional, performance.now() - p.at);
      return;
    }
    void this.learn().then((after) => {
      if (p && this.pending === p) {
        // A refusal read off the wire is already certain; otherwise the server's deltas decide.
        const certain = p.provisional.confidence === 'high' && p.provisional.cause === 'maxclients';
        const confirmed =
          !certain && after && this.snapshot
            ? attribute(p.facts, serverDeltas(this.snapshot, after))
            : p.provisional;
        this.announce(confirmed, performance.now() - p.at);
      }
      this.snapshot = after ?? this.snapshot;
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.ticker);
    if (this.pending) clearTimeout(this.pending.emitTimer);
    this.pending = undefined;
  }

  private check(): void {
    if (this.stopped) return;
    const t = performance.now();
    this.tick = Math.floor(t / TICK_MS);
    const written = this.watchedSocket?.bytesWritten ?? this.bytesWritten;
    if (written !== this.bytesWritten) {
      this.bytesWritten = written;
      this.lastWriteAt = t;
    }
    // One pass: deadlines (a sweep instead of a timer per command, which cost a third of a pipelined
    // command's time) and the watchdog on written commands waiting on a silent socket.
    const o = this.o;
    const ready = this.adapter.isReady();
    const silent = t - this.lastReadAt >= o.deadConnectionMs;
    let pending = 0;
    let stuck = false;
    let blocking = false;
    for (const c of this.adapter.pending()) {
      if (c.deadlineAt !== undefined && t >= c.deadlineAt) {
        c.expire?.();
        continue;
      }
      pending++;
      if (c.written && c.blockingMs !== undefined) blocking = true;
      if (!ready || !silent || !c.written || stuck) continue;
      const limit =
        c.blockingMs === undefined
          ? o.deadConnectionMs
          : c.blockingMs === 0
            ? Number.POSITIVE_INFINITY
            : c.blockingMs + o.deadConnectionMs;
      stuck = t - c.sentAt >= limit;
    }
    const busy = this.adapter.busy?.() ?? false;
    this.busySince = busy ? (this.busySince ?? t) : undefined;
    if (!ready) return;
    // Untracked commands: busy for as long as the socket has been silent means none was answered in
    // that time (exact to one tick). Behind a blocking command, silence is expected.
    if (busy && silent && !blocking && t - (this.busySince ?? t) >= o.deadConnectionMs) stuck = true;
    if (stuck) {
      this.kill('watchdog');
      return;
    }
    // Replies arrive while commands flow, so the last read is when the connection was last known alive.
    const idle = t - this.lastReadAt;
    if (
      pending === 0 &&
      !busy &&
      !this.heartbeatPending &&
      o.heartbeatIntervalMs > 0 &&
      idle >= o.heartbeatIntervalMs
    ) {
      this.heartbeatPending = true;
      const socket = this.adapter.socket();
      const deadline = setTimeout(() => {
        if (this.heartbeatPending && this.adapter.socket() === socket) this.kill('heartbeat');
      }, o.heartbeatTimeoutMs);
      this.adapter
        .call(['PING'])
        .catch(() => undefined)
        .finally(() => {
          clearTimeout(deadline);
          this.heartbeatPending = false;
        });
    }
  }

  private kill(reason: 'heartbeat' | 'watchdog'): void {
    const socket = this.adapter.socket();
    if (!socket || socket.destroyed) return;
    this.killedBy = reason;
    socket.destroy();
  }

  private announce(attribution: Attribution, downMs: number | undefined): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.emitTimer);
    this.lastCause = attribution.cause;
    const endpoint = this.adapter.endpoint;
    const event: DisconnectEvent = {
      ...attribution,
      endpoint,
      at: new Date(performance.timeOrigin + p.at).toISOString(),
      idleMs: Math.round(p.facts.quietMs),
      error: p.error,
      downMs: downMs === undefined ? undefined : Math.round(downMs),
    };
    this.adapter.emit(EVENTS.disconnect, event);
    channels.disconnect.publish(event);
    const { channels: subscribed, patterns } = p.subscriptions;
    if (downMs !== undefined && subscribed.length + patterns.length > 0) {
      const gap: PubsubGapEvent = {
        endpoint,
        channels: subscribed,
        patterns,
        from: event.at,
        to: new Date().toISOString(),
        durationMs: Math.round(downMs),
        cause: attribution.cause,
      };
      this.adapter.emit(EVENTS.pubsubGap, gap);
      channels.pubsubGap.publish(gap);
    }
  }

  /** One round trip, sent as the connection becomes ready: ahead of the application's first commands. */
  private async learn(): Promise<ServerSnapshot | undefined> {
    const [config, info] = await Promise.allSettled([
      this.serverTimeoutS === undefined
        ? this.adapter.call(['CONFIG', 'GET', 'timeout'])
        : Promise.resolve(undefined),
      this.adapter.call(SNAPSHOT_INFO_ARGS),
    ]);
    if (config.status === 'fulfilled' && config.value !== undefined) {
      const reply = config.value as unknown;
      const value = Array.isArray(reply) ? reply[1] : (reply as Record<string, string>)?.timeout;
      this.serverTimeoutS = Number(value) || 0;
    } // CONFIG not permitted: idle-timeout attribution stays client-side
    return info.status === 'fulfilled' ? snapshotFromInfo(String(info.value)) : undefined;
  }
}
