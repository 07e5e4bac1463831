import { commandCalls, type Info, infoNumber, parseInfo } from '../core/parse-info.js';
import type { ServerDeltas } from './disconnect-cause.js';

/** The few INFO facts that tell, across a reconnect, what the server did to us. */
export interface ServerSnapshot {
  runId: string | undefined;
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
    role: info.fields.role,
    evictedClients: n('evicted_clients'),
    outputBufferKills: n('client_output_buffer_limit_disconnections'),
    queryBufferKills: n('client_query_buffer_limit_disconnections'),
    clientKills: commandCalls(info, 'client|kill'),
    rejectedConnections: n('rejected_connections'),
  };
}

/** Counters only grow within one server run; a new run_id means the server restarted. */
export function serverDeltas(before: ServerSnapshot, after: ServerSnapshot): ServerDeltas {
  const restarted = before.runId !== undefined && after.runId !== undefined && before.runId !== after.runId;
  const delta = (key: keyof Omit<ServerSnapshot, 'runId' | 'role'>) =>
    restarted ? 0 : Math.max(0, after[key] - before[key]);
  return {
    runIdChanged: restarted,
    roleChanged: before.role !== undefined && after.role !== undefined && before.role !== after.role,
    evictedClients: delta('evictedClients'),
    outputBufferKills: delta('outputBufferKills'),
    queryBufferKills: delta('queryBufferKills'),
    clientKills: delta('clientKills'),
    rejectedConnections: delta('rejectedConnections'),
  };
}

/** INFO server, stats and commandstats in one round trip (several sections need Redis 7.0). */
export const SNAPSHOT_INFO_ARGS = ['INFO', 'server', 'stats', 'commandstats'] as const;
