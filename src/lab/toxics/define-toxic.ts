import type { Chunk } from '../proxy/chunk.js';

export type Stream = 'upstream' | 'downstream';

/** What a toxic may do to the connection it sits in: the link itself knows no toxic by name. */
export interface ConnectionControl {
  readonly id: number;
  /** Last time bytes arrived from either side (ms, performance.now clock). */
  readonly lastActivityAt: number;
  /** RST to the client and to the server. */
  reset(): void;
  /** RST to the client only; the server side stays open, unread (a NAT that forgot the flow). */
  resetClientKeepServer(): void;
  /**
   * FIN both ways, after what is already queued; bytes that arrive from either side afterwards are
   * dropped (in Toxiproxy a closed stub stops the link: nothing more goes through).
   */
  close(): void;
  /** From now on every byte and the FIN on `stream` are dropped, queued ones included. */
  discard(stream: Stream): void;
}

/** Why a toxic instance stops: Toxiproxy runs a toxic's Cleanup only when it is removed. */
export type StopReason = 'removed' | 'updated' | 'closed';

/** One toxic instance in one connection: its attributes, its per-connection state, its interrupt. */
export interface ToxicContext<A> {
  readonly attributes: A;
  /** The stream of the chunk being handled (connection-scoped toxics see both). */
  readonly stream: Stream;
  /** Aborted when the toxic is removed or updated, or the connection closes. */
  readonly signal: AbortSignal;
  /** Per-connection state, shared by both streams of a connection-scoped toxic. */
  readonly state: Record<string, unknown>;
  /** State of the toxic itself, shared by every connection (e.g. "fired once"); new on update. */
  readonly shared: Record<string, unknown>;
  readonly connection: ConnectionControl;
}

export interface AttributeSpec {
  default: number;
  /** Unit and meaning, for docs and the API's validation messages. */
  doc: string;
}

export interface ToxicDefinition<A extends Record<string, number> = Record<string, number>> {
  /** Wire name, as in Toxiproxy (snake_case). */
  type: string;
  description: string;
  attributes: { [K in keyof A]: AttributeSpec };
  /**
   * 'stream': one instance per connection on the stream it was added to (Toxiproxy's model).
   * 'connection': one instance per connection that sees both streams (middlebox faults).
   */
  scope: 'stream' | 'connection';
  /** Starts applying to a connection (added while it is open, or the connection opened). */
  start?(ctx: ToxicContext<A>): void;
  /**
   * Handles one chunk; returns what to pass on (an empty array drops it), or yields pieces as they are
   * due (slicer, bandwidth). When `ctx.signal` aborts mid-wait it must still pass the rest on: bytes it
   * was not told to drop are never lost.
   */
  transform?(chunk: Chunk, ctx: ToxicContext<A>): Chunk[] | Promise<Chunk[]> | AsyncIterable<Chunk>;
  /** The stream reached its end (FIN). Resolve true to pass the end on, false to swallow it. */
  end?(ctx: ToxicContext<A>): boolean | Promise<boolean>;
  /** Stops applying (removed, updated, or the connection closed): clear timers here. */
  stop?(ctx: ToxicContext<A>, reason: StopReason): void;
  /**
   * Keep the per-connection `state` when the toxic is updated (Toxiproxy's stateful toxics keep their
   * state for the life of the link; limit_data's byte count survives an update).
   */
  keepStateOnUpdate?: boolean;
}

export const defineToxic = <A extends Record<string, number>>(
  definition: ToxicDefinition<A>,
): ToxicDefinition<A> => definition;
