import { EventEmitter } from 'node:events';

export interface SafeSubscriberOptions {
  /** Runs for each message; may be async. Errors are emitted as 'error', never thrown into the reader. */
  handler: (message: string, channel: string, pattern?: string) => unknown;
  /** Handlers running at once. @default 1 */
  concurrency?: number;
  /** Messages held in memory while handlers catch up. @default 100000 */
  maxQueue?: number;
  /** At the bound: drop the oldest message, or refuse the new one and emit 'lifeline:pubsub-overflow'. @default 'drop-oldest' */
  overflow?: 'drop-oldest' | 'error';
}

export interface SafeSubscriberStats {
  received: number;
  handled: number;
  failed: number;
  dropped: number;
  queued: number;
  /** ms between a message arriving and its handler starting: now, and the worst so far. */
  lagMs: number;
  maxLagMs: number;
}

interface Queued {
  message: string;
  channel: string;
  pattern: string | undefined;
  at: number;
}

/** The subscribing side of ioredis or node-redis that SafeSubscriber needs. */
type Subscribable = {
  subscribe(...args: unknown[]): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
};

/**
 * Reads a subscription as fast as messages arrive into a bounded in-process queue and runs the
 * handler from there, one event-loop turn at a time: a slow handler delays handling, never reading,
 * so Redis never sees a slow consumer (client-output-buffer-limit pubsub) and never cuts it off.
 */
export class SafeSubscriber extends EventEmitter {
  readonly stats: SafeSubscriberStats = {
    received: 0,
    handled: 0,
    failed: 0,
    dropped: 0,
    queued: 0,
    lagMs: 0,
    maxLagMs: 0,
  };
  private readonly queue: Queued[] = [];
  private head = 0;
  private running = 0;
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly overflow: 'drop-oldest' | 'error';
  private readonly isNodeRedis: boolean;

  constructor(
    private readonly client: Subscribable,
    private readonly options: SafeSubscriberOptions,
  ) {
    super();
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.maxQueue = Math.max(1, options.maxQueue ?? 100_000);
    this.overflow = options.overflow ?? 'drop-oldest';
    // ioredis delivers through 'message'/'pmessage' events; node-redis through per-subscribe listeners.
    this.isNodeRedis = !('offlineQueue' in (client as object));
    if (!this.isNodeRedis) {
      client.on('message', (channel, message) => this.push(String(message), String(channel), undefined));
      client.on('pmessage', (pattern, channel, message) =>
        this.push(String(message), String(channel), String(pattern)),
      );
    }
  }

  subscribe(...channels: string[]): Promise<unknown> {
    if (!this.isNodeRedis) return Promise.resolve(this.client.subscribe(...channels));
    return Promise.resolve(
      this.client.subscribe(channels, (message: unknown, channel: unknown) =>
        this.push(String(message), String(channel), undefined),
      ),
    );
  }

  psubscribe(...patterns: string[]): Promise<unknown> {
    const c = this.client as unknown as Record<string, (...a: unknown[]) => unknown>;
    if (!this.isNodeRedis) return Promise.resolve(c.psubscribe?.(...patterns));
    return Promise.resolve(
      c.pSubscribe?.(patterns, (message: unknown, channel: unknown) =>
        this.push(String(message), String(channel), patterns.join(',')),
      ),
    );
  }

  /** Resolves once every queued message was handled (or `timeoutMs` passed). */
  async drained(timeoutMs = 30_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while ((this.stats.queued > 0 || this.running > 0) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.stats.queued === 0 && this.running === 0;
  }

  private push(message: string, channel: string, pattern: string | undefined): void {
    this.stats.received++;
    if (this.stats.queued >= this.maxQueue) {
      if (this.overflow === 'error') {
        this.stats.dropped++;
        this.emit('lifeline:pubsub-overflow', {
          channel,
          dropped: this.stats.dropped,
          maxQueue: this.maxQueue,
        });
        return;
      }
      this.head++; // drop the oldest
      this.stats.queued--;
      this.stats.dropped++;
    }
    this.queue.push({ message, channel, pattern, at: performance.now() });
    this.stats.queued++;
    this.pump();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.stats.queued > 0) {
      const item = this.queue[this.head++] as Queued;
      this.stats.queued--;
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head); // compact now and then, not per message
        this.head = 0;
      }
      this.running++;
      // One handler per event-loop turn: the socket is read between any two handler runs.
      setImmediate(() => void this.run(item));
    }
  }

  private async run(item: Queued): Promise<void> {
    const lag = performance.now() - item.at;
    this.stats.lagMs = Math.round(lag);
    if (lag > this.stats.maxLagMs) this.stats.maxLagMs = Math.round(lag);
    try {
      await this.options.handler(item.message, item.channel, item.pattern);
      this.stats.handled++;
    } catch (error) {
      this.stats.failed++;
      this.emit('error', error);
    } finally {
      this.running--;
      this.pump();
    }
  }
}
