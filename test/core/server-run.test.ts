import { describe, expect, it } from 'vitest';
import { attribute, type DisconnectFacts } from '../../src/client/disconnect-cause.js';
import { serverDeltas, snapshotFromInfo } from '../../src/client/server-snapshot.js';
import { compareRuns, counterDelta, intervalDelta, sameProcess } from '../../src/core/server-run.js';

const T0 = 1_700_000_000_000;
const reading = (runId: string | undefined, uptimeS: number | undefined, atS = 0) => ({
  runId,
  uptimeS,
  at: T0 + atS * 1000,
});

describe('one server run to the next', () => {
  it('a known run_id decides: a new one is another process, the same one is the same process', () => {
    expect(sameProcess(reading('a', 100), reading('a', 105))).toBe(true);
    expect(sameProcess(reading('a', 100), reading('b', 105))).toBe(false);
    // The host clock stepped back: uptime_in_seconds is wall-clock time since the start.
    expect(sameProcess(reading('a', 100), reading('a', 40))).toBe(true);
  });

  it('without a run_id on either side (a proxy hides it, or an old history stored ""), an uptime that went back is a new process', () => {
    for (const hidden of [undefined, '']) {
      expect(sameProcess(reading(hidden, 5000), reading(hidden, 2))).toBe(false);
      expect(sameProcess(reading(hidden, 5000), reading(hidden, 5005))).toBe(true);
      expect(sameProcess(reading('a', 5000), reading(hidden, 2))).toBe(false);
      expect(sameProcess(reading(hidden, 5000), reading('b', 5005))).toBe(true);
    }
    // Nothing to compare: the same, as far as anyone can tell.
    expect(sameProcess(reading(undefined, undefined), reading(undefined, 2))).toBe(true);
  });

  it('a new process up for less than the time between the readings (plus 2 s) restarted; one up for longer was already running', () => {
    expect(compareRuns(reading('a', 5000), reading('a', 5010, 10))).toBe('same');
    expect(compareRuns(reading('a', 5000), reading('b', 3, 5))).toBe('restarted');
    expect(compareRuns(reading('a', 5000), reading('b', 7, 5))).toBe('restarted');
    expect(compareRuns(reading('a', 5000), reading('b', 8, 5))).toBe('replaced');
    expect(compareRuns(reading('a', 5000), reading('b', 86_400, 5))).toBe('replaced');
    expect(compareRuns(reading(undefined, 5000), reading(undefined, 3, 5))).toBe('restarted');
    // A new run_id with no uptime to judge by: a restart, as it always was.
    expect(compareRuns(reading('a', undefined), reading('b', undefined, 5))).toBe('restarted');
  });

  it('counter deltas: growth within a run, all of it after a restart or a reset, nothing across a failover', () => {
    expect(counterDelta(10, 15, 'same')).toBe(5);
    // Went down within a run: CONFIG RESETSTAT; everything it shows is new.
    expect(counterDelta(15, 10, 'same')).toBe(10);
    expect(counterDelta(15, 20, 'restarted')).toBe(20);
    expect(counterDelta(undefined, 5, 'restarted')).toBe(5);
    expect(counterDelta(15, 20, 'replaced')).toBeUndefined();
    // A counter missing on either side (the server lacks it) is unknown, never 0.
    expect(counterDelta(undefined, 5, 'same')).toBeUndefined();
    expect(counterDelta(5, undefined, 'same')).toBeUndefined();
    expect(counterDelta(5, undefined, 'restarted')).toBeUndefined();
  });

  it('interval deltas (for rates): only within one run and without a reset', () => {
    expect(intervalDelta(10, 15, 'same')).toBe(5);
    expect(intervalDelta(15, 10, 'same')).toBeUndefined();
    expect(intervalDelta(15, 20, 'restarted')).toBeUndefined();
    expect(intervalDelta(15, 20, 'replaced')).toBeUndefined();
    expect(intervalDelta(undefined, 5, 'same')).toBeUndefined();
  });
});

describe("the client's reconnect snapshot uses the same rules", () => {
  const info = (fields: Record<string, string | number>) =>
    Object.entries(fields)
      .map(([k, v]) => `${k}:${v}`)
      .join('\r\n');

  it('behind a proxy that hides run_id, an uptime that went back is a new server process', () => {
    const before = snapshotFromInfo(info({ uptime_in_seconds: 5000, rejected_connections: 9 }));
    const after = snapshotFromInfo(info({ uptime_in_seconds: 2, rejected_connections: 1 }));
    expect(serverDeltas(before, after)).toMatchObject({ runIdChanged: true, rejectedConnections: 0 });
    const later = snapshotFromInfo(info({ uptime_in_seconds: 5100, rejected_connections: 12 }));
    expect(serverDeltas(before, later)).toMatchObject({ runIdChanged: false, rejectedConnections: 3 });
  });

  it('a counter reset in the same run (CONFIG RESETSTAT) counts what it shows since', () => {
    const before = snapshotFromInfo(info({ run_id: 'a', uptime_in_seconds: 50, evicted_clients: 40 }));
    const after = snapshotFromInfo(info({ run_id: 'a', uptime_in_seconds: 60, evicted_clients: 2 }));
    expect(serverDeltas(before, after)).toMatchObject({ runIdChanged: false, evictedClients: 2 });
  });

  it('the same facts give watch a replaced server and the client a failover, not a restart', () => {
    const at = T0;
    const before = snapshotFromInfo(info({ run_id: 'a', uptime_in_seconds: 5000 }), at);
    // Another server, up for a day, answers 10 s later at the same address.
    const after = snapshotFromInfo(info({ run_id: 'b', uptime_in_seconds: 86_400 }), at + 10_000);
    expect(compareRuns(before, after)).toBe('replaced');
    const deltas = serverDeltas(before, after);
    expect(deltas).toMatchObject({ runIdChanged: true, serverReplaced: true });
    const eof: DisconnectFacts = {
      error: undefined,
      killedBy: undefined,
      endpoint: '10.0.0.1:6380',
      quietMs: 0,
      inFlight: [],
      subscribed: false,
      serverTimeoutS: undefined,
      reconnectRefused: false,
    };
    expect(attribute(eof, deltas).cause).toBe('failover');
    // A process started since: a restart in both.
    const restarted = snapshotFromInfo(info({ run_id: 'c', uptime_in_seconds: 3 }), at + 10_000);
    expect(compareRuns(before, restarted)).toBe('restarted');
    expect(attribute(eof, serverDeltas(before, restarted)).cause).toBe('server-restart');
  });
});
