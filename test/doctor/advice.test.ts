/**
 * A rule's advice is a function of plain facts, apart from its detection: the finding's explanation
 * and fix are exactly what the rule's adviser says on the facts the doctor collected, and every
 * kind watch shares with the doctor has one (watch calls it for its incidents).
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/doctor/diagnose.js';
import { adviceFacts, redisCli } from '../../src/doctor/rules/helpers.js';
import { RULES } from '../../src/doctor/rules/index.js';
import { INCIDENT_KINDS } from '../../src/watch/types.js';
import { fixtureEvidence, fixtureVersions } from '../support/fixture-evidence.js';

const SCENARIOS = [
  'healthy',
  'idle-timeout',
  'output-buffer-pubsub',
  'output-buffer-normal',
  'maxclients',
  'client-eviction',
  'query-buffer',
  'restart',
  'crash-restart',
  'client-kill',
];

describe('rule advice', () => {
  it('every incident kind watch shares with a doctor rule has an adviser', () => {
    const shared = INCIDENT_KINDS.filter((kind) => RULES.some((r) => r.id === kind));
    expect(shared.join(' ')).toBe(
      'server-restarted server-crashed maxclients-reached client-eviction output-buffer-kills query-buffer-kills idle-timeout-reaping connection-churn output-buffer-at-risk client-kills-observed',
    );
    expect(shared.filter((kind) => !RULES.find((r) => r.id === kind)?.advise)).toEqual([]);
  });

  describe.each(fixtureVersions())('on the %s captures', (version) => {
    it.each(SCENARIOS)('%s: each finding says what its adviser says on the same facts', (scenario) => {
      for (const withoutLog of [false, true]) {
        const evidence = fixtureEvidence(version, scenario, { withoutLog });
        for (const r of diagnose(evidence).results) {
          const advise = RULES.find((rule) => rule.id === r.ruleId)?.advise;
          if (r.status !== 'finding' || !advise) continue;
          expect({ explanation: r.explanation, fix: r.fix }, r.ruleId).toEqual(advise(adviceFacts(evidence)));
        }
      }
    });
  });

  it('redis-cli lines are built from the target identity alone', () => {
    const identity = { host: '10.0.0.1', port: 6380, tls: true, username: 'app', hasAuth: true };
    expect(redisCli(identity, 'CONFIG', 'SET', 'timeout', '0')).toBe(
      'redis-cli -h 10.0.0.1 -p 6380 --tls --user app --askpass CONFIG SET timeout 0',
    );
  });
});
