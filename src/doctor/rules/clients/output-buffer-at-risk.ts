import { clientsAtOutputBufferRisk, OUTPUT_BUFFER_RISK_SHARE } from '../../../core/output-buffer-risk.js';
import { formatBytes } from '../../../core/units.js';
import { type Advice, type AdviceFacts, defineRule } from '../define-rule.js';
import { adviceFacts, bufferLimitsIn, plural, whoIs } from '../helpers.js';
import { outputBufferFixes } from './output-buffer-fix.js';

export default defineRule({
  id: 'output-buffer-at-risk',
  cause: 'output-buffer-limit',
  title: 'A live client is close to its output-buffer limit',
  category: 'clients',
  severity: 'warning',
  tier: 'risk',
  needs: ['clients'],
  check(e) {
    const facts = adviceFacts(e);
    const atRisk = atRiskIn(facts);
    if (atRisk.length === 0) return undefined;
    const { fromConfig } = bufferLimitsIn(facts.config);
    const worst = atRisk[0] as (typeof atRisk)[number];
    const advice = advise(facts);
    return {
      confidence: fromConfig ? 'high' : 'medium',
      message: `${plural(atRisk.length, 'client')} ${atRisk.length === 1 ? 'holds' : 'hold'} more than ${OUTPUT_BUFFER_RISK_SHARE * 100}% of their output-buffer limit; worst: ${whoIs({ name: worst.name, 'lib-name': worst.libName, addr: worst.addr, cmd: worst.cmd })} (${worst.class}) at ${formatBytes(worst.omem)} of ${formatBytes(worst.limitBytes)} (${Math.round(worst.share * 100)}%).`,
      explanation: advice.explanation,
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
      fix: advice.fix,
    };
  },
  advise,
});

/** The live clients at risk (core/output-buffer-risk.ts, watch's thresholds too), in the facts' order. */
const atRiskIn = (facts: AdviceFacts) =>
  clientsAtOutputBufferRisk(facts.clients ?? [], bufferLimitsIn(facts.config).limits).map(
    ({ client, limitBytes, share }) => ({ ...client, limitBytes, share }),
  );

function advise(facts: AdviceFacts): Advice {
  const { fromConfig } = bufferLimitsIn(facts.config);
  return {
    explanation:
      'When the buffer stays above the soft limit for its seconds, or touches the hard limit, Redis closes the connection without an error. ' +
      'A subscriber that falls behind, or a client reading a huge reply slowly, looks exactly like this just before it is cut. ' +
      'Harmless if the buffer drains within a moment (a burst the client is already catching up with); run the doctor again to see whether it shrinks.' +
      (fromConfig ? '' : ' CONFIG is not available, so the Redis default limits were assumed.'),
    fix: outputBufferFixes(
      facts,
      atRiskIn(facts).map((c) => c.class),
    ),
  };
}
