import { effectiveLimit, parseBufferLimits } from '../../core/parse-buffer-limits.js';
import {
  type ClientClass,
  type ClientFields,
  clientClass,
  num,
  parseClientFields,
} from '../../core/parse-client-list.js';
import { type Info, infoNumber } from '../../core/parse-info.js';
import { formatBytes } from '../../core/units.js';
import { type ClientSnapshot, type ClientsSummary, type Collected, ok, unavailable } from '../evidence.js';
import type { CollectorContext } from './context.js';

/** Lines summarised at most: a server with 100,000 clients must not make the doctor slow or hungry. */
export const MAX_CLIENT_LINES = 50_000;
const TOP = 10;
const IDLE_BUCKETS = [1, 10, 60, 300, 3600, null] as const;

// A CLIENT LIST line is 250-350 bytes depending on the version and the names in it.
const BYTES_PER_CLIENT = 350;

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
  const limitText = config.status === 'ok' ? config.value['client-output-buffer-limit'] : undefined;
  const normalLimit = limitText ? effectiveLimit(parseBufferLimits(limitText).normal) : 0;
  const expectedBytes = connected * BYTES_PER_CLIENT;
  if (normalLimit > 0 && expectedBytes >= normalLimit / 2) {
    return unavailable(
      `CLIENT LIST for ${connected} clients (~${formatBytes(expectedBytes)}) could exceed the normal-class output buffer limit (${formatBytes(normalLimit)}) and get this connection killed`,
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
  let total = 0;
  let summarised = 0;

  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') continue;
    if (ownId !== undefined && line.startsWith(`id=${ownId} `)) continue;
    total++;
    if (summarised >= MAX_CLIENT_LINES) continue;
    summarised++;

    const fields = parseClientFields(line);
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
  }
  return { total, summarised, byClass, byLibName, byName, flagged, idleHistogram, topOutputBuffers, topIdle };
}

/** One CLIENT LIST line's fields, as the rules (and watch) read them. */
export function toSnapshot(f: ClientFields): ClientSnapshot {
  return {
    id: f.id ?? '',
    addr: f.addr ?? '',
    name: f.name ?? '',
    libName: f['lib-name'] ?? '',
    flags: f.flags ?? '',
    class: clientClass(f),
    ageS: num(f, 'age'),
    idleS: num(f, 'idle'),
    omem: num(f, 'omem'),
    qbuf: num(f, 'qbuf'),
    totMem: num(f, 'tot-mem'),
    cmd: f.cmd ?? '',
  };
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
