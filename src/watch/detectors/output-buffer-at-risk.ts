import {
  type BufferLimits,
  DEFAULT_BUFFER_LIMITS,
  effectiveLimit,
  parseBufferLimits,
} from '../../core/parse-buffer-limits.js';
import { formatBytes } from '../../core/units.js';
import type { DetectContext, Detection } from './detect-context.js';

/** Half of the limit: at a steady publish rate the kill is then seconds away, not minutes. */
const RISK_SHARE = 0.5;

/** Live clients whose output buffer is a large share of their class's limit: killed next if it grows. */
export function detectOutputBufferAtRisk(ctx: DetectContext): Detection[] {
  const list = ctx.cur.clientList;
  if (!list) return [];
  const limits = bufferLimitsOf(ctx.config);
  const atRisk = [...list.clients.values()]
    .filter((c) => c.class !== 'master')
    .map((c) => {
      const limit = effectiveLimit(limits[c.class as keyof BufferLimits]);
      return { client: c, limit, share: limit > 0 ? c.omem / limit : 0 };
    })
    .filter((r) => r.share >= RISK_SHARE)
    .sort((a, b) => b.share - a.share);
  const top = atRisk[0];
  if (!top) return [];
  const c = top.client;
  return [
    {
      cause: 'output-buffer-at-risk',
      severity: 'warning',
      confidence: 'high',
      title: 'Clients are close to their output buffer limit',
      message: `${atRisk.length} client${atRisk.length === 1 ? ' holds' : 's hold'} over ${RISK_SHARE * 100}% of its class's output buffer limit; the largest is id=${c.id} ${c.class}${c.name ? ` name=${c.name}` : ''} addr=${c.addr} with omem ${formatBytes(c.omem)} of ${formatBytes(top.limit)} (${Math.round(top.share * 100)}%). Redis closes it when the limit is crossed.`,
      evidence: {
        clients: atRisk.slice(0, 5).map((r) => ({
          id: r.client.id,
          addr: r.client.addr,
          name: r.client.name,
          class: r.client.class,
          omem: r.client.omem,
          limitBytes: r.limit,
          share: Math.round(r.share * 1000) / 1000,
        })),
      },
    },
  ];
}

const bufferLimitsOf = (config: Record<string, string> | undefined): BufferLimits => {
  const value = config?.['client-output-buffer-limit'];
  return value ? parseBufferLimits(value) : DEFAULT_BUFFER_LIMITS;
};
