import type { ConnectionControl, StopReason, Stream, ToxicContext } from '../toxics/define-toxic.js';
import type { ActiveToxic } from './active-toxic.js';
import type { Chunk } from './chunk.js';

/** One toxic in one connection: its state, its interrupt, and whether toxicity picked this connection. */
export class ToxicInstance {
  private readonly abort = new AbortController();
  /** Per-connection state; an update passes it on when the definition keeps state (limit_data). */
  readonly state: Record<string, unknown>;
  private readonly applies: boolean;

  constructor(
    readonly toxic: ActiveToxic,
    private readonly connection: ConnectionControl,
    state: Record<string, unknown> = {},
  ) {
    this.state = state;
    this.applies = Math.random() < toxic.toxicity;
    if (this.applies) toxic.definition.start?.(this.context(toxic.stream));
  }

  get revision(): number {
    return this.toxic.revision;
  }

  /** Does this instance act on `stream`? Connection-scoped toxics act on both. */
  sees(stream: Stream): boolean {
    return this.applies && (this.toxic.definition.scope === 'connection' || this.toxic.stream === stream);
  }

  /** undefined: pass the chunk on untouched (no toxic code ran). */
  transform(chunk: Chunk, stream: Stream): AsyncIterable<Chunk> | Iterable<Chunk> | undefined {
    const transform = this.toxic.definition.transform;
    if (!transform || this.abort.signal.aborted) return undefined;
    const out = transform(chunk, this.context(stream));
    return out instanceof Promise ? toIterable(out) : out;
  }

  async end(stream: Stream): Promise<boolean> {
    const end = this.toxic.definition.end;
    return !end || this.abort.signal.aborted ? true : end(this.context(stream));
  }

  /** Interrupts waits in progress (they pass their data on) and stops timers. */
  stop(reason: StopReason): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    if (this.applies) this.toxic.definition.stop?.(this.context(this.toxic.stream), reason);
  }

  private context(stream: Stream): ToxicContext<Record<string, number>> {
    return {
      attributes: this.toxic.attributes,
      stream,
      signal: this.abort.signal,
      state: this.state,
      shared: this.toxic.shared,
      connection: this.connection,
    };
  }
}

async function* toIterable(promise: Promise<Chunk[]>): AsyncGenerator<Chunk> {
  yield* await promise;
}
