import type { Cause } from '../core/causes.js';
import type { ClientName } from './client-signature.js';
import type { SocketEvent } from './socket-event.js';

/**
 * Words the lab does not reproduce (timeouts, TLS, a connection shared across fork, server replies that
 * name their cause), read from the clients' sources and Redis's: what each means, causes most likely
 * first. The lab's own words and their measured causes are in data/error-catalogue.json.
 */
export interface SourceMessage {
  /** The library that prints it; absent: any client carrying the server's or the kernel's words. */
  client?: ClientName;
  words: RegExp;
  socketEvent: SocketEvent;
  causes: readonly Cause[];
  /** Where the words come from. */
  source: string;
}

export const SOURCE_MESSAGES: readonly SourceMessage[] = [
  // The server's replies: each names its cause.
  {
    words: /max number of clients reached/,
    socketEvent: 'server-error',
    causes: ['maxclients'],
    source: 'redis src/networking.c acceptCommonHandler',
  },
  {
    words: /\bLOADING\b/,
    socketEvent: 'server-error',
    causes: ['server-restart', 'server-crash', 'failover'],
    source: 'redis src/server.c: LOADING while the dataset loads after a start or a full sync',
  },
  {
    words: /\b(READONLY|MASTERDOWN)\b/,
    socketEvent: 'server-error',
    causes: ['failover'],
    source: 'redis src/server.c: a replica (READONLY), or one whose master link is down (MASTERDOWN)',
  },
  {
    words: /\b(CLUSTERDOWN|TRYAGAIN)\b/,
    socketEvent: 'server-error',
    causes: ['failover', 'unknown'],
    source: 'redis src/cluster.c getNodeByQuery',
  },
  {
    words: /\bOOM command not allowed/,
    socketEvent: 'server-error',
    causes: ['oom-kill'],
    source: 'redis src/server.c: maxmemory reached with a noeviction policy (the connection stays up)',
  },
  {
    words: /\bBUSY\b/,
    socketEvent: 'server-error',
    causes: ['app-misuse'],
    source: 'redis src/server.c: a script or function runs past busy-reply-threshold',
  },
  {
    client: 'redis-py',
    words: /Connection not ready/,
    socketEvent: 'server-error',
    causes: ['maxclients', 'app-misuse'],
    source:
      'redis-py redis/connection.py: a fresh connection already held data before its first command: the server wrote first, which it does only to refuse a client (max number of clients, protected mode)',
  },
  // A desynchronised stream: two processes or threads reading one socket.
  {
    words: /protocol error|ProtocolError|invalid (multi)?bulk length|unknown response type|bad response/i,
    socketEvent: 'protocol',
    causes: ['app-misuse', 'client-bug', 'network'],
    source:
      'redis-py InvalidResponse, redis-rb ProtocolError, node-redis/ioredis parsers: replies read by the wrong reader',
  },
  {
    client: 'redis-rb',
    words: /child process without reconnecting|inherit_socket/,
    socketEvent: 'closed',
    causes: ['app-misuse'],
    source: 'redis-rb 4.x lib/redis/client.rb ensure_connected (InheritedError)',
  },
  {
    client: 'ioredis',
    words: /Command queue state error/,
    socketEvent: 'protocol',
    causes: ['client-bug', 'app-misuse'],
    source: 'ioredis lib/DataHandler.ts: a reply with no command waiting for it',
  },
  {
    client: 'phpredis',
    words: /Error processing response from Redis node/,
    socketEvent: 'protocol',
    causes: ['client-bug', 'tls', 'network'],
    source: 'phpredis cluster_library.c: a cluster node reply that could not be read',
  },
  {
    client: 'phpredis',
    words: /read error on connection/,
    socketEvent: 'eof',
    causes: ['idle-timeout', 'half-open', 'network'],
    source: 'phpredis library.c redis_sock_gets: nothing read, at EOF or after read_timeout',
  },
  {
    client: 'phpredis',
    words: /Redis server went away/,
    socketEvent: 'closed',
    causes: ['idle-timeout', 'server-restart', 'app-misuse'],
    source: 'phpredis library.c: the connection was already gone when a command was written',
  },
  {
    words: /send of \d+ bytes failed with errno=32/,
    socketEvent: 'reset',
    causes: ['idle-timeout', 'app-misuse', 'server-restart'],
    source:
      "PHP's socket streams: a write on a connection the peer closed (or another process's, after fork)",
  },
  // Timeouts: the client gave up; the server may never have seen a problem.
  {
    client: 'ioredis',
    words: /Command timed out/,
    socketEvent: 'timeout',
    causes: ['half-open', 'network', 'app-misuse', 'unknown'],
    source: 'ioredis lib/Redis.ts commandTimeout',
  },
  {
    client: 'redis-py',
    words: /Timeout reading from|Timeout connecting to server/,
    socketEvent: 'timeout',
    causes: ['half-open', 'network', 'unknown'],
    source: 'redis-py redis/connection.py socket_timeout / socket_connect_timeout',
  },
  {
    words: /\bETIMEDOUT\b|Connection timed out/,
    socketEvent: 'timeout',
    causes: ['half-open', 'lb-idle-reset', 'network'],
    source: 'the kernel: TCP retransmissions or keepalive probes went unanswered (or connect timed out)',
  },
  {
    words: /Resource temporarily unavailable|\bEAGAIN\b/,
    socketEvent: 'timeout',
    causes: ['half-open', 'network', 'unknown'],
    source: 'SO_RCVTIMEO expired (hiredis, phpredis read_timeout)',
  },
];

/**
 * Causes the lab cannot stage that also end in each event: an OOM kill ends like a crash, a failover
 * behind one address like a restart. They follow the measured causes.
 */
export const ALSO_CAUSES: Readonly<Record<SocketEvent, readonly Cause[]>> = {
  eof: ['idle-timeout', 'lb-idle-reset', 'server-restart', 'client-kill', 'oom-kill', 'failover'],
  // A restart with unread bytes in the server's buffers ends in RST, not FIN (Windows: WinError 10054).
  reset: ['server-restart', 'oom-kill', 'failover'],
  // Nothing listening, or no such name: a wrong address in the app's settings as often as an outage.
  refused: ['oom-kill', 'failover', 'app-misuse'],
  closed: ['server-restart', 'idle-timeout', 'half-open', 'network', 'app-misuse'],
  timeout: ['half-open', 'network', 'app-misuse'],
  unreachable: ['network', 'failover', 'app-misuse'],
  'server-error': [],
  tls: ['tls'],
  protocol: ['app-misuse'],
};
