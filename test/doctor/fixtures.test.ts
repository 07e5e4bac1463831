import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/doctor/diagnose.js';
import type { RuleResult } from '../../src/doctor/report/types.js';
import { fixtureEvidence, fixtureVersions } from '../support/fixture-evidence.js';

/** What the doctor must name for each captured scenario, on every server version. */
const EXPECTED: Record<string, { cause: string | null; severity?: RuleResult['severity'] }> = {
  healthy: { cause: null },
  'idle-timeout': { cause: 'idle-timeout-reaping', severity: 'warning' },
  'output-buffer-pubsub': { cause: 'output-buffer-kills', severity: 'critical' },
  'output-buffer-normal': { cause: 'output-buffer-kills', severity: 'critical' },
  maxclients: { cause: 'maxclients-reached', severity: 'critical' },
  'client-eviction': { cause: 'client-eviction', severity: 'critical' },
  'query-buffer': { cause: 'query-buffer-kills', severity: 'critical' },
  restart: { cause: 'server-restarted', severity: 'warning' },
  'crash-restart': { cause: 'server-crashed', severity: 'critical' },
  'client-kill': { cause: 'client-kills-observed', severity: 'warning' },
};

const finding = (results: RuleResult[], id: string) =>
  results.find((r) => r.ruleId === id && r.status === 'finding');

describe.each(fixtureVersions())('captured fixtures of %s', (version) => {
  it.each(Object.entries(EXPECTED))('%s: names the cause', (scenario, expected) => {
    const report = diagnose(fixtureEvidence(version, scenario));
    expect(report.mostLikelyCause?.ruleId ?? null).toBe(expected.cause);
    if (expected.cause) expect(finding(report.results, expected.cause)?.severity).toBe(expected.severity);
    expect(report.results.filter((r) => r.status === 'crashed')).toEqual([]);
  });

  it('healthy: no critical or warning at all', () => {
    const { summary } = diagnose(fixtureEvidence(version, 'healthy'));
    expect(summary.critical + summary.warning).toBe(0);
  });

  it('output-buffer kills: uses the counter where the version has it, the log otherwise', () => {
    const withLog = finding(
      diagnose(fixtureEvidence(version, 'output-buffer-pubsub')).results,
      'output-buffer-kills',
    );
    expect(withLog?.evidence).toMatchObject({ byClass: { pubsub: 1 } });
    const withoutLog = diagnose(
      fixtureEvidence(version, 'output-buffer-pubsub', { withoutLog: true }),
    ).results;
    const result = withoutLog.find((r) => r.ruleId === 'output-buffer-kills');
    const hasCounter = !['redis-7.0.15', 'redis-7.2.6'].includes(version);
    expect(result?.status).toBe(hasCounter ? 'finding' : 'skipped');
    if (hasCounter) expect(result?.evidence).toMatchObject({ client_output_buffer_limit_disconnections: 1 });
  });

  it('query-buffer kills: counter on 7.4+ / Valkey 8, log line everywhere', () => {
    const withoutLog = diagnose(fixtureEvidence(version, 'query-buffer', { withoutLog: true })).results;
    const result = withoutLog.find((r) => r.ruleId === 'query-buffer-kills');
    expect(result?.status).toBe(['redis-7.0.15', 'redis-7.2.6'].includes(version) ? 'skipped' : 'finding');
    const withLog = finding(diagnose(fixtureEvidence(version, 'query-buffer')).results, 'query-buffer-kills');
    expect(withLog?.evidence).toMatchObject({ logKills: 1 });
    expect(JSON.stringify(withLog)).not.toContain('aaaa'); // the query-buffer bytes are user data
  });

  it('the normal-class kill names the victim and the big-reply command', () => {
    const r = finding(
      diagnose(fixtureEvidence(version, 'output-buffer-normal')).results,
      'output-buffer-kills',
    );
    expect(r?.message).toContain(
      version.startsWith('valkey') ? 'name hidden by hide-user-data-from-log' : 'name=slow-reader',
    );
    expect(r?.message).toContain('cmd=lrange');
    expect(r?.fix.map((f) => f.command).join('\n')).toMatch(/SCAN/);
  });

  it('restart without a log: still reported, at lower confidence', () => {
    const r = finding(
      diagnose(fixtureEvidence(version, 'restart', { withoutLog: true })).results,
      'server-restarted',
    );
    expect(r?.confidence).toBe('medium');
  });

  it('idle timeout is harmless when the pool drops idle connections first', () => {
    const evidence = fixtureEvidence(version, 'idle-timeout', { settings: { clientIdleTimeoutS: 1 } });
    const report = diagnose(evidence);
    expect(finding(report.results, 'idle-timeout-reaping')?.severity).toBe('info');
    expect(report.mostLikelyCause).toBeNull();
  });
});
