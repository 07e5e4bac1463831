/**
 * The lab catalogue against both clients wrapped by lifeline(client), default options: every fault
 * of research/lab.md, through the lab's proxy and on real servers. Wrapped, no scenario may fail the
 * app: nothing runs twice, nothing hangs, nothing is lost without a word, dead connections are found
 * within 5 s, and every drop is explained.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabReport, LabResult } from '../../src/lab/run-lab.js';
import { runLab } from '../../src/lab/run-lab.js';

/** The cause lifeline must give for each scenario that drops a connection (any of the listed). */
const CAUSES: Record<string, string[]> = {
  'blackhole-idle': ['half-open'],
  'blackhole-in-flight': ['half-open'],
  restart: ['server-restart'],
  'crash-restart': ['server-restart'],
  maxclients: ['maxclients', 'client-kill', 'unknown'],
  'output-buffer-pubsub': ['output-buffer-limit'],
  'output-buffer-normal': ['output-buffer-limit'],
  'client-eviction': ['client-eviction', 'query-buffer-limit'],
  'query-buffer': ['query-buffer-limit', 'unknown', 'network'],
  'client-kill': ['client-kill'],
};

describe.each(['lifeline-ioredis', 'lifeline-node-redis'])('lifeline lab --client %s', (client) => {
  let report: LabReport;
  const result = (id: string): LabResult => {
    const found = report.results.find((r) => r.measurement.scenario === id);
    if (!found) throw new Error(`no result for ${id}`);
    return found;
  };
  // The cause as confirmed with the server ('lifeline:reconnect'); the disconnect's own when the
  // client never came back within the scenario.
  const causes = (id: string) => {
    const events = result(id).measurement.events;
    const confirmed = events.filter((e) => e.event === 'lifeline:reconnect');
    return (confirmed.length > 0 ? confirmed : events.filter((e) => e.event === 'lifeline:disconnect')).map(
      (e) => /cause=([a-z-]+)/.exec(e.message ?? '')?.[1],
    );
  };

  beforeAll(async () => {
    report = await runLab({ client });
  }, 240_000);

  it('no scenario fails the app: nothing twice, nothing hung, nothing lost without a word', () => {
    expect(
      report.results
        .filter((r) => r.verdict.status !== 'ok')
        .map((r) => `${r.measurement.scenario}: ${r.verdict.summary}`),
    ).toEqual([]);
    for (const { verdict } of report.results) {
      expect(verdict).toMatchObject({ executedTwice: 0, neverSettled: 0, lostSilently: 0 });
    }
  });

  it.each(['blackhole-idle', 'blackhole-in-flight'])('%s: found within 5 s', (id) => {
    expect(result(id).verdict.detectMs ?? Number.POSITIVE_INFINITY).toBeLessThan(5000);
  });

  it.each(Object.entries(CAUSES))('%s: explained as %j', (id, expected) => {
    const seen = causes(id);
    expect(seen.length).toBeGreaterThan(0);
    expect(expected).toContain(seen[0]);
  });

  it('reply-lost-incr: the INCR ran once and the app was told it may have', () => {
    const r = result('reply-lost-incr');
    expect(r.verdict).toMatchObject({ executedTwice: 0, ranButRejected: 1 });
    expect(r.measurement.commands.some((c) => c.error?.includes('ERR_LIFELINE_MAYBE_EXECUTED'))).toBe(true);
  });

  it('output-buffer-pubsub: the gap is reported to the app', () => {
    expect(result('output-buffer-pubsub').verdict.toldAboutMessageLoss).toBe(true);
  });

  it.each(['idle-timeout', 'lb-idle-reset', 'nat-silent-drop'])(
    '%s: the heartbeat keeps the flow alive',
    (id) => {
      expect(causes(id)).toEqual([]);
      expect(result(id).verdict.recoverMs).not.toBeNull();
    },
  );
});
