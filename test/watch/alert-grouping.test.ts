import { describe, expect, it } from 'vitest';
import { AlertGrouper } from '../../src/watch/alerts/alert-grouping.js';
import { CAUSE_OF_INCIDENT, type Incident } from '../../src/watch/types.js';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const MIN = 60_000;

let sequence = 0;
function incident(atMs: number, overrides: Partial<Incident> = {}): Incident {
  sequence += 1;
  const at = new Date(atMs).toISOString();
  const target = overrides.target ?? 'redis://127.0.0.1:7001/';
  return {
    id: `${target}#${sequence}`,
    target,
    kind: 'idle-timeout-reaping',
    cause: 'idle-timeout',
    severity: 'warning',
    confidence: 'medium',
    title: 'Idle clients reaped',
    message: `Clients idle for 300 s vanished (#${sequence}).`,
    evidence: { sequence },
    fix: [],
    docs: 'docs/rules/idle-timeout-reaping.md',
    at,
    occurrences: 1,
    firstAt: at,
    lastAt: at,
    ...overrides,
    ...(overrides.kind ? { cause: CAUSE_OF_INCIDENT[overrides.kind] } : {}),
  };
}

function setup(windowMs = 5 * MIN) {
  const clock = { now: T0 };
  const grouper = new AlertGrouper({ windowMs, now: () => clock.now });
  return { clock, grouper };
}

