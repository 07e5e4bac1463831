import type { Redis } from 'ioredis';
import { type ClientSnapshot, toSnapshot } from '../../core/client-snapshot.js';
import { outputBufferRiskShare } from '../../core/output-buffer-risk.js';
import type { BufferLimits } from '../../core/parse-buffer-limits.js';
import { walkClientList } from '../../core/parse-client-list.js';
import { reapedByTimeout } from '../../core/timeout-reaping.js';
import type { ClientListFacts } from '../types.js';

/** What watch remembers of one client between two CLIENT LISTs (in memory only, never stored). */
export type ClientBrief = ClientSnapshot;

export interface ClientList {
  /** Epoch ms when the reply arrived. */
  at: number;
  facts: ClientListFacts;
  clients: Map<string, ClientBrief>;
  ownId: string;
}

export async function readClientList(redis: Redis, ownId: string, limits: BufferLimits): Promise<ClientList> {
  const started = performance.now();
  const text = String(await redis.call('CLIENT', 'LIST'));
  const durationMs = performance.now() - started;
  return { at: Date.now(), ...briefClientList(text, ownId, limits, durationMs), ownId };
}

/** A CLIENT LIST reply → each client (by id) and the facts a sample keeps of them. */
export function briefClientList(
  text: string,
  ownId: string,
  limits: BufferLimits,
  durationMs: number,
): Pick<ClientList, 'facts' | 'clients'> {
  const clients = new Map<string, ClientBrief>();
  const idle = { over60s: 0, over300s: 0, over3600s: 0 };
  let maxOutputBufferRatio = 0;
  const { total } = walkClientList(text, ownId, (fields) => {
    const brief = toSnapshot(fields);
    clients.set(brief.id, brief);
    if (reapedByTimeout(brief)) {
      if (brief.idleS >= 60) idle.over60s++;
      if (brief.idleS >= 300) idle.over300s++;
      if (brief.idleS >= 3600) idle.over3600s++;
    }
    // The same share the output-buffer-at-risk detector and rule judge by: a buffer under the floor is noise.
    maxOutputBufferRatio = Math.max(maxOutputBufferRatio, outputBufferRiskShare(brief, limits));
  });
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
