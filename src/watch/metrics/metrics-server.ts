import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ERROR_CODES } from '../../core/error-codes.js';
import { CannotRunError } from '../../core/errors.js';

export interface MetricsServerOptions {
  /** Interface to listen on; loopback unless the operator says otherwise. */
  host?: string;
  /** 0 picks a free port (the returned url says which). */
  port: number;
  registry: Registry;
  /** How long close() lets open scrapes finish before cutting them. */
  closeGraceMs?: number;
}

export interface MetricsServer {
  /** `http://host:port`, without a path. */
  url: string;
  port: number;
  /** Stops listening; resolves within about closeGraceMs even with scrapes in flight. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) and `GET /` or `/healthz` (a short text) for a
 * prom-client registry with node:http; anything else is 404 (405 for another method on a known path).
 */
export async function startMetricsServer({
  host = '127.0.0.1',
  port,
  registry,
  closeGraceMs = 1000,
}: MetricsServerOptions): Promise<MetricsServer> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CannotRunError(
      ERROR_CODES.metricsPort,
      `The metrics port must be an integer from 0 to 65535, not ${String(port)}.`,
    );
  }

  const server = createServer((req, res) => {
    handle(req, res, registry).catch((error: unknown) => {
      if (!res.headersSent)
        reply(res, 500, 'text/plain; charset=utf-8', `metrics failed: ${oneLine(error)}\n`);
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenError(error, host, port));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  // After listen, an error must not crash the process; a broken accept only costs scrapes.
  server.on('error', () => undefined);

  const actualPort = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${shownHost}:${actualPort}`,
    port: actualPort,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const hardStop = setTimeout(() => {
          server.closeAllConnections();
          // Sockets are destroyed now; give the close callback one more tick, then resolve anyway.
          setTimeout(resolve, 50).unref();
        }, closeGraceMs);
        hardStop.unref();
        server.close(() => {
          clearTimeout(hardStop);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, registry: Registry): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const known = path === '/metrics' || path === '/' || path === '/healthz';
  if (!known) {
    reply(res, 404, 'text/plain; charset=utf-8', 'Not found: try /metrics\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    reply(res, 405, 'text/plain; charset=utf-8', 'Method not allowed: use GET\n');
    return;
  }
  if (path === '/metrics') {
    const body = await registry.metrics();
    reply(res, 200, registry.contentType, body);
    return;
  }
  reply(res, 200, 'text/plain; charset=utf-8', 'redis-lifeline watch: ok (metrics at /metrics)\n');
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): CannotRunError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const message =
    error.code === 'EADDRINUSE'
      ? `Cannot serve metrics on ${where}: the port is already in use, so choose another metrics port.`
      : error.code === 'EACCES'
        ? `Cannot serve metrics on ${where}: permission denied, so choose a port above 1023.`
        : error.code === 'EADDRNOTAVAIL'
          ? `Cannot serve metrics on ${where}: no interface has that address, so choose a local address.`
          : `Cannot serve metrics on ${where}: ${oneLine(error)}.`;
  return new CannotRunError(ERROR_CODES.metricsPort, message, { cause: error });
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
