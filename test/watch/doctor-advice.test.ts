/**
 * watch's incidents of a kind shared with the doctor carry that rule's advice, computed by the rule's
 * adviser from the round's facts (no doctor Evidence is faked): the same text and commands as the
 * doctor gives on the same capture, and advice whenever watch saw it happen, not only when the
 * server's lifetime figures would also make the doctor's rule fire.
 */
import { describe, expect, it } from 'vitest';
import { summarizeLog } from '../../src/core/log/summarize-log.js';
import { parseConfigText } from '../../src/core/parse-config.js';
import { parseInfo } from '../../src/core/parse-info.js';
import { diagnose } from '../../src/doctor/diagnose.js';
import { newDetectorMemory } from '../../src/watch/detectors/detect-context.js';
import { DETECTORS } from '../../src/watch/detectors/index.js';
import { doctorAdvice } from '../../src/watch/doctor-advice.js';
import { fixtureEvidence, fixtureVersions, readFixture } from '../support/fixture-evidence.js';
import { adviceContext, adviceRound, CAPTURE_TARGET } from './support/advice-round.js';

/** A capture's INFO with some fields replaced (to make an earlier round). */
function infoOf(version: string, scenario: string, replace: Record<string, string> = {}) {
  let text = readFixture(version, scenario, 'info.txt');
  for (const [field, value] of Object.entries(replace))
    text = text.replace(new RegExp(`^${field.replace('|', '\\|')}:.*$`, 'm'), `${field}:${value}\r`);
  return parseInfo(text);
}

/** A capture as one watch round (with its log lines) after a round where `before` held. */
function captureContext(version: string, scenario: string, before: Record<string, string>) {
  const config = parseConfigText(readFixture(version, scenario, 'config.txt'));
  const logEvents = summarizeLog(readFixture(version, scenario, 'server.log')).events;
  const cur = adviceRound(infoOf(version, scenario), 5000, config, { logEvents });
  return adviceContext(cur, adviceRound(infoOf(version, scenario, before), 0, config), config);
}

const kindsSeen = (ctx: ReturnType<typeof captureContext>) =>
  DETECTORS.flatMap((d) => d(ctx)).map((d) => d.kind);

/** The doctor's explanation and fix for a rule on a capture. */
function doctorSays(version: string, scenario: string, ruleId: string) {
  const r = diagnose(fixtureEvidence(version, scenario)).results.find((x) => x.ruleId === ruleId);
  expect(r?.status).toBe('finding');
  return { explanation: r?.explanation, fix: r?.fix };
}

const CASES = [
  {
    scenario: 'output-buffer-pubsub',
    kind: 'output-buffer-kills',
    counter: 'client_output_buffer_limit_disconnections',
  },
  {
    scenario: 'output-buffer-normal',
    kind: 'output-buffer-kills',
    counter: 'client_output_buffer_limit_disconnections',
  },
  {
    scenario: 'query-buffer',
    kind: 'query-buffer-kills',
    counter: 'client_query_buffer_limit_disconnections',
  },
  { scenario: 'client-eviction', kind: 'client-eviction', counter: 'evicted_clients' },
  { scenario: 'maxclients', kind: 'maxclients-reached', counter: 'rejected_connections' },
] as const;

describe.each(fixtureVersions())('watch advice on the %s captures', (version) => {
  it.each(CASES)(
    "$scenario → $kind: the doctor's advice for the same capture",
    ({ scenario, kind, counter }) => {
      const ctx = captureContext(version, scenario, { [counter]: '0' });
      expect(kindsSeen(ctx)).toContain(kind);
      expect(doctorAdvice(kind, ctx, CAPTURE_TARGET)).toEqual(doctorSays(version, scenario, kind));
    },
  );

  it("client-kill → client-kills-observed: the doctor's advice for the same capture", () => {
    const calls = 'calls=0,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0';
    const ctx = captureContext(version, 'client-kill', { 'cmdstat_client|kill': calls });
    expect(kindsSeen(ctx)).toContain('client-kills-observed');
    expect(doctorAdvice('client-kills-observed', ctx, CAPTURE_TARGET)).toEqual(
      doctorSays(version, 'client-kill', 'client-kills-observed'),
    );
  });
});

describe("watch advice where the doctor's rule would not fire on the server's lifetime figures", () => {
  const version = 'redis-7.2.6';

  it("server-crashed: a round that saw a crash and restart gets the doctor's advice", () => {
    const before = { run_id: '0000000000000000000000000000000000000000', uptime_in_seconds: '900' };
    const ctx = { ...captureContext(version, 'crash-restart', before), previousRunEnd: 'killed' as const };
    expect(kindsSeen(ctx)).toEqual(['server-crashed']);
    expect(doctorAdvice('server-crashed', ctx, CAPTURE_TARGET)).toEqual(
      doctorSays(version, 'crash-restart', 'server-crashed'),
    );
  });

  it('connection-churn: a storm on a server whose lifetime average looks calm still gets the advice', () => {
    const config = parseConfigText(readFixture(version, 'healthy', 'config.txt'));
    const at = (ms: number, accepted: number) =>
      adviceRound(
        infoOf(version, 'healthy', {
          uptime_in_seconds: '864000',
          total_connections_received: String(accepted),
        }),
        ms,
        config,
      );
    const memory = newDetectorMemory();
    // A calm baseline of 1 connection a second, then 500 in five seconds.
    const [r0, r1, r2] = [at(0, 10_000), at(5000, 10_005), at(10_000, 10_505)];
    expect(kindsSeen(adviceContext(r1, r0, config, { memory }))).toEqual([]);
    const ctx = adviceContext(r2, r1, config, { memory });
    expect(kindsSeen(ctx)).toEqual(['connection-churn']);
    const advice = doctorAdvice('connection-churn', ctx, {
      ...CAPTURE_TARGET,
      hasAuth: true,
      username: 'ops',
    });
    expect(advice?.fix[0]?.command).toBe('redis-cli -h 127.0.0.1 -p 6390 --user ops --askpass CLIENT LIST');
    expect(advice?.explanation).toMatch(/^Either connections are being dropped and re-established/);
  });

  it('kinds without a doctor rule get none', () => {
    const ctx = captureContext(version, 'healthy', {});
    for (const kind of ['ghost-connections', 'server-failover', 'target-unreachable'])
      expect(doctorAdvice(kind, ctx, CAPTURE_TARGET)).toBeUndefined();
  });
});
