import type { Redis } from 'ioredis';
import { commandCalls, type Info, infoNumber, parseInfo } from '../../core/parse-info.js';
import { serverKillCounts } from '../../core/server-kills.js';
import { identifyServer } from '../../core/server-product.js';
import type { Counters, Gauges, ServerFacts } from '../types.js';

// Only the sections watch reads: INFO everything adds latencystats, which the server computes per call.
const SECTIONS = ['server', 'clients', 'memory', 'stats', 'replication', 'commandstats'];

/**
 * INFO of the sections watch needs. Servers before 7.0 take one section per call, so they get "all";
 * `mode` remembers that for the connection's target, so they see one error reply, not one per round.
 */
export async function readInfo(redis: Redis, mode: { all: boolean }): Promise<Info> {
  if (!mode.all) {
    try {
      return parseInfo(String(await redis.call('INFO', ...SECTIONS)));
    } catch (error) {
      if (!/wrong number of arguments|syntax error/i.test((error as Error).message)) throw error;
      mode.all = true;
    }
  }
  return parseInfo(String(await redis.call('INFO', 'all')));
}

export function serverFacts(info: Info): ServerFacts {
  const identity = identifyServer(info);
  const runId = info.fields.run_id;
  return {
    product: identity.product,
    version: identity.version,
    // Absent, not '', where a proxy hides it: the history then holds no run_id to compare.
    ...(runId ? { runId } : {}),
    pid: infoNumber(info, 'process_id') ?? 0,
    uptimeS: infoNumber(info, 'uptime_in_seconds') ?? 0,
    role: identity.role,
  };
}

export function counters(info: Info): Counters {
  const out: Counters = {
    connectionsReceived: infoNumber(info, 'total_connections_received') ?? 0,
    rejectedConnections: infoNumber(info, 'rejected_connections') ?? 0,
    clientKillCalls: commandCalls(info, 'client|kill'),
    // Fields that older servers lack stay absent, so "no counter" is never read as "zero kills".
    ...serverKillCounts(info),
  };
  const errorReplies = infoNumber(info, 'total_error_replies');
  if (errorReplies !== undefined) out.errorReplies = errorReplies;
  return out;
}

export function gauges(info: Info, config: Record<string, string> | undefined): Gauges {
  const out: Gauges = {
    connectedClients: infoNumber(info, 'connected_clients') ?? 0,
    blockedClients: infoNumber(info, 'blocked_clients') ?? 0,
    usedMemoryBytes: infoNumber(info, 'used_memory') ?? 0,
    maxmemoryBytes: infoNumber(info, 'maxmemory') ?? 0,
  };
  const maxclients = infoNumber(info, 'maxclients') ?? numberOr(config?.maxclients);
  if (maxclients !== undefined) out.maxclients = maxclients;
  const pubsub = infoNumber(info, 'pubsub_clients');
  if (pubsub !== undefined) out.pubsubClients = pubsub;
  return out;
}

const numberOr = (value: string | undefined): number | undefined =>
  value === undefined || value === '' || Number.isNaN(Number(value)) ? undefined : Number(value);
