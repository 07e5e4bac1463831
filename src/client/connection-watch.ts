import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Attribution, attribute, type DisconnectFacts } from './disconnect-cause.js';
import {
  channels,
  type DisconnectEvent,
  EVENTS,
  type PubsubGapEvent,
  type ReconnectEvent,
} from './events.js';
import type { ResolvedOptions } from './options.js';
import {
  type ServerSnapshot,
  SNAPSHOT_INFO_ARGS,
  serverDeltas,
  snapshotFromInfo,
} from './server-snapshot.js';

/** What the watch needs from a client library; one small adapter per library. */
export interface WatchAdapter {
  /** The server of the current connection ("host:port"); another one after a failover. */
  readonly endpoint: string;
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
  /**
   * The connection can take INFO and CONFIG GET now: false in a mode whose reply stream cannot
   * (monitor, subscriber). Checked before each of lifeline's own commands.
   */
  canQuery(): boolean;
  /** It can take a heartbeat PING now (not in monitor mode). */
  canPing(): boolean;
  /**
   * INFO on a short-lived connection of lifeline's own, for a connection that cannot take it itself
   * (a node-redis RESP2 subscriber resubscribes before it is ready). Bounded in time by the adapter.
   */
  callAside?(args: readonly string[]): Promise<unknown>;
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
const isoTime = (at: number): string => new Date(performance.timeOrigin + at).toISOString();
const MAXCLIENTS_REPLY = '-ERR max number of clients';
/**
 * A drop is announced with the client's own facts if the client is not back (and able to ask the
 * server) by then, or sooner when a reconnect attempt fails; the confirmed cause follows on recovery.
 */
const ANNOUNCE_WITHIN_MS = 500;

/** The facts of a drop read as it happens. */
export interface DropMoment {
  at: number;
  quietMs: number;
  /** The socket error just before the close, if any. */
  error: Error | undefined;
  killedBy: DisconnectFacts['killedBy'];
  failover: DisconnectFacts['failover'];
}

/** An outage: from the drop until the server answers again on a new connection. */
interface Outage {
  at: number;
  /** The server whose connection dropped. */
  endpoint: string;
  facts: DisconnectFacts;
  provisional: Attribution;
  error: Error | undefined;
  subscriptions: { channels: string[]; patterns: string[] };
  /** 'lifeline:disconnect' went out (it goes out once per drop). */
  announced: boolean;
  announceTimer: NodeJS.Timeout;
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
  private killedBy: DisconnectFacts['killedBy'];
  private failover: DisconnectFacts['failover'];
  private heartbeatPending = false;
  /** The heartbeat in flight: when it was sent and on which socket (its deadline is checked on ticks). */
  private heartbeatSentAt = 0;
  private heartbeatSocket: Socket | undefined;
  /** Since when `adapter.busy()` has been true (first seen on a tick), or undefined. */
  private busySince: number | undefined;
  private serverTimeoutS: number | undefined;
  private snapshot: ServerSnapshot | undefined;
  private outage: Outage | undefined;
  private watchedSocket: Socket | undefined;
  /** The tick, while the client is open: an ended client keeps no timer of lifeline's. */
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly adapter: WatchAdapter,
    private readonly o: ResolvedOptions,
  ) {
    this.start();
  }

