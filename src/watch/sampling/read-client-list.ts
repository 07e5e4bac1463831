import type { Redis } from 'ioredis';
import { type BufferLimits, effectiveLimit } from '../../core/parse-buffer-limits.js';
import { parseClientFields } from '../../core/parse-client-list.js';
import { MAX_CLIENT_LINES, toSnapshot } from '../../doctor/collectors/clients.js';
import type { ClientSnapshot } from '../../doctor/evidence.js';
import type { ClientListFacts } from '../types.js';

/** What watch remembers of one client between two CLIENT LISTs (in memory only, never stored). */
export type ClientBrief = ClientSnapshot;

export interface ClientList {
  /** Epoch ms when the reply arrived. */
  at: number;
  facts: ClientListFacts;
  clients: Map<string, ClientBrief>;
  /** The raw reply, kept for the doctor rules that summarise it; dropped after the round. */
  text: string;
  ownId: string;
}

/** Normal clients that are not blocked or MONITOR are the ones `timeout` reaps and pools keep. */
export const isPlainNormal = (c: ClientBrief): boolean => c.class === 'normal' && !/[bOP]/.test(c.flags);

export async function readClientList(redis: Redis, ownId: string, limits: BufferLimits): Promise<ClientList> {
  const started = performance.now();
  const text = String(await redis.call('CLIENT', 'LIST'));
  const durationMs = performance.now() - started;
  return { at: Date.now(), ...parseClientList(text, ownId, limits, durationMs), text, ownId };
}

export function parseClientList(
  text: string,
  ownId: string,
  limits: BufferLimits,
  durationMs: number,
): Pick<ClientList, 'facts' | 'clients'> {
  const clients = new Map<string, ClientBrief>();
  const idle = { over60s: 0, over300s: 0, over3600s: 0 };
  let total = 0;
  let maxOutputBufferRatio = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '' || line.startsWith(`id=${ownId} `)) continue;
    total++;
    if (clients.size >= MAX_CLIENT_LINES) continue;
    const brief = toSnapshot(parseClientFields(line));
    clients.set(brief.id, brief);
    if (isPlainNormal(brief)) {
      if (brief.idleS >= 60) idle.over60s++;
      if (brief.idleS >= 300) idle.over300s++;
      if (brief.idleS >= 3600) idle.over3600s++;
    }
    const hard = brief.class === 'master' ? 0 : effectiveLimit(limits[brief.class]);
    if (hard > 0) maxOutputBufferRatio = Math.max(maxOutputBufferRatio, brief.omem / hard);
  }
  return {
    facts: {
      durationMs: Math.round(durationMs * 100) / 100,
      total,
      idle,
      maxOutputBufferRatio: Math.round(maxOutputBufferRatio * 1000) / 1000,
    },
    clients,
  };
}
