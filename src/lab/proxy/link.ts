import type { Socket } from 'node:net';
import type { Stream } from '../toxics/define-toxic.js';
import type { Chunk } from './chunk.js';
import type { ToxicInstance } from './toxic-instance.js';

// Above this many queued bytes the source socket is paused (backpressure), below it resumed.
const HIGH_WATER = 1024 * 1024;

/**
 * One direction of one connection: chunks from `source`, through the chain of toxic instances in
 * order, to `destination`. Chunks are handled one at a time, so order is kept; with no toxic a chunk
 * goes straight through without a single await.
 */
export class Link {
  private readonly queue: (Chunk | null)[] = [];
  private queuedBytes = 0;
  private running = false;
  private ended = false;
  private discarding = false;
  private readonly drainWaiters: (() => void)[] = [];

  constructor(
    readonly stream: Stream,
    private readonly source: Socket,
    private readonly destination: Socket,
    private readonly chain: () => readonly ToxicInstance[],
  ) {}

  push(data: Buffer): void {
    if (this.discarding) return;
    this.queue.push({ data, receivedAt: performance.now() });
    this.queuedBytes += data.length;
    if (this.queuedBytes > HIGH_WATER) this.source.pause();
    if (!this.running) void this.run();
  }

  /** The source sent FIN: pass the end through the chain after the data before it. */
  pushEnd(): void {
    if (this.discarding) return;
    this.queue.push(null);
    if (!this.running) void this.run();
  }

  /** Drops every byte and the FIN from now on, queued ones included (a toxic that swallows the stream for good). */
  discard(): void {
    this.discarding = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (this.source.isPaused()) this.source.resume();
  }

  /** Resolves once everything queued so far went through the chain (or the destination is gone). */
  drained(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.destination.destroyed) {
        const chunk = this.queue.shift() as Chunk | null;
        // The chain is read once per chunk: a toxic added or removed meanwhile applies from the next one.
        const chain = this.chain();
        if (chunk === null) {
          await this.end(chain);
          continue;
        }
        this.queuedBytes -= chunk.data.length;
        if (this.queuedBytes <= HIGH_WATER && this.source.isPaused()) this.source.resume();
        const pending = this.pass(chunk, chain, 0);
        if (pending) await pending;
      }
    } finally {
      this.running = false;
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  /** Sends `chunk` through toxic `index` and on; returns a promise only when something waits. */
  private pass(chunk: Chunk, chain: readonly ToxicInstance[], index: number): Promise<void> | undefined {
    const toxic = chain[index];
    if (!toxic) return this.write(chunk);
    const out = toxic.transform(chunk, this.stream);
    if (out === undefined) return this.pass(chunk, chain, index + 1);
    if (Array.isArray(out)) return this.passAll(out, chain, index + 1);
    return (async () => {
      for await (const piece of out) {
        const pending = this.pass(piece, chain, index + 1);
        if (pending) await pending;
      }
    })();
  }

  private passAll(
    chunks: Chunk[],
    chain: readonly ToxicInstance[],
    index: number,
  ): Promise<void> | undefined {
    for (let i = 0; i < chunks.length; i++) {
      const pending = this.pass(chunks[i] as Chunk, chain, index);
      if (pending) {
        return pending.then(() => this.passAll(chunks.slice(i + 1), chain, index));
      }
    }
    return undefined;
  }

  private write(chunk: Chunk): Promise<void> | undefined {
    if (this.destination.destroyed || this.destination.writableEnded) return undefined;
    if (this.destination.write(chunk.data)) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.destination.off('drain', done);
        this.destination.off('close', done);
        resolve();
      };
      this.destination.on('drain', done);
      this.destination.on('close', done);
    });
  }

  private async end(chain: readonly ToxicInstance[]): Promise<void> {
    for (const toxic of chain) {
      if (!(await toxic.end(this.stream))) return; // swallowed: no FIN reaches the other side
    }
    if (this.ended) return;
    this.ended = true;
    if (!this.destination.destroyed) this.destination.end();
  }
}
