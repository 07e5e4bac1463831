import { commandCalls, type Info, infoNumber, parseInfo } from '../core/parse-info.js';
import { counterDelta, sameProcess } from '../core/server-run.js';
import type { ServerDeltas } from './disconnect-cause.js';

/** The few INFO facts that tell, across a reconnect, what the server did to us. */
export interface ServerSnapshot {
  runId: string | undefined;
  /** Tells a restart where a proxy hides run_id: the uptime went back. */
  uptimeS: number | undefined;
  role: string | undefined;
  evictedClients: number;
  outputBufferKills: number;
  queryBufferKills: number;
  clientKills: number;
  rejectedConnections: number;
}

export function snapshotFromInfo(text: string): ServerSnapshot {
  const info: Info = parseInfo(text);
  const n = (key: string) => infoNumber(info, key) ?? 0;
  return {
    runId: info.fields.run_id,
    uptimeS: infoNumber(info, 'uptime_in_seconds'),
    role: info.fields.role,
    evictedClients: n('evicted_clients'),
    outputBufferKills: n('client_output_buffer_limit_disconnections'),
    queryBufferKills: n('client_query_buffer_limit_disconnections'),
    clientKills: commandCalls(info, 'client|kill'),
    rejectedConnections: n('rejected_connections'),
  };
}

/**
 * What the server did between two snapshots (core/server-run.ts). Another server process (a restart,
 * or a failover) explains the drop by itself: its counters say nothing about this connection.
 */
export function serverDeltas(before: ServerSnapshot, after: ServerSnapshot): ServerDeltas {
  const changed = !sameProcess(before, after);
  const delta = (key: keyof Omit<ServerSnapshot, 'runId' | 'role' | 'uptimeS'>) =>
    changed ? 0 : (counterDelta(before[key], after[key], 'same') ?? 0);
  return {
    runIdChanged: changed,
    roleChanged: before.role !== undefined && after.role !== undefined && before.role !== after.role,
    evictedClients: delta('evictedClients'),
    outputBufferKills: delta('outputBufferKills'),
    queryBufferKills: delta('queryBufferKills'),
    clientKills: delta('clientKills'),
    rejectedConnections: delta('rejectedConnections'),
  };
}

/**
 * INFO server, replication (the role: a master turned replica explains a drop), stats and
 * commandstats in one round trip (several sections need Redis 7.0).
 */
export const SNAPSHOT_INFO_ARGS = ['INFO', 'server', 'replication', 'stats', 'commandstats'] as const;
