/**
 * Fault-proxy tests in Toxiproxy's style (WithEstablishedProxy): a peer server, a FaultProxy in front of
 * it, a client through it, and proof that bytes pass both ways before any toxic is added. Everything a
 * test opens is registered here and closed by `close()` (call it in afterEach).
 */
import { FaultProxy } from '../../src/lab/proxy/proxy.js';
import {
  connectClient,
  type PeerServer,
  type PeerServerOptions,
  startPeerServer,
  type WatchedSocket,
  withTimeout,
} from './echo-server.js';

export interface Established {
  /** The test's client, connected to the proxy. */
  client: WatchedSocket;
  /** The same connection as the peer server accepted it. */
  server: WatchedSocket;
}

export class ProxyLab {
  private readonly closers: (() => void | Promise<void>)[] = [];

  /** Registers anything else to close with the rest (a redis-server, a raw listener). */
  defer(close: () => void | Promise<void>): void {
    this.closers.push(close);
  }

  async peer(options: PeerServerOptions = {}): Promise<PeerServer> {
    const peer = await startPeerServer(options);
    this.closers.push(() => peer.close());
    return peer;
  }

  /** A started proxy on 127.0.0.1:0 in front of `upstream` ("127.0.0.1:<port>"). */
  async proxy(upstream: string): Promise<FaultProxy> {
    const proxy = new FaultProxy({ name: 'test', upstream });
    this.closers.push(() => withTimeout(proxy.stop(), 5_000, 'the proxy to stop'));
    return proxy.start();
  }

  /** A client connected to `port` on 127.0.0.1. */
  async client(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<WatchedSocket> {
    const client = await connectClient(port, options);
    this.closers.push(() => client.destroy());
    return client;
  }

  /**
   * A client through `proxy` to a silent `peer`, after proving a message passes each way (and then
   * forgetting those bytes, so the test sees only what happens next).
   */
  async established(
    proxy: FaultProxy,
    peer: PeerServer,
    options: { allowHalfOpen?: boolean } = {},
  ): Promise<Established> {
    const index = peer.accepted.length;
    const client = await this.client(proxy.port, options);
    const server = await peer.connection(index, 2_000);
    client.write('ping\n');
    await server.receiveText('ping\n', 2_000);
    server.write('pong\n');
    await client.receiveText('pong\n', 2_000);
    client.clearReads();
    server.clearReads();
    return { client, server };
  }

  /** Closes everything, last opened first, whatever fails. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch (error) {
        errors.push(error);
      }
    }
    this.closers.length = 0;
    if (errors.length > 0) throw errors[0];
  }
}
