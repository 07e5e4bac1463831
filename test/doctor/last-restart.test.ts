/**
 * How the server's previous run ended: the doctor reads it off the whole log tail (summarizeLog's runs),
 * watch off the events it follows round by round; both classify with core/log/run-end.ts.
 */
import { describe, expect, it } from 'vitest';
import { RUN_END_WORDS, type RunEnd, RunEndTracker } from '../../src/core/log/run-end.js';
import { summarizeLog } from '../../src/core/log/summarize-log.js';
import { describeEnd } from '../../src/doctor/rules/server/last-restart.js';
import { watchRunEnd } from '../../src/watch/detectors/detect-context.js';
import { readFixture } from '../support/fixture-evidence.js';

const line = (pid: number, role: string, s: number, message: string) =>
  `${pid}:${role} 22 Nov 2026 02:04:${String(s).padStart(2, '0')}.100 # ${message}`;

/** A run of pid 100 that ends with `ending`, then the start of pid 200. */
const restartLog = (ending: string[]) =>
  [
    line(100, 'C', 1, 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'),
    line(100, 'M', 2, 'Ready to accept connections'),
    ...ending.map((message, i) => line(100, 'M', 3 + i, message)),
    line(200, 'C', 20, 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'),
    line(200, 'M', 21, 'Ready to accept connections'),
  ].join('\n');

/** What watch makes of the same log: the end its tracker tells at the second start banner. */
function watchSees(text: string): RunEnd | undefined {
  const tracker = new RunEndTracker();
  const ends = summarizeLog(text).events.map((ev) => tracker.note(ev.kind));
  return ends.filter((end) => end !== undefined).at(-1);
}

describe('how the previous run ended', () => {
  const cases: [string, string[], RunEnd][] = [
    ['a clean shutdown', ['User requested shutdown...', 'Redis is now ready to exit, bye bye...'], 'clean'],
    ['a crash report', ['=== REDIS BUG REPORT START: Cut & paste starting from here ==='], 'crash-report'],
    ['a shutdown that never finished', ['Received SIGTERM scheduling shutdown...'], 'shutdown-unfinished'],
    ['no shutdown line at all', [], 'killed'],
  ];

  it.each(cases)('%s: the doctor and watch tell the same end', (_name, ending, end) => {
    const text = restartLog(ending);
    const [previous] = summarizeLog(text).runs;
    expect(previous && describeEnd(previous)).toBe(RUN_END_WORDS[end]);
    expect(watchSees(text)).toBe(end);
  });

  it("watch's incidents count a shutdown that never finished as a kill (it was one)", () => {
    expect(watchRunEnd('shutdown-unfinished')).toBe('killed');
    expect(watchRunEnd('clean')).toBe('clean');
    expect(watchRunEnd('crash-report')).toBe('crash-report');
  });

  it.each(['redis-7.0.15', 'redis-7.4.1', 'valkey-8.0.1'])(
    'on the captured logs of %s they agree too',
    (version) => {
      for (const scenario of ['restart', 'crash-restart']) {
        const text = readFixture(version, scenario, 'server.log');
        const previous = summarizeLog(text).runs.at(-2);
        expect(previous).toBeDefined();
        const end = watchSees(text);
        expect(end).toBeDefined();
        expect(previous && describeEnd(previous)).toBe(RUN_END_WORDS[end as RunEnd]);
      }
    },
  );
});
