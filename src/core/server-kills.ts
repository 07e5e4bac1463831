import { type Info, infoNumber } from './parse-info.js';
import { counterDelta, type RunChange } from './server-run.js';

/**
 * The clients a server closes on its own, by the limit that closed them: the INFO counter of each
 * (cumulative since start; Redis 7.4 / Valkey 8.0 for the buffer limits, 7.0 for eviction) and the
 * title of the doctor rule and the watch incident about them.
 */
export const SERVER_KILLS = {
  outputBufferKills: {
    field: 'client_output_buffer_limit_disconnections',
    title: 'Clients were closed for exceeding client-output-buffer-limit',
  },
  queryBufferKills: {
    field: 'client_query_buffer_limit_disconnections',
    title: 'Clients were closed for exceeding client-query-buffer-limit',
  },
  evictedClients: {
    field: 'evicted_clients',
    title: 'maxmemory-clients evicted client connections',
  },
} as const;

export type ServerKill = keyof typeof SERVER_KILLS;

export type ServerKillCounts = Partial<Record<ServerKill, number>>;

/** The kill counters this server has; one it lacks stays absent, so it is never read as zero kills. */
export function serverKillCounts(info: Info): ServerKillCounts {
  const out: ServerKillCounts = {};
  for (const kill of Object.keys(SERVER_KILLS) as ServerKill[]) {
    const value = infoNumber(info, SERVER_KILLS[kill].field);
    if (value !== undefined) out[kill] = value;
  }
  return out;
}

/** Clients the server killed between two readings, all limits together (core/server-run.ts counterDelta). */
export function killsDelta(before: ServerKillCounts, now: ServerKillCounts, change: RunChange): number {
  let sum = 0;
  for (const kill of Object.keys(SERVER_KILLS) as ServerKill[])
    sum += counterDelta(before[kill], now[kill], change) ?? 0;
  return sum;
}
