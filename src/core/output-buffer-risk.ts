import { type BufferLimits, effectiveLimit } from './parse-buffer-limits.js';
import type { ClientClass } from './parse-client-list.js';

/** A buffer at half its limit is one burst away from a kill: at a steady publish rate, seconds away. */
export const OUTPUT_BUFFER_RISK_SHARE = 0.5;

/** Below 64 KB a buffer is noise, whatever share of a tiny limit it holds. */
export const OUTPUT_BUFFER_RISK_FLOOR_BYTES = 64 * 1024;

/** What a CLIENT LIST line says about a client's output buffer. */
export interface BufferHolder {
  class: ClientClass;
  /** omem, bytes. */
  omem: number;
  flags: string;
}

export interface OutputBufferLoad {
  /** The limit of its class that kills first (the soft one when set); 0 for none. */
  limitBytes: number;
  /** omem as a share of that limit (1 for a client scheduled to close under no limit). */
  share: number;
}

const limitOf = (c: BufferHolder, limits: BufferLimits): number =>
  c.class === 'master' ? 0 : effectiveLimit(limits[c.class]);

/**
 * The share of its class's limit a client's buffer holds, as far as it counts towards risk: 0 below
 * the floor, for a class without a limit, and for the master link (no limit applies to it).
 */
export function outputBufferRiskShare(c: BufferHolder, limits: BufferLimits): number {
  const limit = limitOf(c, limits);
  return limit > 0 && c.omem >= OUTPUT_BUFFER_RISK_FLOOR_BYTES ? c.omem / limit : 0;
}

/**
 * A client about to be closed for its output buffer: one Redis already scheduled to close (flag A)
 * while it holds a buffer, or one holding at least half of its class's limit and more than the floor.
 */
export function outputBufferAtRisk(c: BufferHolder, limits: BufferLimits): OutputBufferLoad | undefined {
  if (c.class === 'master') return undefined;
  const limitBytes = limitOf(c, limits);
  const scheduled = c.flags.includes('A') && c.omem > 0;
  if (limitBytes === 0 && !scheduled) return undefined;
  const share = limitBytes ? c.omem / limitBytes : 1;
  if (scheduled || (share >= OUTPUT_BUFFER_RISK_SHARE && c.omem >= OUTPUT_BUFFER_RISK_FLOOR_BYTES))
    return { limitBytes, share };
  return undefined;
}

/** The clients at risk, in the order given, each with its load. */
export function clientsAtOutputBufferRisk<C extends BufferHolder>(
  clients: Iterable<C>,
  limits: BufferLimits,
): (OutputBufferLoad & { client: C })[] {
  const out: (OutputBufferLoad & { client: C })[] = [];
  for (const client of clients) {
    const load = outputBufferAtRisk(client, limits);
    if (load) out.push({ client, ...load });
  }
  return out;
}
