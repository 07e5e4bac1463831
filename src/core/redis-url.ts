import { ERROR_CODES } from './error-codes.js';
import { CannotRunError } from './errors.js';
import { redactUrl } from './redact.js';

export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
  /** The URL with its password replaced: the only form that may be printed. */
  url: string;
}

export const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** Parses redis://[user[:password]@]host[:port][/db] and rediss:// (TLS). */
export function parseRedisUrl(input: string): RedisTarget {
  const bad = (why: string) =>
    new CannotRunError(
      ERROR_CODES.badUrl,
      `Malformed Redis URL "${redactUrl(input)}": ${why}. Expected redis://[user:password@]host[:port][/db] or rediss://... for TLS.`,
    );
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw bad('it is not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw bad(`unsupported scheme "${url.protocol}"`);
  if (!url.hostname) throw bad('no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port "${url.port}" is out of range`);
  const path = url.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) throw bad(`database "${path}" is not a number`);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    tls: url.protocol === 'rediss:',
    url: redactUrl(input),
  };
}

export const endpointOf = (t: Pick<RedisTarget, 'host' | 'port'>): string =>
  t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
