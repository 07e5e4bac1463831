import { connect, type Socket } from 'node:net';
import type { ConnectionControl, Stream } from '../toxics/define-toxic.js';
import type { ActiveToxic } from './active-toxic.js';
import type { Address } from './address.js';
import { Link } from './link.js';
import { ToxicInstance } from './toxic-instance.js';

let nextId = 1;

/** One client connection through the proxy: two links, the toxics applied to it, and how it closes. */
export class ProxyConnection implements ConnectionControl {
  readonly id = nextId++;
  lastActivityAt = performance.now();
  private readonly server: Socket;
  private readonly instances = new Map<string, ToxicInstance>();
  private order: readonly ActiveToxic[] = [];
  private ghost = false;
  private closing = false;
  private closed = false;
  private readonly upstream: Link;
  private readonly downstream: Link;

  constructor(
    private readonly client: Socket,
    upstream: Address,
    toxics: readonly ActiveToxic[],
    private readonly onClosed: (connection: ProxyConnection) => void,
    readonly stats: { upstreamBytes: number; downstreamBytes: number },
  ) {
    this.server = connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true, noDelay: true });
    client.setNoDelay(true);
    this.upstream = new Link('upstream', client, this.server, () => this.chain('upstream'));
    this.downstream = new Link('downstream', this.server, client, () => this.chain('downstream'));
    this.syncToxics(toxics);

    client.on('data', (data: Buffer) => {
      this.lastActivityAt = performance.now();
      stats.upstreamBytes += data.length;
      if (!this.closing) this.upstream.push(data);
    });
    this.server.on('data', (data: Buffer) => {
      this.lastActivityAt = performance.now();
      stats.downstreamBytes += data.length;
      if (!this.ghost && !this.closing) this.downstream.push(data);
    });
    client.on('end', () => this.upstream.pushEnd());
    this.server.on('end', () => {
      // A ghost's server gave up: answer its FIN so the connection can go.
      if (this.ghost) this.server.end();
      else this.downstream.pushEnd();
    });
    // A reset on one side is passed on as a reset; any other failure closes the other side.
    client.on('error', (error: NodeJS.ErrnoException) => {
      if (!this.ghost) this.mirror(this.server, error);
    });
    this.server.on('error', (error: NodeJS.ErrnoException) => this.mirror(client, error));
    client.on('close', () => {
      if (!this.ghost) this.closeAfterDrain(this.upstream, this.server);
      this.maybeClosed();
    });
    this.server.on('close', () => {
      this.closeAfterDrain(this.downstream, client);
      this.maybeClosed();
    });
  }

  /** Brings the toxic instances in line with the proxy's list: new ones start, removed or updated ones stop. */
  syncToxics(toxics: readonly ActiveToxic[]): void {
    this.order = toxics;
    const kept = new Map<string, Record<string, unknown>>();
    for (const [name, instance] of this.instances) {
      const current = toxics.find((t) => t.name === name);
      if (!current) {
        instance.stop('removed');
        this.instances.delete(name);
      } else if (current.revision !== instance.revision) {
        instance.stop('updated');
        this.instances.delete(name);
        if (current.definition.keepStateOnUpdate) kept.set(name, instance.state);
      }
    }
    if (this.closed) return;
    for (const toxic of toxics) {
      if (!this.instances.has(toxic.name))
        this.instances.set(toxic.name, new ToxicInstance(toxic, this, kept.get(toxic.name)));
    }
  }

  reset(): void {
    if (!this.client.destroyed) this.client.resetAndDestroy();
    if (!this.server.destroyed) this.server.resetAndDestroy();
  }

  resetClientKeepServer(): void {
    this.ghost = true;
    if (!this.client.destroyed) this.client.resetAndDestroy();
  }

  close(): void {
    // Nothing read from now on goes through (Toxiproxy's closed stub ends the link).
    this.closing = true;
    // After what the toxics further down the chain still hold (limit_data followed by latency).
    void this.downstream.drained().then(() => {
      if (!this.client.destroyed) this.client.end();
    });
    void this.upstream.drained().then(() => {
      if (!this.server.destroyed) this.server.end();
    });
  }

  discard(stream: Stream): void {
    (stream === 'upstream' ? this.upstream : this.downstream).discard();
  }

  /** Ends the connection from the proxy's side (proxy disabled or stopped). */
  destroy(): void {
    this.client.destroy();
    this.server.destroy();
  }

  private chain(stream: Stream): ToxicInstance[] {
    const out: ToxicInstance[] = [];
    for (const toxic of this.order) {
      const instance = this.instances.get(toxic.name);
      if (instance?.sees(stream)) out.push(instance);
    }
    return out;
  }

  /** One side is gone: the other goes once its link delivered what it still holds, and its buffer flushed. */
  private closeAfterDrain(link: Link, other: Socket): void {
    void link.drained().then(() => {
      if (other.destroyed) return;
      if (other.writableLength === 0) other.destroy();
      else other.once('finish', () => other.destroy()).end();
    });
  }

  private mirror(other: Socket, error: NodeJS.ErrnoException): void {
    if (other.destroyed) return;
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE') other.resetAndDestroy();
    else other.destroy();
  }

  /** Gone once both sockets are: a ghost's server side lives on until the server gives up on it. */
  private maybeClosed(): void {
    if (this.closed || !this.client.destroyed || !this.server.destroyed) return;
    this.closed = true;
    for (const instance of this.instances.values()) instance.stop('closed');
    this.instances.clear();
    this.onClosed(this);
  }
}
