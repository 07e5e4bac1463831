import { effectiveLimit } from '../../../core/parse-buffer-limits.js';
import { formatBytes } from '../../../core/units.js';
import type { ClientSnapshot } from '../../evidence.js';
import { defineRule } from '../define-rule.js';
import { bufferLimits, plural, whoIs } from '../helpers.js';
import { outputBufferFixes } from './output-buffer-fix.js';

// A buffer at half its limit is one burst away from a kill; below 64 KB it is noise.
const SHARE = 0.5;
const FLOOR_BYTES = 64 * 1024;

export default defineRule({
  id: 'output-buffer-at-risk',
  title: 'A live client is close to its output-buffer limit',
  category: 'clients',
  severity: 'warning',
  tier: 'risk',
  needs: ['clients'],
  check(e) {
    if (e.clients.status !== 'ok') return undefined;
    const { limits, fromConfig } = bufferLimits(e);
    const atRisk: (ClientSnapshot & { limitBytes: number; share: number })[] = [];
    for (const c of e.clients.value.topOutputBuffers) {
      if (c.class === 'master') continue;
      const limit = effectiveLimit(limits[c.class]);
      const scheduled = c.flags.includes('A');
      if (limit === 0 && !scheduled) continue;
      const share = limit ? c.omem / limit : 1;
      if (scheduled || (share >= SHARE && c.omem >= FLOOR_BYTES))
        atRisk.push({ ...c, limitBytes: limit, share });
    }
    if (atRisk.length === 0) return undefined;
    const worst = atRisk[0] as (typeof atRisk)[number];
    return {
      confidence: fromConfig ? 'high' : 'medium',
      message: `${plural(atRisk.length, 'client')} ${atRisk.length === 1 ? 'holds' : 'hold'} more than ${SHARE * 100}% of their output-buffer limit; worst: ${whoIs({ name: worst.name, 'lib-name': worst.libName, addr: worst.addr, cmd: worst.cmd })} (${worst.class}) at ${formatBytes(worst.omem)} of ${formatBytes(worst.limitBytes)} (${Math.round(worst.share * 100)}%).`,
      explanation:
        'When the buffer stays above the soft limit for its seconds, or touches the hard limit, Redis closes the connection without an error. ' +
        'A subscriber that falls behind, or a client reading a huge reply slowly, looks exactly like this just before it is cut. ' +
        'Harmless if the buffer drains within a moment (a burst the client is already catching up with); run the doctor again to see whether it shrinks.' +
        (fromConfig ? '' : ' CONFIG is not available, so the Redis default limits were assumed.'),
      evidence: {
        clients: atRisk.map((c) => ({
          id: c.id,
          addr: c.addr,
          name: c.name,
          libName: c.libName,
          class: c.class,
          flags: c.flags,
          omem: c.omem,
          limitBytes: c.limitBytes,
          share: Math.round(c.share * 100) / 100,
        })),
        limitsFromConfig: fromConfig,
      },
      fix: outputBufferFixes(
        e,
        atRisk.map((c) => c.class).filter((c) => c !== 'master'),
      ),
    };
  },
});
