import { createServer, type Server, type Socket } from 'node:net';
import { ERROR_CODES } from '../../core/error-codes.js';
import type { ToxicDefinition } from '../toxics/define-toxic.js';
import { toxicByType } from '../toxics/index.js';
import type { ActiveToxic, ToxicSpec } from './active-toxic.js';
import { type Address, formatAddress, parseLoopbackAddress } from './address.js';
import { ProxyConnection } from './connection.js';
import { ProxyError } from './errors.js';

export interface ProxyOptions {
  name: string;
  /** Where the proxy listens, e.g. "127.0.0.1:0" (0 picks a free port). @default 127.0.0.1:0 */
  listen?: string;
  /** The Redis server behind it, e.g. "127.0.0.1:6390". */
  upstream: string;
  /** @default true */
  enabled?: boolean;
}

/** Toxiproxy's fields for a new toxic; name defaults to `<type>_<stream>`, stream to downstream. */
export interface NewToxic {
  name?: string;
  type: string;
  stream?: 'upstream' | 'downstream';
  toxicity?: number;
  attributes?: Record<string, number>;
}

/** A TCP proxy on loopback that applies toxics to the connections through it, added and removed live. */
export class FaultProxy {
  readonly name: string;
  private listenAddress: Address;
  private upstreamAddress: Address;
  private server: Server | undefined;
  private readonly connections = new Set<ProxyConnection>();
  private toxicList: ActiveToxic[] = [];
  private wantEnabled: boolean;
  private starting: Promise<void> | undefined;
  readonly stats = { connectionsAccepted: 0, upstreamBytes: 0, downstreamBytes: 0 };

  constructor(options: ProxyOptions) {
    this.name = options.name;
    this.listenAddress = parseLoopbackAddress(options.listen ?? '127.0.0.1:0', 'listen');
    this.upstreamAddress = parseLoopbackAddress(options.upstream, 'upstream');
    this.wantEnabled = options.enabled ?? true;
  }

  get listen(): string {
    return formatAddress(this.listenAddress);
  }
  get port(): number {
    return this.listenAddress.port;
  }
  get upstream(): string {
    return formatAddress(this.upstreamAddress);
  }
  get enabled(): boolean {
    return this.server !== undefined;
  }
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Starts listening when enabled; the listen port is known afterwards. */
  async start(): Promise<this> {
    if (this.wantEnabled) await this.enable();
    return this;
  }

  async enable(): Promise<void> {
    this.wantEnabled = true;
    // Two enable() calls at once share one listener instead of starting two.
    this.starting ??= this.listenNow().finally(() => {
      this.starting = undefined;
    });
    await this.starting;
  }

