import { defineRule } from '../define-rule.js';
import { configSetFix } from '../helpers.js';
import { connectionLoad, topHolders } from './connected-total.js';

// 80% leaves room for one deploy's worth of doubled pools; below 8 connections a ratio means nothing.
const SHARE = 0.8;
const FLOOR = 8;

export default defineRule({
  id: 'maxclients-near',
  cause: 'maxclients',
  title: 'Connected clients are close to maxclients',
  category: 'clients',
  severity: 'warning',
  tier: 'risk',
  needs: ['info'],
  check(e) {
    const { connected, maxclients } = connectionLoad(e);
    if (maxclients === undefined) return { skip: 'maxclients is unknown (no INFO maxclients and no CONFIG)' };
    if (connected < FLOOR || connected < maxclients * SHARE) return undefined;
    return {
      confidence: 'high',
      message: `${connected} of maxclients ${maxclients} connections are in use (${Math.round((connected / maxclients) * 100)}%).`,
      explanation:
        'Once the count reaches maxclients, every new connection is refused; reconnecting clients (after a restart, a deploy, a network blip) are the first to fail. ' +
        'Harmless if the count is stable by design and far from growing, but a rolling deploy briefly doubles pools.',
      evidence: { connected, maxclients, topHolders: topHolders(e) },
      fix: configSetFix(
        e.target,
        'maxclients',
        String(Math.max(maxclients * 2, connected + 1000)),
        'needs ulimit -n of at least maxclients + 32',
      ),
    };
  },
});
