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

/** host:port of a server found in a topology (a sentinel, a master, a replica, a cluster node). */
export interface NodeAddress {
  host: string;
  port: number;
}

/** A master reached through Sentinel: the sentinels to ask, the master's name, the data nodes' login. */
/** The sentinels' own login, when they have one apart from the data nodes' (never printed). */
export interface SentinelAuth {
  username?: string;
  password?: string;
}

export interface SentinelTarget {
  sentinels: NodeAddress[];
  masterName: string;
  db: number;
  /** Credentials of the data nodes (the master and replicas), not of the sentinels. */
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
  /** The URL with its password replaced: the only form that may be printed. */
  url: string;
}

export const SENTINEL_PORT = 26379;

const SENTINEL_SCHEME = /^(rediss?)\+sentinel:\/\//i;

/** redis+sentinel:// or rediss+sentinel://: a master to reach through Sentinel. */
export const isSentinelUrl = (input: string): boolean => SENTINEL_SCHEME.test(input);

/**
 * Parses redis+sentinel://[user[:password]@]host[:port][,host[:port]...]/<master-name>[/db]
 * (rediss+sentinel:// for TLS to the data nodes). Sentinel ports default to 26379.
 */
export function parseSentinelUrl(input: string): SentinelTarget {
  const scheme = SENTINEL_SCHEME.exec(input);
  const bad = (why: string) =>
    new CannotRunError(
      ERROR_CODES.badUrl,
      `Malformed Sentinel URL "${redactSentinelUrl(input)}": ${why}. Expected redis+sentinel://[user:password@]host[:port][,host[:port]...]/<master-name>[/db].`,
    );
  if (!scheme) throw bad('not a redis+sentinel:// URL');
  const rest = input.slice(scheme[0].length);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const hostList = at < 0 ? authority : authority.slice(at + 1);
  const colon = userinfo.indexOf(':');
  const decode = (text: string, what: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw bad(`the ${what} is not valid percent-encoding`);
    }
  };
  const username = userinfo === '' ? '' : decode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user');
  const password = colon < 0 ? '' : decode(userinfo.slice(colon + 1), 'password');
  if (hostList === '') throw bad('no sentinel host');
  const sentinels = hostList.split(',').map((entry) => {
    const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(entry);
    if (!m) throw bad(`"${entry}" is not host[:port]`);
    const port = m[2] === undefined ? SENTINEL_PORT : Number(m[2]);
    if (port < 1 || port > 65535) throw bad(`port "${m[2]}" is out of range`);
    return { host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
  });
  const [name = '', dbText, ...extra] = path.split('/');
  if (name === '') throw bad('no master name (the name Sentinel monitors, e.g. /mymaster)');
  if (extra.length > 0) throw bad('too many path parts');
  const db = dbText === undefined || dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw bad(`database "${dbText}" is not a number`);
  return {
    sentinels,
    masterName: decode(name, 'master name'),
    db,
    username: username || undefined,
    password: password || undefined,
    tls: (scheme[1] as string).toLowerCase() === 'rediss',
    url: redactSentinelUrl(input),
  };
}

/** The Sentinel URL with its password replaced (anything unparsable before an @ is dropped). */
function redactSentinelUrl(input: string): string {
  return input.replace(/^([^/]*\/\/)([^@/]*)@/, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

/** The URL of one data node of a topology, with the topology's credentials (never printed). */
export function nodeUrl(
  login: Pick<RedisTarget, 'username' | 'password' | 'tls' | 'db'>,
  node: NodeAddress,
): string {
  const user = login.username ? encodeURIComponent(login.username) : '';
  const pass = login.password ? `:${encodeURIComponent(login.password)}` : '';
  const auth = user || pass ? `${user}${pass}@` : '';
  const db = login.db ? `/${login.db}` : '';
  return `${login.tls ? 'rediss' : 'redis'}://${auth}${endpointOf(node)}${db}`;
}