  private async listenNow(): Promise<void> {
    if (this.server) return;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (socket) =>
      this.accept(socket),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new ProxyError(
            ERROR_CODES.proxyListen,
            `cannot listen on ${this.listen}: ${error.code ?? error.message}`,
            409,
          ),
        ),
      );
      server.listen(this.listenAddress.port, this.listenAddress.host, () => resolve());
    });
    const address = server.address();
    if (address && typeof address === 'object')
      this.listenAddress = { ...this.listenAddress, port: address.port };
    this.server = server;
  }

  /** "Down" (not a toxic, as in Toxiproxy): stops listening and closes every connection through it. */
  async disable(): Promise<void> {
    this.wantEnabled = false;
    await this.starting?.catch(() => undefined);
    const server = this.server;
    this.server = undefined;
    for (const connection of this.connections) connection.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Changes listen/upstream; like Toxiproxy, that restarts the proxy and drops its connections. */
  async update(fields: { listen?: string; upstream?: string; enabled?: boolean }): Promise<void> {
    const listen = fields.listen !== undefined ? parseLoopbackAddress(fields.listen, 'listen') : undefined;
    const upstream =
      fields.upstream !== undefined ? parseLoopbackAddress(fields.upstream, 'upstream') : undefined;
    const moved =
      (listen && formatAddress(listen) !== this.listen) ||
      (upstream && formatAddress(upstream) !== this.upstream);
    const enabled = fields.enabled ?? this.wantEnabled;
    if (moved || !enabled) await this.disable();
    if (listen) this.listenAddress = listen;
    if (upstream) this.upstreamAddress = upstream;
    if (enabled) await this.enable();
  }

  async stop(): Promise<void> {
    await this.disable();
    this.toxicList = [];
  }

  get toxics(): ToxicSpec[] {
    return this.toxicList.map(({ name, type, stream, toxicity, attributes }) => ({
      name,
      type,
      stream,
      toxicity,
      attributes,
    }));
  }

  addToxic(input: NewToxic): ToxicSpec {
    const definition = toxicByType(input.type);
    if (!definition)
      throw new ProxyError(ERROR_CODES.toxicType, `toxic type "${input.type}" does not exist`, 400);
    const stream = input.stream ?? 'downstream';
    if (stream !== 'upstream' && stream !== 'downstream') {
      throw new ProxyError(
        ERROR_CODES.toxicStream,
        `stream must be "upstream" or "downstream", not "${stream}"`,
        400,
      );
    }
    const name = input.name ?? `${input.type}_${stream}`;
    if (this.toxicList.some((t) => t.name === name)) {
      throw new ProxyError(
        ERROR_CODES.toxicExists,
        `toxic "${name}" already exists on proxy "${this.name}"`,
        409,
      );
    }
    const toxic: ActiveToxic = {
      name,
      type: input.type,
      stream,
      toxicity: checkToxicity(input.toxicity ?? 1),
      attributes: withDefaults(definition, input.attributes ?? {}),
      definition,
      revision: 0,
      shared: {},
    };
    this.toxicList = [...this.toxicList, toxic];
    this.syncConnections();
    return this.toxics.find((t) => t.name === name) as ToxicSpec;
  }

  updateToxic(name: string, fields: { toxicity?: number; attributes?: Record<string, number> }): ToxicSpec {
    const current = this.findToxic(name);
    const updated: ActiveToxic = {
      ...current,
      toxicity: fields.toxicity !== undefined ? checkToxicity(fields.toxicity) : current.toxicity,
      attributes: withDefaults(current.definition, { ...current.attributes, ...fields.attributes }),
      revision: current.revision + 1,
      shared: {},
    };
    this.toxicList = this.toxicList.map((t) => (t.name === name ? updated : t));
    this.syncConnections();
    return this.toxics.find((t) => t.name === name) as ToxicSpec;
  }

  removeToxic(name: string): void {
    this.findToxic(name);
    this.toxicList = this.toxicList.filter((t) => t.name !== name);
    this.syncConnections();
  }

  removeAllToxics(): void {
    this.toxicList = [];
    this.syncConnections();
  }

  private findToxic(name: string): ActiveToxic {
    const toxic = this.toxicList.find((t) => t.name === name);
    if (!toxic)
      throw new ProxyError(
        ERROR_CODES.toxicNotFound,
        `toxic "${name}" not found on proxy "${this.name}"`,
        404,
      );
    return toxic;
  }

  private syncConnections(): void {
    for (const connection of this.connections) connection.syncToxics(this.toxicList);
  }

  private accept(client: Socket): void {
    this.stats.connectionsAccepted++;
    client.on('error', () => undefined); // handled per connection; never crash the proxy
    const connection = new ProxyConnection(
      client,
      this.upstreamAddress,
      this.toxicList,
      (c) => this.connections.delete(c),
      this.stats,
    );
    this.connections.add(connection);
  }
}

function checkToxicity(value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || value > 1) {
    throw new ProxyError(
      ERROR_CODES.toxicToxicity,
      `toxicity must be a number from 0 to 1, not ${value}`,
      400,
    );
  }
  return value;
}

function withDefaults(definition: ToxicDefinition, given: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, spec] of Object.entries(definition.attributes)) {
    const value = given[key] ?? spec.default;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ProxyError(
        ERROR_CODES.toxicAttribute,
        `attribute "${key}" of ${definition.type} must be a non-negative number (${spec.doc})`,
        400,
      );
    }
    out[key] = value;
  }
  for (const key of Object.keys(given)) {
    if (!(key in definition.attributes)) {
      const known = Object.keys(definition.attributes).join(', ') || 'none';
      throw new ProxyError(
        ERROR_CODES.toxicAttribute,
        `${definition.type} has no attribute "${key}" (it has: ${known})`,
        400,
      );
    }
  }
  return out;
}
