import type { ClientName } from './client-signature.js';

/**
 * Client defects that end in connection errors, each fixed in a named version (from the clients' issue
 * threads): explain lists `client-bug` for their words, with the version to upgrade past.
 */
export interface KnownClientBug {
  client: ClientName;
  words: RegExp;
  /** What was wrong, and the release that fixed it. */
  summary: string;
  url: string;
}

export const KNOWN_CLIENT_BUGS: readonly KnownClientBug[] = [
  {
    client: 'redis-rb',
    words: /EOFError|Connection lost|Broken pipe/,
    summary:
      'redis-rb 5 (redis-client before 0.13.0) dropped SO_KEEPALIVE: idle connections die behind NATs; upgrade redis-client to 0.13.0+',
    url: 'https://github.com/redis/redis-rb/issues/1180',
  },
  {
    client: 'redis-rb',
    words: /ETIMEDOUT|Timed out connecting|TimeoutError/,
    summary: 'redis-rb 3.3.2 and 3.3.3 timed out connecting where 3.3.1 did not; upgrade past 3.3.3',
    url: 'https://github.com/redis/redis-rb/issues/685',
  },
  {
    client: 'ioredis',
    words: /Connection is closed/,
    summary:
      'ioredis 2.0.x Cluster failed commands with "Connection is closed." on node reconnects; fixed in 2.1.0',
    url: 'https://github.com/redis/ioredis/issues/337',
  },
  {
    client: 'phpredis',
    words: /getaddrinfo failed|php_network_getaddresses/,
    summary: 'phpredis before 5.3.0 has no TLS and resolves a tls:// host as a name; upgrade to 5.3.0+',
    url: 'https://github.com/phpredis/phpredis/issues/1632',
  },
  {
    client: 'node-redis',
    words: /connect ETIMEDOUT/,
    summary:
      'node_redis 2.x ignored connect_timeout for unreachable hosts (the OS timeout fired instead); upgrade to node-redis 4+',
    url: 'https://github.com/redis/node-redis/issues/587',
  },
];
