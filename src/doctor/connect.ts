import { readFileSync } from 'node:fs';
import { Redis, ReplyError } from 'ioredis';
import { ERROR_CODES, type ErrorCode } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { endpointOf, type RedisTarget } from '../core/redis-url.js';

export interface ConnectOptions {
  timeoutMs: number;
  tlsCaFile?: string | undefined;
  tlsInsecure?: boolean | undefined;
  /** Name shown in CLIENT LIST, so the doctor's own connection is never counted as an app's. */
  connectionName?: string;
}

/** CLIENT SETNAME of the doctor's own connection. */
export const DOCTOR_CONNECTION_NAME = 'lifeline-doctor';

/**
 * Opens one read-only connection: no retries, no offline queue, RESP2, every command bounded by
 * `timeoutMs`. Failures become a CannotRunError whose message says what to try.
 */
export async function connect(target: RedisTarget, options: ConnectOptions): Promise<Redis> {
  const tls = target.tls ? tlsOptions(options) : undefined;
  const redis = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    username: target.username,
    password: target.password,
    tls,
    protocol: 2,
    lazyConnect: true,
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    retryStrategy: () => null,
    // ioredis waits this long for a socket that never opened before letting the process exit.
    disconnectTimeout: 100,
    disableClientInfo: true,
    // No connectionName here: ioredis would send CLIENT SETNAME first and swallow its reply, which
    // is where a full server puts "-ERR max number of clients reached". PING first, then SETNAME.
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError ??= error;
  });
  try {
    await withDeadline(redis.connect(), options.timeoutMs + 500, 'connect');
    // Proves the peer speaks Redis and that we are allowed in (AUTH ran during connect).
    await redis.ping();
    await redis.client('SETNAME', options.connectionName ?? DOCTOR_CONNECTION_NAME).catch(() => undefined);
    rememberOwnPort(redis.stream?.localPort);
    return redis;
  } catch (error) {
    redis.disconnect();
    // The server's own words (-ERR max clients, -NOAUTH) say more than the socket error after them.
    const cause = error instanceof ReplyError ? (error as Error) : (lastError ?? (error as Error));
    throw explainConnectError(cause, target, options);
  }
}

// The local ports of the doctor's own connections (this process's probe, session, reopened sessions),
// so that reading this host's sockets to the target leaves them out. Kept 2 minutes: a closed one sits
// in TIME_WAIT for 60 s on Linux. Bounded: a long watch never grows it past OWN_PORTS_MAX.
const OWN_PORT_TTL_MS = 120_000;
const OWN_PORTS_MAX = 1024;
const ownPorts = new Map<number, number>();

function rememberOwnPort(port: number | undefined): void {
  if (port === undefined) return;
  ownPorts.delete(port);
  ownPorts.set(port, Date.now());
  for (const oldest of ownPorts.keys()) {
    if (ownPorts.size <= OWN_PORTS_MAX) break;
    ownPorts.delete(oldest);
  }
}

/** Local ports of connections the doctor opened in this process within the last two minutes. */
export function doctorLocalPorts(now = Date.now()): Set<number> {
  const ports = new Set<number>();
  for (const [port, at] of ownPorts) {
    if (now - at <= OWN_PORT_TTL_MS) ports.add(port);
    else ownPorts.delete(port);
  }
  return ports;
}

function tlsOptions(options: ConnectOptions): Record<string, unknown> {
  const tls: Record<string, unknown> = {};
  if (options.tlsCaFile) {
    try {
      tls.ca = readFileSync(options.tlsCaFile);
    } catch (error) {
      throw new CannotRunError(
        ERROR_CODES.tlsCa,
        `Cannot read the TLS CA file ${options.tlsCaFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      );
    }
  }
  if (options.tlsInsecure) tls.rejectUnauthorized = false;
  return tls;
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what} timed out`), { code: 'ETIMEDOUT' })),
      ms,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** One sentence naming the endpoint, what went wrong, and what to try. */
export function explainConnectError(
  error: Error,
  target: RedisTarget,
  options: ConnectOptions,
): CannotRunError {
  const where = endpointOf(target);
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const text = redactText(error.message, [target.password]);
  const make = (errorCode: ErrorCode, message: string) =>
    new CannotRunError(errorCode, message, { cause: undefined });

  if (code === 'ECONNREFUSED')
    return make(
      ERROR_CODES.unreachable,
      `Cannot connect to ${where}: connection refused. Is Redis running there, on that port?`,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return make(
      ERROR_CODES.unreachable,
      `Cannot resolve host "${target.host}". Check the host name in the URL.`,
    );
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return make(
      ERROR_CODES.unreachable,
      `Cannot reach ${where}: ${code}. Check the address and the network path.`,
    );
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text))
    return make(
      ERROR_CODES.auth,
      `Authentication to ${where} failed (wrong user or password). Check the credentials in the URL.`,
    );
  if (/NOAUTH|Authentication required/i.test(text))
    return make(
      ERROR_CODES.auth,
      `${where} requires a password. Put it in the URL: redis://[user]:password@${where} (or in REDIS_URL).`,
    );
  if (/max number of clients reached/i.test(text))
    return make(
      ERROR_CODES.serverFull,
      `${where} refused the connection: "max number of clients reached". The server is at maxclients right now, which is itself why connections drop; free connections or raise maxclients, then run the doctor again.`,
    );
  if (/DENIED.*protected mode/i.test(text))
    return make(
      ERROR_CODES.protectedMode,
      `${where} refused the connection because it runs in protected mode (no password, non-loopback client). Set a password or run the doctor on the server host.`,
    );
  if (/Protocol error|Unknown RESP type|reply type|HTTP/i.test(text))
    return make(
      ERROR_CODES.notRedis,
      `${where} answered, but not in the Redis protocol (${/HTTP|"H"/.test(text) ? 'it looks like an HTTP server' : 'unexpected reply'}). Check the port.`,
    );
  if (/SSL|TLS|certificate|wrong version number|self.signed|EPROTO/i.test(`${code} ${text}`)) {
    // OpenSSL messages span lines and carry source paths; keep the reason only.
    const reason = /SSL routines:[^:]*:([^:\n]+)/.exec(text)?.[1] ?? text.split('\n')[0];
    return make(
      ERROR_CODES.tls,
      `TLS handshake with ${where} failed (${reason}). If the server does not use TLS, use redis:// instead of rediss://; for a private CA pass --tls-ca FILE (or --tls-insecure to skip verification).`,
    );
  }
  if (code === 'ETIMEDOUT' || /timed out|timeout/i.test(text))
    return make(
      ERROR_CODES.timeout,
      `No reply from ${where} within ${options.timeoutMs} ms. ${target.tls ? 'If the server does not use TLS, use redis:// instead of rediss://. ' : 'If the server uses TLS, use rediss://. '}Otherwise check that this is a Redis port, or raise --timeout.`,
    );
  if (code === 'ECONNRESET' || code === 'EPIPE' || /Connection is closed|closed/i.test(text))
    return make(
      ERROR_CODES.closed,
      `${where} closed the connection during the handshake (${code || text}). ${target.tls ? 'Check that the server expects TLS.' : 'If the server expects TLS, use rediss://.'}`,
    );
  return make(ERROR_CODES.connect, `Cannot use ${where}: ${text.replace(/\s+/g, ' ').trim()}.`);
}