  /** Watches again: the application opened the client (again). */
  start(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.check(), TICK_MS);
    this.ticker.unref();
  }

  /** The role the server gave in the snapshot taken at the last ready ('master', 'slave'). */
  get serverRole(): string | undefined {
    return this.snapshot?.role;
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
      const outage = this.outage;
      if (
        outage &&
        !this.adapter.isReady() &&
        chunk.subarray(0, 40).toString().startsWith(MAXCLIENTS_REPLY)
      ) {
        outage.provisional = {
          cause: 'maxclients',
          confidence: 'high',
          evidence: { ...outage.provisional.evidence, reconnectRefused: MAXCLIENTS_REPLY.slice(1) },
        };
        this.announce(outage);
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
      failover: this.failover,
    };
    this.killedBy = undefined;
    this.failover = undefined;
    this.lastError = undefined;
    this.heartbeatPending = false;
    return moment;
  }

  /**
   * The connection dropped: attribute it with the client's facts now, announce it within
   * ANNOUNCE_WITHIN_MS, confirm it with the server on recovery. `inFlight` names the commands lost
   * with it when the adapter collected them itself.
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
      ...(moment.failover ? { failover: moment.failover } : {}),
      endpoint: this.adapter.endpoint,
      quietMs: moment.quietMs,
      inFlight: written.map((c) => ({ name: c.name, bytes: c.args.reduce((n, a) => n + argBytes(a), 0) })),
      subscribed: subscriptions.channels.length + subscriptions.patterns.length > 0,
      serverTimeoutS: this.serverTimeoutS,
      reconnectRefused: false,
    };
    const provisional = attribute(facts);
    this.lastCause = provisional.cause;
    // A drop before the last outage was confirmed (back, then lost again): that one is told as it stands.
    const previous = this.outage;
    if (previous) this.recovered(previous, previous.provisional);
    const outage: Outage = {
      at,
      endpoint: facts.endpoint,
      facts,
      provisional,
      error,
      subscriptions,
      announced: false,
      announceTimer: setTimeout(() => this.announce(outage), ANNOUNCE_WITHIN_MS),
    };
    outage.announceTimer.unref();
    this.outage = outage;
    // A cause lifeline saw itself (a missed heartbeat, a stuck command) is known at once.
    if (facts.killedBy) this.announce(outage);
    return provisional;
  }

  /**
   * A reconnect attempt failed while the connection is down (the adapter taps the client's own
   * reports, without becoming a listener). A refusal says the server is not there: the drop is
   * announced with that, before the grace runs out.
   */
  reconnectFailed(error: unknown): void {
    const outage = this.outage;
    if (!outage || outage.announced || this.adapter.isReady()) return;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ECONNREFUSED') {
      outage.facts.reconnectRefused = true;
      outage.provisional = attribute(outage.facts);
      this.lastCause = outage.provisional.cause;
    }
    this.announce(outage);
  }

  /**
   * The adapter is about to close the connection because a sentinel announced that its master moved:
   * the drop that follows is that failover (announced at once), and the client reconnects through the
   * sentinels.
   */
  leavingForFailover(failover: NonNullable<DisconnectFacts['failover']>): void {
    this.killedBy = 'failover';
    this.failover = failover;
  }

  /** Ready (again): learn the server's timeout and counters, then confirm the outage, if any. */
  ready(): void {
    const outage = this.outage;
    if (outage && outage.endpoint !== this.adapter.endpoint) {
      // Back on another server (a failover): that is the cause whatever this one's INFO says, and
      // its counters are no baseline for the lost connection's.
      outage.facts.movedTo = this.adapter.endpoint;
      this.snapshot = undefined;
    }
    if (!this.o.confirmWithServer || (!this.adapter.canQuery() && !this.adapter.callAside)) {
      if (outage) this.recovered(outage, outage.facts.movedTo ? attribute(outage.facts) : outage.provisional);
      return;
    }
    void this.learn().then((after) => {
      if (outage && this.outage === outage) {
        // A refusal read off the wire is already certain, and so is a move to another server;
        // otherwise the server's deltas decide.
        const certain = outage.provisional.confidence === 'high' && outage.provisional.cause === 'maxclients';
        const confirmed = outage.facts.movedTo
          ? attribute(outage.facts)
          : !certain && after && this.snapshot
            ? attribute(outage.facts, serverDeltas(this.snapshot, after))
            : outage.provisional;
        this.recovered(outage, confirmed);
      }
      this.snapshot = after ?? this.snapshot;
    });
  }

  /**
   * The client was closed (or ended): no timer left behind. Nothing more to announce, unless
   * `announceDrop`: a connection that ended because it dropped, and is never reconnected (a Cluster
   * makes a new one), tells its drop now with what it knows.
   */
  stop(announceDrop = false): void {
    if (announceDrop && this.outage) this.announce(this.outage);
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.outage) clearTimeout(this.outage.announceTimer);
    this.outage = undefined;
  }

  private check(): void {
    if (!this.ticker) return;
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
    // The heartbeat's deadline, on the tick (exact to one tick) rather than a timer per PING.
    if (
      this.heartbeatPending &&
      t - this.heartbeatSentAt >= o.heartbeatTimeoutMs &&
      this.adapter.socket() === this.heartbeatSocket
    ) {
      this.kill('heartbeat');
      return;
    }
    // Replies arrive while commands flow, so the last read is when the connection was last known alive.
    const idle = t - this.lastReadAt;
    if (
      pending === 0 &&
      !busy &&
      !this.heartbeatPending &&
      o.heartbeatIntervalMs > 0 &&
      this.adapter.canPing() &&
      idle >= o.heartbeatIntervalMs
    ) {
      this.heartbeatPending = true;
      this.heartbeatSentAt = t;
      this.heartbeatSocket = this.adapter.socket();
      this.adapter
        .call(['PING'])
        .catch(() => undefined)
        .finally(() => {
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

  /** 'lifeline:disconnect', once per drop: the confirmed cause if the server already answered. */
  private announce(outage: Outage, confirmed?: { attribution: Attribution; downMs: number }): void {
    if (outage.announced) return;
    outage.announced = true;
    clearTimeout(outage.announceTimer);
    const attribution = confirmed?.attribution ?? outage.provisional;
    this.lastCause = attribution.cause;
    const event: DisconnectEvent = {
      ...attribution,
      endpoint: outage.endpoint,
      at: isoTime(outage.at),
      idleMs: Math.round(outage.facts.quietMs),
      error: outage.error,
      confirmed: confirmed !== undefined,
      downMs: confirmed?.downMs,
    };
    this.adapter.emit(EVENTS.disconnect, event);
    channels.disconnect.publish(event);
  }

  /**
   * The server answers again after an outage, however long it lasted and whoever killed the socket:
   * the drop is announced if it was not yet, 'lifeline:reconnect' carries the confirmed cause and the
   * outage's length, and every subscription it interrupted reports its gap.
   */
  private recovered(outage: Outage, attribution: Attribution): void {
    if (this.outage === outage) this.outage = undefined;
    const downMs = Math.round(performance.now() - outage.at);
    this.announce(outage, { attribution, downMs });
    this.lastCause = attribution.cause;
    const endpoint = this.adapter.endpoint;
    const from = isoTime(outage.at);
    // Messages may be lost from the last byte read, not from when the drop was noticed (a blackhole
    // is noticed seconds after the flow stopped).
    const lastRead = outage.at - outage.facts.quietMs;
    const reconnect: ReconnectEvent = {
      ...attribution,
      endpoint,
      ...(outage.endpoint === endpoint ? {} : { previousEndpoint: outage.endpoint }),
      droppedAt: from,
      downMs,
      provisionalCause: outage.provisional.cause,
    };
    this.adapter.emit(EVENTS.reconnect, reconnect);
    channels.reconnect.publish(reconnect);
    const { channels: subscribed, patterns } = outage.subscriptions;
    if (subscribed.length + patterns.length > 0) {
      const gap: PubsubGapEvent = {
        endpoint,
        channels: subscribed,
        patterns,
        from: isoTime(lastRead),
        to: new Date().toISOString(),
        durationMs: Math.round(performance.now() - lastRead),
        cause: attribution.cause,
      };
      this.adapter.emit(EVENTS.pubsubGap, gap);
      channels.pubsubGap.publish(gap);
    }
  }

  /** One round trip, sent as the connection becomes ready: ahead of the application's first commands. */
  private async learn(): Promise<ServerSnapshot | undefined> {
    if (!this.adapter.canQuery()) {
      // Subscribers are exempt from `timeout`: INFO alone, on a connection aside.
      const info = await this.adapter.callAside?.(SNAPSHOT_INFO_ARGS).catch(() => undefined);
      return info === undefined ? undefined : snapshotFromInfo(String(info));
    }
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
