import type { ClientClass } from './parse-client-list.js';
import { parseBytes } from './units.js';

export interface BufferLimit {
  hardBytes: number;
  softBytes: number;
  softSeconds: number;
}

export type BufferLimits = Record<Exclude<ClientClass, 'master'>, BufferLimit>;

/** Redis's defaults (config.c clientBufferLimitsDefaults). */
export const DEFAULT_BUFFER_LIMITS: BufferLimits = {
  normal: { hardBytes: 0, softBytes: 0, softSeconds: 0 },
  replica: { hardBytes: 256 * 1024 ** 2, softBytes: 64 * 1024 ** 2, softSeconds: 60 },
  pubsub: { hardBytes: 32 * 1024 ** 2, softBytes: 8 * 1024 ** 2, softSeconds: 60 },
};

/** "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60" → per class. */
export function parseBufferLimits(value: string): BufferLimits {
  const limits: BufferLimits = structuredClone(DEFAULT_BUFFER_LIMITS);
  const words = value.trim().split(/\s+/);
  for (let i = 0; i + 3 < words.length; i += 4) {
    const name = (words[i] ?? '').toLowerCase();
    const cls = name === 'slave' || name === 'replica' ? 'replica' : name;
    if (cls !== 'normal' && cls !== 'replica' && cls !== 'pubsub') continue;
    limits[cls] = {
      hardBytes: parseBytes(words[i + 1] ?? '') ?? 0,
      softBytes: parseBytes(words[i + 2] ?? '') ?? 0,
      softSeconds: Number(words[i + 3]) || 0,
    };
  }
  return limits;
}

/** The limit that kills first for a client holding a steady buffer: the soft one if set, else hard. */
export function effectiveLimit(limit: BufferLimit): number {
  if (limit.softBytes > 0 && (limit.hardBytes === 0 || limit.softBytes < limit.hardBytes))
    return limit.softBytes;
  return limit.hardBytes;
}

/** The limits CONFIG GET client-output-buffer-limit gave, or Redis's defaults without it. */
export const bufferLimitsOf = (config: Readonly<Record<string, string>> | undefined): BufferLimits => {
  const value = config?.['client-output-buffer-limit'];
  return value ? parseBufferLimits(value) : DEFAULT_BUFFER_LIMITS;
};
