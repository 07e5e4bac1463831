import { type BufferLimits, effectiveLimit } from './parse-buffer-limits.js';

/** A CLIENT LIST line is 250-350 bytes depending on the version and the names in it. */
export const BYTES_PER_CLIENT_LINE = 350;

export interface ClientListRisk {
  connected: number;
  /** The reply's expected size. */
  expectedBytes: number;
  /** The normal-class limit it counts against (the soft one when set). */
  limitBytes: number;
}

/**
 * The CLIENT LIST reply is queued in the output buffer of the connection that asks, which counts
 * against the normal-class limit: when the reply for `connected` clients could reach half of that
 * limit, asking risks getting our own connection killed, and the listing is to be skipped. Returns
 * the figures then; undefined when the listing is safe (no normal-class limit: Redis's default).
 */
export function clientListRisk(connected: number, limits: BufferLimits): ClientListRisk | undefined {
  const limitBytes = effectiveLimit(limits.normal);
  const expectedBytes = connected * BYTES_PER_CLIENT_LINE;
  return limitBytes > 0 && expectedBytes >= limitBytes / 2
    ? { connected, expectedBytes, limitBytes }
    : undefined;
}
