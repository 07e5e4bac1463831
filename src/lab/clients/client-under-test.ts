/** What the application saw, verbatim: an event or error from the client library. */
export interface SeenEvent {
  /** ms since the scenario started. */
  at: number;
  /** Which connection: the main client or its subscriber. */
  role: 'client' | 'subscriber';
  /** The library's event name ('error', 'close', 'reconnecting', 'ready', 'end', ...). */
  event: string;
  /** Error class name, code and message, as the library produced them. */
  name?: string;
  code?: string;
  message?: string;
}

/** The same small surface over ioredis and node-redis, so one scenario runs against either. */
export interface ClientUnderTest {
  readonly library: string;
  /** Resolves when the client is ready (its own connect/handshake). */
  connect(): Promise<void>;
  /** Sends one command (e.g. ['RPUSH', 'k', '1']) the way an application would. */
  send(args: string[]): Promise<unknown>;
  /** Opens the library's subscriber connection and calls `onMessage` for each message on `channel`. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  /** Quits or disconnects both connections; never hangs (bounded by the caller). */
  close(): Promise<void>;
}

/** A node of a topology, as a client is given it. */
export interface NodeAddress {
  host: string;
  port: number;
}

/**
 * Where a topology-aware client connects instead of host:port: the library's Sentinel client (ioredis
 * `sentinels` + `name`, node-redis `createSentinel`) or its Cluster client (ioredis `Cluster`,
 * node-redis `createCluster`).
 */
export type TopologyAddress =
  | { kind: 'sentinel'; name: string; sentinels: NodeAddress[] }
  | { kind: 'cluster'; nodes: NodeAddress[] };

export interface ClientFactoryOptions {
  host: string;
  port: number;
  /** Connect through the library's Sentinel or Cluster client (host and port are then not used). */
  topology?: TopologyAddress;
  /** The user's own client options (from --options), merged over the connection fields. */
  options: Record<string, unknown>;
  /** Where to report what the application would see. */
  onEvent: (event: Omit<SeenEvent, 'at'>) => void;
}

export type ClientFactory = (options: ClientFactoryOptions) => ClientUnderTest;

/** The lab's topology clients send commands and nothing else: no scenario subscribes through them. */
export const noTopologySubscribe = (): Promise<never> =>
  Promise.reject(new Error('the lab does not subscribe through a Sentinel or Cluster client'));

export function describeError(error: unknown): Pick<SeenEvent, 'name' | 'code' | 'message'> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as NodeJS.ErrnoException).code;
  return {
    name: error.constructor?.name ?? error.name,
    ...(code ? { code: String(code) } : {}),
    message: error.message,
  };
}
