import { clientListRisk } from '../../core/client-list-guard.js';
import { type ClientSnapshot, toSnapshot } from '../../core/client-snapshot.js';
import { bufferLimitsOf } from '../../core/parse-buffer-limits.js';
import { type ClientClass, walkClientList } from '../../core/parse-client-list.js';
import { type Info, infoNumber } from '../../core/parse-info.js';
import { formatBytes } from '../../core/units.js';
import { type ClientsSummary, type Collected, ok, unavailable } from '../evidence.js';
import type { CollectorContext } from './context.js';

const TOP = 10;
const IDLE_BUCKETS = [1, 10, 60, 300, 3600, null] as const;

/**
 * CLIENT LIST, summarised. The reply to our own connection counts against the normal-class output
 * buffer limit: when that limit could cut the doctor off, the step is skipped, not risked.
 */
export async function collectClients(
  { redis }: CollectorContext,
  info: Collected<Info>,
  config: Collected<Record<string, string>>,
): Promise<Collected<ClientsSummary>> {
  const connected = info.status === 'ok' ? (infoNumber(info.value, 'connected_clients') ?? 0) : 0;
  const risk = clientListRisk(connected, bufferLimitsOf(config.status === 'ok' ? config.value : undefined));
  if (risk) {
    return unavailable(
      `CLIENT LIST for ${connected} clients (~${formatBytes(risk.expectedBytes)}) could exceed the normal-class output buffer limit (${formatBytes(risk.limitBytes)}) and get this connection killed`,
    );
  }
  const ownId = String(await redis.call('CLIENT', 'ID'));
  const text = String(await redis.call('CLIENT', 'LIST'));
  return ok(summarizeClientList(text, ownId));
}

/** Counts and top-N lists in one pass over the reply, never holding every parsed line. */
export function summarizeClientList(text: string, ownId?: string): ClientsSummary {
  const byClass: Record<ClientClass, number> = { normal: 0, pubsub: 0, replica: 0, master: 0 };
  const byLibName: Record<string, number> = {};
  const byName: Record<string, number> = {};
  const flagged = { closeAsap: 0, blocked: 0, monitor: 0, noEvict: 0 };
  const idleHistogram = IDLE_BUCKETS.map((upToSeconds) => ({ upToSeconds, count: 0 }));
  let topOutputBuffers: ClientSnapshot[] = [];
  let topIdle: ClientSnapshot[] = [];
  const { total, visited: summarised } = walkClientList(text, ownId, (fields) => {
    const snapshot = toSnapshot(fields);
    byClass[snapshot.class]++;
    const lib = snapshot.libName || '(unset)';
    byLibName[lib] = (byLibName[lib] ?? 0) + 1;
    const name = snapshot.name || '(unnamed)';
    byName[name] = (byName[name] ?? 0) + 1;
    if (snapshot.flags.includes('A')) flagged.closeAsap++;
    if (snapshot.flags.includes('b')) flagged.blocked++;
    if (snapshot.flags.includes('O')) flagged.monitor++;
    if (snapshot.flags.includes('e')) flagged.noEvict++;
    const bucket = idleHistogram.find((b) => b.upToSeconds === null || snapshot.idleS < b.upToSeconds);
    if (bucket) bucket.count++;
    if (snapshot.omem > 0) topOutputBuffers = insertTop(topOutputBuffers, snapshot, (c) => c.omem);
    topIdle = insertTop(topIdle, snapshot, (c) => c.idleS);
  });
  return { total, summarised, byClass, byLibName, byName, flagged, idleHistogram, topOutputBuffers, topIdle };
}

function insertTop(
  list: ClientSnapshot[],
  item: ClientSnapshot,
  key: (c: ClientSnapshot) => number,
): ClientSnapshot[] {
  if (list.length >= TOP && key(item) <= key(list[list.length - 1] as ClientSnapshot)) return list;
  const next = [...list, item].sort((a, b) => key(b) - key(a));
  return next.slice(0, TOP);
}
