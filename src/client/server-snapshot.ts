import { commandCalls, type Info, infoNumber, parseInfo } from '../core/parse-info.js';
import { SERVER_KILLS } from '../core/server-kills.js';
import { compareRuns, counterDelta } from '../core/server-run.js';
import type { ServerDeltas } from './disconnect-cause.js';

/** The few INFO facts that tell, across a reconnect, what the server did to us. */
export interface ServerSnapshot {
  runId: string | undefined;
  /** Tells a restart where a proxy hides run_id: the uptime went back. */
  uptimeS: number | undefined;
  /** Epoch ms of the reading: with the uptime, it tells a restart from another server (failover). */
  at: number;
  role: string | undefined;
  evictedClients: number;
  outputBufferKills: number;
  queryBufferKills: number;
  clientKills: number;
  rejectedConnections: number;
}

export function snapshotFromInfo(text: string, at = Date.now()): ServerSnapshot {
  const info: Info = parseInfo(text);
  const n = (key: string) => infoNumber(info, key) ?? 0;
  return {
    runId: info.fields.run_id,
    uptimeS: infoNumber(info, 'uptime_in_seconds'),
    at,
    role: info.fields.role,
    evictedClients: n(SERVER_KILLS.evictedClients.field),
    outputBufferKills: n(SERVER_KILLS.outputBufferKills.field),
    queryBufferKills: n(SERVER_KILLS.queryBufferKills.field),
    clientKills: commandCalls(info, 'client|kill'),
    rejectedConnections: n('rejected_connections'),
  };
}

/**
 * What the server did between two snapshots (core/server-run.ts, as watch judges it). Another server
 * process explains the drop by itself: a restart, or another server that was already up (a failover
 * behind the same address); its counters say nothing about this connection.
 */
export function serverDeltas(before: ServerSnapshot, after: ServerSnapshot): ServerDeltas {
  const change = compareRuns(before, after);
  const changed = change !== 'same';
  const delta = (key: keyof Omit<ServerSnapshot, 'runId' | 'role' | 'uptimeS' | 'at'>) =>
    changed ? 0 : (counterDelta(before[key], after[key], 'same') ?? 0);
  return {
    runIdChanged: changed,
    serverReplaced: change === 'replaced',
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
