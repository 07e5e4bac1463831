/**
 * Sockets a test can watch byte by byte: a peer server on 127.0.0.1 (echoing or silent) and clients,
 * both recording what arrived and how the connection ended. On Node a TCP RST shows up as an 'error'
 * with code ECONNRESET, a FIN as 'end'. Every wait here is bounded.
 */
import { once } from 'node:events';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';

/** A socket and everything that happened to it, with times on the performance.now() clock. */
export class WatchedSocket {
  readonly reads: { data: Buffer; at: number }[] = [];
  /** When the peer's FIN arrived ('end'). */
  endedAt: number | undefined;
  /** The error code, e.g. ECONNRESET when the peer sent a RST. */
  errorCode: string | undefined;
  errorAt: number | undefined;
  closedAt: number | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.reads.push({ data, at: performance.now() });
      this.changed();
    });
    socket.on('end', () => {
      this.endedAt = performance.now();
      this.changed();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.errorCode ??= error.code ?? error.message;
      this.errorAt ??= performance.now();
      this.changed();
    });
    socket.on('close', () => {
      this.closedAt = performance.now();
      this.changed();
    });
  }

  get received(): Buffer {
    return Buffer.concat(this.reads.map((r) => r.data));
  }
  get receivedLength(): number {
    return this.reads.reduce((n, r) => n + r.data.length, 0);
  }
  /** Anything at all happened since the socket was set up: bytes, FIN, error or close. */
  get quiet(): boolean {
    return (
      this.reads.length === 0 &&
      this.endedAt === undefined &&
      this.errorCode === undefined &&
      this.closedAt === undefined
    );
  }
  /** What happened, for assertion messages. */
  get summary(): string {
    return `received ${this.receivedLength} bytes, end=${this.endedAt !== undefined}, error=${this.errorCode ?? 'none'}, closed=${this.closedAt !== undefined}`;
  }

  /** Forgets the bytes read so far (after a test proved the path works). */
  clearReads(): void {
    this.reads.length = 0;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves once `check` holds (re-checked on every event), or rejects after `timeoutMs`. */
  until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.summary})`));
      }, timeoutMs);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }

  /** Waits until at least `length` bytes arrived and returns all bytes so far. */
  async receive(length: number, timeoutMs: number): Promise<Buffer> {
    await this.until(`${length} bytes`, () => this.receivedLength >= length, timeoutMs);
    return this.received;
  }

  /** Waits until `text` has arrived (anywhere in what was received). */
  async receiveText(text: string, timeoutMs: number): Promise<void> {
    await this.until(`"${text}"`, () => this.received.includes(text), timeoutMs);
  }

  waitEnd(timeoutMs: number): Promise<void> {
    return this.until('FIN (end)', () => this.endedAt !== undefined, timeoutMs);
  }
  waitError(timeoutMs: number): Promise<void> {
    return this.until('an error', () => this.errorCode !== undefined, timeoutMs);
  }
  waitClose(timeoutMs: number): Promise<void> {
    return this.until('close', () => this.closedAt !== undefined, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export interface PeerServer {
  port: number;
  address: string;
  /** Every connection accepted so far, in order. */
  readonly accepted: WatchedSocket[];
  /** The `index`-th accepted connection (0-based), waiting up to `timeoutMs` for it. */
  connection(index: number, timeoutMs: number): Promise<WatchedSocket>;
  /** Destroys every accepted socket and stops listening. */
  close(): Promise<void>;
}

export interface PeerServerOptions {
  /**
   * Echo every byte back, and answer the client's FIN with a FIN (after the echo).
   * Otherwise the server stays silent and the test writes for it. @default false
   */
  echo?: boolean;
}

/** A TCP server on 127.0.0.1 whose accepted sockets the test can watch and drive. */
export async function startPeerServer(options: PeerServerOptions = {}): Promise<PeerServer> {
  const accepted: WatchedSocket[] = [];
  const onAccept = new Set<() => void>();
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const watched = new WatchedSocket(socket);
    if (options.echo) {
      socket.on('data', (data: Buffer) => socket.write(data));
      socket.on('end', () => socket.end());
    }
    accepted.push(watched);
    for (const notify of [...onAccept]) notify();
  });
  server.listen(0, '127.0.0.1');
  await withTimeout(once(server, 'listening'), 5_000, 'the peer server to listen');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    address: `127.0.0.1:${port}`,
    accepted,
    connection(index, timeoutMs) {
      const found = accepted[index];
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          onAccept.delete(notify);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for server connection #${index}`));
        }, timeoutMs);
        const notify = () => {
          const socket = accepted[index];
          if (!socket) return;
          clearTimeout(timer);
          onAccept.delete(notify);
          resolve(socket);
        };
        onAccept.add(notify);
      });
    },
    async close() {
      for (const socket of accepted) socket.destroy();
      await withTimeout(
        new Promise<void>((resolve) => server.close(() => resolve())),
        5_000,
        'the peer server to close',
      );
    },
  };
}

/**
 * A client connection to `port` on 127.0.0.1, watched from the start; resolves once connected. Like
 * most clients it answers a FIN with a FIN, unless `allowHalfOpen`.
 */
export async function connectClient(
  port: number,
  options: { allowHalfOpen?: boolean; timeoutMs?: number } = {},
): Promise<WatchedSocket> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const socket = netConnect({
    host: '127.0.0.1',
    port,
    noDelay: true,
    allowHalfOpen: options.allowHalfOpen ?? false,
  });
  const watched = new WatchedSocket(socket);
  await withTimeout(once(socket, 'connect'), timeoutMs, `a connection to 127.0.0.1:${port}`);
  return watched;
}

/** `promise`, or a rejection naming `what` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