describe('AlertGrouper', () => {
  it('lets the first incident through and absorbs repeats within the window', () => {
    const { clock, grouper } = setup();
    const first = incident(clock.now);
    expect(grouper.offer(first)).toBe(first);
    const repeats: Incident[] = [];
    for (let i = 1; i <= 3; i += 1) {
      clock.now = T0 + i * MIN;
      const repeat = incident(clock.now);
      repeats.push(repeat);
      expect(grouper.offer(repeat)).toBeUndefined();
    }
    // Window not over yet: nothing to flush.
    clock.now = T0 + 4 * MIN;
    expect(grouper.flush()).toEqual([]);

    clock.now = T0 + 5 * MIN;
    const [summary, ...rest] = grouper.flush();
    expect(rest).toEqual([]);
    const latest = repeats[2] as Incident;
    expect(summary).toMatchObject({
      id: `${latest.id}~repeats`,
      target: latest.target,
      kind: 'idle-timeout-reaping',
      cause: 'idle-timeout',
      occurrences: 3,
      firstAt: '2024-01-01T12:01:00.000Z',
      lastAt: '2024-01-01T12:03:00.000Z',
      evidence: latest.evidence,
      message: `Repeated 3 times since 12:01:00: ${latest.message}`,
    });
    // Nothing more to say until new repeats.
    expect(grouper.flush(T0 + 20 * MIN)).toEqual([]);
  });

  it('keeps summarising while the problem persists, then alerts afresh after a quiet window', () => {
    const { clock, grouper } = setup();
    const alerts: Incident[] = [];
    const emit = (i: Incident | undefined) => {
      if (i) alerts.push(i);
    };
    // Every minute for 12 minutes, flushing each minute like a sampling loop would.
    for (let m = 0; m < 12; m += 1) {
      clock.now = T0 + m * MIN;
      emit(grouper.offer(incident(clock.now)));
      for (const s of grouper.flush()) alerts.push(s);
    }
    // t=0 first; t=5 summary of 1..4; t=10 summary of 5..9 (the incident at 5 falls in the new window).
    expect(alerts.map((a) => a.occurrences)).toEqual([1, 4, 5]);
    expect(alerts[1]?.message).toMatch(/^Repeated 4 times since 12:01:00: /);
    expect(alerts[2]?.message).toMatch(/^Repeated 5 times since 12:05:00: /);

    // Silence until the window with the repeats at 10 and 11 ends (15), then a quiet window.
    clock.now = T0 + 15 * MIN;
    expect(grouper.flush().map((a) => a.occurrences)).toEqual([2]);
    clock.now = T0 + 20 * MIN;
    expect(grouper.flush()).toEqual([]);
    expect(grouper.openGroups).toBe(0);

    clock.now = T0 + 21 * MIN;
    const again = incident(clock.now);
    expect(grouper.offer(again)).toBe(again);
  });

  it('groups per target and per cause', () => {
    const { clock, grouper } = setup();
    const a = incident(clock.now);
    const b = incident(clock.now, { target: 'redis://127.0.0.1:7002/' });
    const c = incident(clock.now, { kind: 'output-buffer-kills', severity: 'critical' });
    expect(grouper.offer(a)).toBe(a);
    expect(grouper.offer(b)).toBe(b);
    expect(grouper.offer(c)).toBe(c);
    expect(grouper.offer(incident(clock.now))).toBeUndefined();
    expect(grouper.openGroups).toBe(3);
  });

  it('lets an escalation through instead of absorbing it', () => {
    const { clock, grouper } = setup();
    expect(grouper.offer(incident(clock.now, { severity: 'warning' }))).toBeDefined();
    clock.now += MIN;
    const worse = incident(clock.now, { severity: 'critical' });
    expect(grouper.offer(worse)).toBe(worse);
    clock.now += MIN;
    expect(grouper.offer(incident(clock.now, { severity: 'critical' }))).toBeUndefined();
    expect(grouper.offer(incident(clock.now, { severity: 'info' }))).toBeUndefined();
    const [summary] = grouper.drain();
    expect(summary?.occurrences).toBe(2);
    expect(summary?.severity).toBe('critical');
  });

  it('counts grouped input by occurrences and uses the repeats own firstAt/lastAt', () => {
    const { clock, grouper } = setup();
    grouper.offer(incident(clock.now));
    clock.now += MIN;
    grouper.offer(
      incident(clock.now, {
        occurrences: 4,
        firstAt: '2024-01-01T12:00:30.000Z',
        lastAt: '2024-01-01T12:01:00.000Z',
      }),
    );
    const [summary] = grouper.flush(T0 + 5 * MIN);
    expect(summary).toMatchObject({
      occurrences: 4,
      firstAt: '2024-01-01T12:00:30.000Z',
      lastAt: '2024-01-01T12:01:00.000Z',
    });
    expect(summary?.message).toMatch(/^Repeated 4 times since 12:00:30: /);
  });

  it('returns a summary found while offering after the window ended, at the next flush', () => {
    const { clock, grouper } = setup();
    grouper.offer(incident(clock.now));
    clock.now += MIN;
    grouper.offer(incident(clock.now));
    // No flush at the window's end; the next repeat arrives later.
    clock.now = T0 + 6 * MIN;
    expect(grouper.offer(incident(clock.now))).toBeUndefined();
    const summaries = grouper.flush();
    expect(summaries.map((s) => s.occurrences)).toEqual([1]);
    expect(summaries[0]?.message).toMatch(/^Repeated 1 time since 12:01:00: /);
    // The repeat at 6 min sits in the new window.
    expect(grouper.drain().map((s) => s.occurrences)).toEqual([1]);
  });

  it('drain() summarises every pending group, window over or not, and closes them', () => {
    const { clock, grouper } = setup();
    grouper.offer(incident(clock.now));
    grouper.offer(incident(clock.now, { kind: 'ghost-connections' }));
    clock.now += 1000;
    grouper.offer(incident(clock.now));
    grouper.offer(incident(clock.now));
    const drained = grouper.drain();
    expect(drained).toHaveLength(1);
    expect(drained[0]).toMatchObject({ kind: 'idle-timeout-reaping', occurrences: 2 });
    expect(grouper.openGroups).toBe(0);
    expect(grouper.drain()).toEqual([]);
  });

  it('willAbsorb() says beforehand what offer() will do', () => {
    const { clock, grouper } = setup();
    const target = 'redis://127.0.0.1:7001/';
    const first = incident(clock.now);
    expect(grouper.willAbsorb(target, first.kind, first.severity)).toBe(false);
    expect(grouper.offer(first)).toBe(first);
    clock.now += MIN;
    expect(grouper.willAbsorb(target, 'idle-timeout-reaping', 'warning')).toBe(true);
    expect(grouper.offer(incident(clock.now))).toBeUndefined();
    // An escalation passes; another cause has no group.
    expect(grouper.willAbsorb(target, 'idle-timeout-reaping', 'critical')).toBe(false);
    expect(grouper.willAbsorb(target, 'client-eviction', 'warning')).toBe(false);
    // After a window that ended with repeats, the next one is held too (a new window opens).
    clock.now = T0 + 6 * MIN;
    expect(grouper.willAbsorb(target, 'idle-timeout-reaping', 'warning')).toBe(true);
    expect(grouper.offer(incident(clock.now))).toBeUndefined();
  });

  it('a summary carries the connections its repeats closed, summed', () => {
    const { clock, grouper } = setup();
    grouper.offer(incident(clock.now, { connections: 5 }));
    grouper.offer(incident(clock.now + 1000, { connections: 2 }));
    grouper.offer(incident(clock.now + 2000, { connections: 3 }));
    const [summary] = grouper.drain();
    expect(summary).toMatchObject({ occurrences: 2, connections: 5 });
  });
});
