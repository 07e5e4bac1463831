import { clientsAtOutputBufferRisk, OUTPUT_BUFFER_RISK_SHARE } from '../../core/output-buffer-risk.js';
import { bufferLimitsOf } from '../../core/parse-buffer-limits.js';
import { formatBytes } from '../../core/units.js';
import type { DetectContext, Detection } from './detect-context.js';

/**
 * Live clients whose output buffer is a large share of their class's limit (core/output-buffer-risk.ts,
 * the doctor's thresholds): killed next if it grows.
 */
export function detectOutputBufferAtRisk(ctx: DetectContext): Detection[] {
  const list = ctx.cur.clientList;
  if (!list) return [];
  const atRisk = clientsAtOutputBufferRisk(list.clients.values(), bufferLimitsOf(ctx.config)).sort(
    (a, b) => b.share - a.share,
  );
  const top = atRisk[0];
  if (!top) return [];
  const c = top.client;
  return [
    {
      kind: 'output-buffer-at-risk',
      severity: 'warning',
      confidence: 'high',
      title: 'Clients are close to their output buffer limit',
      message: `${atRisk.length} client${atRisk.length === 1 ? ' holds' : 's hold'} over ${OUTPUT_BUFFER_RISK_SHARE * 100}% of its class's output buffer limit; the largest is id=${c.id} ${c.class}${c.name ? ` name=${c.name}` : ''} addr=${c.addr} with omem ${formatBytes(c.omem)} of ${formatBytes(top.limitBytes)} (${Math.round(top.share * 100)}%). Redis closes it when the limit is crossed.`,
      evidence: {
        clients: atRisk.slice(0, 5).map((r) => ({
          id: r.client.id,
          addr: r.client.addr,
          name: r.client.name,
          class: r.client.class,
          omem: r.client.omem,
          limitBytes: r.limitBytes,
          share: Math.round(r.share * 1000) / 1000,
        })),
      },
    },
  ];
}
