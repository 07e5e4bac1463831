import { describe, expect, it } from 'vitest';
import { LiveView } from '../../src/watch/render/live-view.js';
import type { Incident, Sample } from '../../src/watch/types.js';

const T = 'redis://127.0.0.1:6390';
const sample = (
  at: number,
  received: number,
  rejected: number,
  kills: number,
  runId = 'a',
  uptimeS = 10 + at / 1000,
): Sample => ({
  target: T,
  at,
  up: true,
  durationMs: 1,
  server: { product: 'redis', version: '7.4.1', runId, pid: 1, uptimeS, role: 'master' },
  counters: {
    connectionsReceived: received,
    rejectedConnections: rejected,
    clientKillCalls: 0,
    outputBufferKills: kills,
  },
  gauges: { connectedClients: 42, maxclients: 100, blockedClients: 0, usedMemoryBytes: 1, maxmemoryBytes: 0 },
});

describe('LiveView', () => {
  it('shows per target: clients, new connections per second, kills and rejections since start, last incident', () => {
    const view = new LiveView([T, 'redis://127.0.0.1:6391']);
    view.sample(sample(0, 100, 1, 0));
    view.sample(sample(2000, 120, 4, 2));
    // A restart (a new run up 1 s): counters start again from zero, and what they hold is new.
    view.sample(sample(4000, 5, 1, 1, 'b', 1));
    view.incident({
      target: T,
      kind: 'output-buffer-kills',
      cause: 'output-buffer-limit',
      severity: 'critical',
      at: '2026-11-22T05:00:07.000Z',
      occurrences: 1,
      message: 'killed',
      fix: [],
    } as unknown as Incident);
    const text = view.render(new Date('2026-11-22T05:00:10Z'), false);
    const row = text.split('\n').find((l) => l.startsWith(T));
    // kills 2 + 1 after the restart, rejected 3 + 1; churn unknown across a restart.
    expect(row?.split(/\s{2,}/)).toEqual([T, 'up', '42/100', '-', '3', '4', '05:00:07 output-buffer-kills']);
    expect(text).toMatch(/redis:\/\/127\.0\.0\.1:6391\s+starting/);
    expect(text).toMatch(/Recent incidents:\n.*CRITICAL .*output-buffer-kills: killed/);
  });

  it("counts nothing of another server's counters after a failover, and a restart behind a proxy that hides run_id", () => {
    const killsAndRejected = (view: LiveView) =>
      view
        .render(new Date(), false)
        .split('\n')
        .find((l) => l.startsWith(T))
        ?.split(/\s{2,}/)
        .slice(4, 6);
    const failover = new LiveView([T]);
    failover.sample(sample(0, 100, 1, 0));
    // Another server, up for a day: its lifetime counts did not just happen; what it adds next did.
    failover.sample(sample(2000, 9000, 50, 40, 'standby', 86_400));
    failover.sample(sample(4000, 9010, 52, 41, 'standby', 86_402));
    expect(killsAndRejected(failover)).toEqual(['1', '2']);
    // run_id hidden: an uptime that went back is a restart, and its counters are new.
    const hidden = new LiveView([T]);
    hidden.sample(sample(0, 100, 7, 5, '', 5000));
    hidden.sample(sample(2000, 10, 2, 1, '', 1));
    expect(killsAndRejected(hidden)).toEqual(['1', '2']);
  });

  it('shows the rate of new connections between two samples of one run, and DOWN', () => {
    const view = new LiveView([T]);
    view.sample(sample(0, 100, 0, 0));
    view.sample(sample(2000, 120, 0, 0));
    expect(view.render(new Date(), false)).toMatch(/ up\s+42\/100\s+10\.0\s+0\s+0\s+-/);
    view.sample({ target: T, at: 3000, up: false, durationMs: 1, error: 'refused' });
    expect(view.render(new Date(), false)).toMatch(/ DOWN /);
    expect(view.render(new Date(), false)).toMatch(/No incidents so far/);
  });

  it('keeps the last three notices about watch itself below the incidents', () => {
    const view = new LiveView([T]);
    expect(view.render(new Date(), false)).not.toMatch(/Notices:/);
    for (const n of [1, 2, 3, 4]) view.notice(`notice ${n}`);
    expect(view.render(new Date(), false)).toMatch(/\nNotices:\nnotice 2\nnotice 3\nnotice 4$/);
  });
});
