import { connect, type Socket } from 'node:net';

/** A raw TCP client on loopback for proxy tests: what arrived so far, and bounded waits for more. */
export class Wire {
  data = '';
  closed = false;
  error: NodeJS.ErrnoException | undefined;
  private readonly listeners = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.data += d;
      this.notify();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.error = e;
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  /** Connects within `timeoutMs`, or rejects (ECONNREFUSED and friends, or a timeout). */
  static open(port: number, timeoutMs = 2_000): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to 127.0.0.1:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new Wire(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Resolves true once `check(data)` holds, false when `timeoutMs` passes or the socket closes first. */
  waitFor(check: (data: string) => boolean, timeoutMs: number): Promise<boolean> {
    if (check(this.data)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(result);
      };
      const listener = () => {
        if (check(this.data)) done(true);
        else if (this.closed) done(false);
      };
      const timer = setTimeout(() => done(check(this.data)), timeoutMs);
      this.listeners.add(listener);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Connects, sends PING and says whether +PONG came back within `timeoutMs`. */
export async function pingThrough(port: number, timeoutMs = 2_000): Promise<boolean> {
  const wire = await Wire.open(port, timeoutMs);
  try {
    wire.send('PING\r\n');
    return await wire.waitFor((d) => d.includes('+PONG\r\n'), timeoutMs);
  } finally {
    wire.close();
  }
}

/** The error code a connection attempt to `port` fails with, or undefined when it connects. */
export async function connectError(port: number, timeoutMs = 2_000): Promise<string | undefined> {
  try {
    const wire = await Wire.open(port, timeoutMs);
    wire.close();
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}
