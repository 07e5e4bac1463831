/**
 * The whole lab catalogue against both clients on default options, once per client: the behaviours
 * measured by hand in research/lab.md must show in the lab's results, and the doctor (run by the lab
 * after each fault) must name the cause wherever the server keeps a trace. These are the doctor's
 * end-to-end tests too: the reproduction code is the lab's, not a copy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabReport, LabResult } from '../../src/lab/run-lab.js';
import { runLab } from '../../src/lab/run-lab.js';
import { SCENARIOS } from '../../src/lab/scenarios/index.js';

/** What `lifeline doctor` must name after each scenario (null: the server keeps no trace of it). */
const DOCTOR_NAMES: Record<string, string | null> = {
  'idle-timeout': 'idle-timeout-reaping',
  'lb-idle-reset': null,
  'nat-silent-drop': null,
  'blackhole-idle': null,
  'blackhole-in-flight': null,
  'reply-lost-incr': null,
  restart: 'server-restarted',
  'crash-restart': 'server-crashed',
  maxclients: 'maxclients-reached',
  'output-buffer-pubsub': 'output-buffer-kills',
  'output-buffer-normal': 'output-buffer-kills',
  'client-eviction': 'client-eviction',
  'query-buffer': 'query-buffer-kills',
  'client-kill': 'client-kills-observed',
};

/** The severity each named cause must carry after the lab's reproduction. */
const SEVERITY: Record<string, string> = {
  'idle-timeout-reaping': 'warning',
  'server-restarted': 'warning',
  'server-crashed': 'critical',
  'maxclients-reached': 'warning', // the limit is lifted again before the doctor runs
  'output-buffer-kills': 'critical',
  'client-eviction': 'critical',
  'query-buffer-kills': 'critical',
  'client-kills-observed': 'warning',
};

const CATALOGUE_MS = 240_000;

describe.each(['ioredis', 'node-redis'])('lifeline lab --client %s (default options)', (client) => {
  let report: LabReport;
  const result = (id: string): LabResult => {
    const found = report.results.find((r) => r.measurement.scenario === id);
    if (!found) throw new Error(`no result for ${id}`);
    return found;
  };
  const sawText = (r: LabResult, text: RegExp) =>
    r.measurement.events.some((e) =>
      text.test(`${e.event} ${e.name ?? ''} ${e.code ?? ''} ${e.message ?? ''}`),
    ) || r.measurement.commands.some((c) => text.test(c.error ?? ''));

  beforeAll(async () => {
    report = await runLab({ client });
  }, CATALOGUE_MS);

  it('runs every scenario to the end', () => {
    expect(report.results.map((r) => r.measurement.scenario)).toEqual(SCENARIOS.map((s) => s.id));
    expect(
      report.results.filter((r) => r.verdict.status === 'error').map((r) => r.measurement.error),
    ).toEqual([]);
    expect(report.summary.fail).toBeGreaterThan(0); // raw clients do fail the app (exit 1)
  });

  it.each(Object.entries(DOCTOR_NAMES))('%s: the doctor names %s', (id, cause) => {
    const doctor = result(id).measurement.doctor;
    expect(doctor.mostLikelyCause).toBe(cause);
    if (cause) expect(doctor.findings.find((f) => f.ruleId === cause)?.severity).toBe(SEVERITY[cause]);
  });

  it('reply-lost-incr: ioredis runs INCR twice and resolves it; node-redis rejects an INCR that ran', () => {
    const v = result('reply-lost-incr').verdict;
    if (client === 'ioredis') {
      expect(v).toMatchObject({ executedTwice: 1, status: 'fail' });
      expect(result('reply-lost-incr').measurement.commands.find((c) => c.reply === '2')).toBeDefined();
    } else {
      expect(v).toMatchObject({ executedTwice: 0, ranButRejected: 1 });
    }
  });

  it.each(['blackhole-idle', 'blackhole-in-flight'])('%s: the command hangs until the fault clears', (id) => {
    const v = result(id).verdict;
    expect(v.neverSettled).toBeGreaterThanOrEqual(1);
    expect(v.status).toBe('fail');
    expect(v.detectMs ?? Number.POSITIVE_INFINITY).toBeGreaterThan(5000);
  });

  it('maxclients: only node-redis shows the server text', () => {
    expect(sawText(result('maxclients'), /max number of clients reached/)).toBe(client === 'node-redis');
  });

  it('output-buffer-pubsub: most messages are lost, and no client names the gap', () => {
    const { measurement: m, verdict: v } = result('output-buffer-pubsub');
    expect(m.published).toBeGreaterThan(20_000);
    expect(v.messagesLost).toBeGreaterThan(m.published / 4);
    expect(v).toMatchObject({ toldAboutMessageLoss: false, status: 'fail' });
  });

  it('output-buffer-normal: ioredis loops (resending the big read); node-redis rejects once', () => {
    const closes = result('output-buffer-normal').measurement.events.filter((e) =>
      ['close', 'error'].includes(e.event),
    ).length;
    if (client === 'ioredis') expect(closes).toBeGreaterThanOrEqual(3);
    else expect(closes).toBe(1);
  });

  it.each(['idle-timeout', 'lb-idle-reset', 'restart', 'crash-restart', 'client-kill'])(
    '%s: the app is told and recovers',
    (id) => {
      const v = result(id).verdict;
      expect(v.detectMs).not.toBeNull();
      expect(v.recoverMs).not.toBeNull();
      expect(v).toMatchObject({ executedTwice: 0, neverSettled: 0, lostSilently: 0 });
    },
  );

  it('restarts: the app sees ECONNREFUSED while the server is down', () => {
    expect(sawText(result('restart'), /ECONNREFUSED/)).toBe(true);
    expect(sawText(result('crash-restart'), /ECONNREFUSED/)).toBe(true);
  });
});
