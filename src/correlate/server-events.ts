import type { Cause } from '../core/causes.js';

/** Something the server did (or that was seen of it) that can drop client connections. */
export interface ServerEvent {
  id: number;
  /** Best estimate of when, epoch ms. */
  at: number;
  /** When it can have happened: a log line is exact, a watch sample or INFO uptime is a span. */
  from: number;
  to: number;
  source: 'log' | 'info' | 'history';
  /** The log event kind, watch's incident kind, or "started" from INFO uptime. */
  kind: string;
  cause: Cause;
  title: string;
  /** The client it closed, as the server logged it (never raw data: name, lib, address, class). */
  client?: { id?: string; name?: string; libName?: string; addr?: string; flags?: string; cmd?: string };
}

/** A span of time a source of server events covers: outside it, no event there means nothing. */
export interface Coverage {
  source: ServerEvent['source'];
  what: string;
  from: number;
  to: number;
}

/** Facts from INFO/CONFIG when a URL was given. */
export interface ServerFacts {
  url: string;
  runId?: string;
  startedAt?: number;
  uptimeS?: number;
  version?: string;
  counters: Record<string, number>;
  /** CONFIG timeout (idle reaping, logged only at verbose level), seconds. */
  idleTimeoutS?: number;
  maxclients?: number;
  logPath?: string;
  /** Why the server's log could not be read, when it could not. */
  logUnavailable?: string;
}

/** Which socket events each cause can end in, as the client sees it. */
const ENDS_IN: Record<string, readonly string[]> = {
  closes: ['eof', 'reset', 'closed', 'timeout', 'protocol'],
  down: ['eof', 'reset', 'closed', 'timeout', 'refused', 'server-error', 'protocol'],
  full: ['server-error', 'eof', 'reset', 'closed'],
};
const CAUSE_ENDS: Partial<Record<Cause, readonly string[]>> = {
  'output-buffer-limit': ENDS_IN.closes,
  'query-buffer-limit': ENDS_IN.closes,
  'client-eviction': ENDS_IN.closes,
  'client-kill': ENDS_IN.closes,
  'idle-timeout': ENDS_IN.closes,
  'server-restart': ENDS_IN.down,
  'server-crash': ENDS_IN.down,
  'oom-kill': ENDS_IN.down,
  failover: ENDS_IN.down,
  maxclients: ENDS_IN.full,
};

/** Whether a server event of this cause can end in this socket event on the client. */
export function canEndIn(cause: Cause, event: string): boolean {
  return (CAUSE_ENDS[cause] ?? ENDS_IN.down ?? []).includes(event);
}

/** The library names CLIENT SETINFO lib-name carries, as the catalogue names the clients. */
export function clientOfLibName(libName: string | undefined): string | undefined {
  if (!libName) return undefined;
  const lib = libName.toLowerCase();
  if (lib.includes('ioredis')) return 'ioredis';
  if (lib.includes('node-redis') || lib === 'redis') return 'node-redis';
  if (lib.includes('redis-py') || lib.includes('redis_py')) return 'redis-py';
  if (lib.includes('redis-rb') || lib.includes('redis-client')) return 'redis-rb';
  if (lib.includes('phpredis')) return 'phpredis';
  if (lib.includes('hiredis')) return 'hiredis';
  return undefined;
}
