import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory } from '../../src/watch/history/read-history.js';
import { sampleDeltas } from '../../src/watch/history/sample-series.js';
import { renderReportHtml } from '../../src/watch/report/render-report-html.js';
import { renderReportMarkdown } from '../../src/watch/report/render-report-markdown.js';
import { renderReportText } from '../../src/watch/report/render-report-text.js';
import { buildTimeline, type Timeline } from '../../src/watch/report/timeline.js';
import type { HistoryRecord, Sample } from '../../src/watch/types.js';
import { incident, realisticHistory, sample, T0, toNdjson, upSample } from './support/synth-history.js';

const A = 'redis://a.internal:6379';
const EVIL = 'redis://evil:6379/"><script>alert(1)</script>';
const at = (n: number) => T0 + n * 10_000;
const iso = (n: number) => new Date(at(n)).toISOString();

/** Small enough to count by hand: the numbers in the comments are what the report must say. */
const handMade: HistoryRecord[] = [
  {
    type: 'start',
    at: iso(0),
    tool: { name: 'redis-lifeline', version: '0.1.0' },
    targets: [A, EVIL],
    intervalMs: 10_000,
  },
  // baseline: nothing counted yet
  upSample(A, at(0), 'r1', 10, {
    rejectedConnections: 100,
    outputBufferKills: 5,
    queryBufferKills: 1,
    evictedClients: 0,
  }),
  // +3 rejected; kills +2 output, +0 query, +1 evicted = 3
  upSample(A, at(1), 'r1', 12, {
    rejectedConnections: 103,
    outputBufferKills: 7,
    queryBufferKills: 1,
    evictedClients: 1,
  }),
  // counter dropped without a restart (CONFIG RESETSTAT): +2, not -101
  upSample(A, at(2), 'r1', 15, {
    rejectedConnections: 2,
    outputBufferKills: 7,
    queryBufferKills: 1,
    evictedClients: 1,
  }),
  sample(A, at(3), { up: false, error: 'connect ECONNREFUSED' }),
  sample(A, at(4), { up: false, error: 'connect ECONNREFUSED' }),
  // restarted (new run id): everything since the restart counts: +4 rejected, +1 kill
  upSample(A, at(5), 'r2', 3, {
    rejectedConnections: 4,
    outputBufferKills: 1,
    queryBufferKills: 0,
    evictedClients: 0,
  }),
  // +2 query-buffer kills
  upSample(A, at(6), 'r2', 5, {
    rejectedConnections: 4,
    outputBufferKills: 1,
    queryBufferKills: 2,
    evictedClients: 0,
  }),
  // Out of time order on purpose: the report sorts.
  incident(A, at(5), 'server-crashed', 'critical', 'restarted without a clean shutdown', [
    { command: 'journalctl -k' },
  ]),
  incident(A, at(1), 'output-buffer-kills', 'warning', '2 clients killed', [{ command: 'OLDER FIX' }]),
  incident(A, at(6), 'output-buffer-kills', 'warning', '1 client killed', [
    { command: 'NEWER FIX', note: 'the latest' },
    { command: 'SECOND FIX' },
  ]),
  upSample(EVIL, at(0), 'e1', 1, {}),
  incident(
    EVIL,
    at(2),
    'client-kills-observed',
    'info',
    'client name <script>alert("pwned")</script> | pipe \u001b[31mred\u001b[0m',
    [{ command: `CLIENT KILL ID 7 '<img src=x onerror=alert(1)>'`, note: '<b>bold</b>' }],
  ),
];
(handMade.at(-1) as { docs: string }).docs = 'javascript:alert(1)';

let dir: string;
let timeline: Timeline;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-report-'));
  writeFileSync(join(dir, 'hand.ndjson'), toNdjson(handMade));
  timeline = buildTimeline(await readHistory(join(dir, 'hand.ndjson')), {
    generatedBy: 'redis-lifeline test',
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('counter deltas', () => {
  // The rule itself (a drop is a reset, a restart counts from zero) is core/server-run.ts's: test/core/server-run.test.ts.
  it('a new run id resets even when the counter happens to be higher', () => {
    const s = (runId: string, rejected: number) => {
      const r = upSample(A, T0, runId, 1, { rejectedConnections: rejected }) as { type: 'sample' } & Sample;
      return r;
    };
    const first = sampleDeltas(undefined, s('r1', 10));
    expect(first).toMatchObject({ rejected: 0, restarted: false });
    expect(sampleDeltas(first.baseline, s('r1', 12))).toMatchObject({ rejected: 2, restarted: false });
    expect(sampleDeltas(first.baseline, s('r2', 12))).toMatchObject({ rejected: 12, restarted: true });
    // Another server, up for longer than since the baseline (failover): a new baseline, no events.
    const standby = { ...s('r3', 500), at: T0 + 5000 };
    standby.server = { ...(standby.server as NonNullable<Sample['server']>), uptimeS: 86_400 };
    expect(sampleDeltas(first.baseline, standby)).toMatchObject({ rejected: 0, restarted: false });
    // A down sample neither counts nor moves the baseline.
    const down = sampleDeltas(first.baseline, { target: A, at: T0, up: false, durationMs: 0 });
    expect(down).toMatchObject({ rejected: 0, kills: 0, baseline: first.baseline });
  });
});

describe('a server behind a proxy that hides run_id', () => {
  const hidden = (n: number, uptimeS: number, rejected: number, runId?: string): HistoryRecord => {
    const r = upSample(A, at(n), 'unused', 5, { rejectedConnections: rejected }) as {
      type: 'sample';
    } & Sample;
    const { runId: _, ...server } = r.server as NonNullable<Sample['server']>;
    // Histories written before run_id could be absent stored it as ''.
    r.server = { ...server, uptimeS, ...(runId !== undefined ? { runId } : {}) };
    return r;
  };

  it('an uptime that went back is a restart in the report, as watch saw it live', async () => {
    for (const [name, runId] of [
      ['old-format', ''],
      ['new-format', undefined],
    ] as const) {
      const records = [
        hidden(0, 5000, 10, runId),
        hidden(1, 5010, 11, runId),
        // Restarted between the samples: uptime 3 s, and 12 rejections since (more than before).
        hidden(2, 3, 12, runId),
        hidden(3, 13, 12, runId),
      ];
      writeFileSync(join(dir, `${name}.ndjson`), toNdjson(records));
      const t = buildTimeline(await readHistory(join(dir, `${name}.ndjson`)), { generatedBy: 'x' });
      expect(t.targets[0]?.totals).toMatchObject({ restarts: 1, rejected: 1 + 12 });
      expect(t.targets[0]?.points.map((p) => p.restarts)).toEqual([0, 0, 1, 0]);
    }
  });
});

describe('timeline', () => {
  it('counts rejections, kills, restarts and downtime as the hand count says', () => {
    const a = timeline.targets.find((t) => t.target === A);
    expect(a?.totals).toEqual({
      rejected: 9,
      kills: 6,
      restarts: 1,
      downMs: 20_000,
      peakConnected: 15,
      maxclients: 1000,
    });
    expect(a?.points.map((p) => p.rejected)).toEqual([0, 3, 2, 0, 0, 4, 0]);
    expect(a?.points.map((p) => p.kills)).toEqual([0, 3, 0, 0, 0, 1, 2]);
    expect(a?.downtime).toEqual([{ from: at(3), to: at(5), ongoing: false }]);
    expect(a?.samples).toBe(7);
    expect(a?.downSamples).toBe(2);
    expect(a?.server?.runId).toBe('r2');
  });

  it('orders incidents by time and counts them by severity and kind', () => {
    expect(timeline.incidents.map((i) => i.at)).toEqual([iso(1), iso(2), iso(5), iso(6)]);
    expect(timeline.bySeverity).toEqual({ critical: 1, warning: 2, info: 1 });
    expect(timeline.byKind.map((c) => [c.kind, c.incidents])).toEqual([
      ['server-crashed', 1],
      ['output-buffer-kills', 2],
      ['client-kills-observed', 1],
    ]);
    expect(timeline.targets.map((t) => t.markers.length)).toEqual([3, 1]);
    expect(timeline.window).toEqual({ from: at(0), to: at(6) });
    expect(timeline.samples).toBe(8);
    expect(timeline.runs).toBe(1);
  });

  it('the latest incident of each kind carries the fix to show', () => {
    expect(timeline.latestByKind.map((i) => [i.kind, i.fix[0]?.command])).toEqual([
      ['server-crashed', 'journalctl -k'],
      ['output-buffer-kills', 'NEWER FIX'],
      ['client-kills-observed', `CLIENT KILL ID 7 '<img src=x onerror=alert(1)>'`],
    ]);
  });

  it('downsampled points give the same downtime span and totals', async () => {
    const flaps: HistoryRecord[] = [];
    const ups = [true, true, false, false, false, true, true, true];
    for (const [n, up] of ups.entries())
      flaps.push(
        up ? upSample(A, at(n), 'r1', 10 + n, { rejectedConnections: n }) : sample(A, at(n), { up }),
      );
    writeFileSync(join(dir, 'flaps.ndjson'), toNdjson([...flaps, sample(A, at(8), { up: false })]));
    const full = buildTimeline(await readHistory(join(dir, 'flaps.ndjson')), { generatedBy: 'x' });
    const merged = buildTimeline(await readHistory(join(dir, 'flaps.ndjson'), { maxPoints: 2 }), {
      generatedBy: 'x',
    });
    expect(merged.targets[0]?.points.length).toBeLessThanOrEqual(2);
    for (const t of [full, merged]) {
      expect(t.targets[0]?.downtime).toEqual([
        { from: at(2), to: at(5), ongoing: false },
        { from: at(8), to: at(8), ongoing: true },
      ]);
      // 0,1 then (down) then 5,6,7: deltas 1, then 5-1=4, 1, 1.
      expect(t.targets[0]?.totals.rejected).toBe(7);
    }
  });
});

describe('renderReportText', () => {
  const text = () => renderReportText(timeline, { color: false });

  it('has a header, one line per incident in time order, and the latest fix per cause', () => {
    const lines = text().split('\n');
    expect(lines[0]).toBe('lifeline report — 2 targets, 2025-03-04 09:00:00Z to 2025-03-04 09:01:00Z (1m)');
    expect(lines[1]).toBe('  8 samples from 1 watch run; 4 incidents: 1 critical, 2 warning, 1 info');
    expect(text()).toContain(
      `${A}: redis 7.4.1, 7 samples, down 20s in 1 span, 1 restart, 9 rejected, 6 killed, peak 15/1000 clients`,
    );
    const incidentLines = lines.filter((l) => /^ {2}2025-03-04 /.test(l));
    expect(incidentLines).toHaveLength(4);
    expect(incidentLines[0]).toMatch(
      /09:00:10Z {2}redis:\/\/a\.internal:6379 +warning +output-buffer-kills +2 clients killed$/,
    );
    expect(incidentLines[2]).toMatch(/critical +server-crashed +restarted without a clean shutdown/);
    const fix = text().slice(text().indexOf('Fix (for the most recent incident of each kind)'));
    expect(fix).toContain('    NEWER FIX\n      # the latest');
    expect(fix).not.toContain('OLDER FIX');
    expect(fix).not.toContain('SECOND FIX');
  });

  it('strips control characters from history text (no escape sequences reach the terminal)', () => {
    expect(text()).not.toContain('\u001b');
    expect(text()).toContain('pipe  [31mred [0m');
    expect(renderReportText(timeline, { color: true })).toContain('\u001b[31mcritical');
  });
});

describe('renderReportMarkdown', () => {
  it('renders the same content as tables, with cells that cannot break the table or inject HTML', () => {
    const md = renderReportMarkdown(timeline);
    expect(md).toMatch(/^## lifeline report: 2 targets, /);
    const rows = md.split('\n').filter((l) => /^\| 2025-03-04 /.test(l));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.split(/(?<!\\)\|/)).toHaveLength(7); // 5 cells, no stray pipe
    expect(md).toContain('| 9 | 6 | 15 / 1000 |');
    expect(md).toContain('&lt;script&gt;');
    expect(md).not.toContain('<script>');
    expect(md).toContain('```sh\nNEWER FIX\n# the latest\n```');
    expect(md).not.toContain('OLDER FIX');
  });
});

describe('renderReportHtml', () => {
  const html = () => renderReportHtml(timeline);

  it('escapes every string from the history', () => {
    const page = html();
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toContain('<b>bold');
    expect(page).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('data-target="redis://evil:6379/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).not.toMatch(/href="javascript:/i);
  });

  it('is self-contained: nothing to load, no script, a CSP that forbids both', () => {
    const page = html();
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/\s(src|href)="(?!#)/i);
    expect(page).not.toMatch(/@import|url\(/i);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('draws one chart per target with three series that carry their point counts and totals', () => {
    const page = html();
    expect(page.match(/<svg class="chart"/g)).toHaveLength(2);
    const series = [...page.matchAll(/data-series="(\w+)" data-points="(\d+)"(?: data-total="(\d+)")?/g)].map(
      (m) => [m[1], Number(m[2]), m[3] === undefined ? undefined : Number(m[3])],
    );
    expect(series).toEqual([
      ['connections', 5, undefined],
      ['rejections', 5, 9],
      ['kills', 5, 6],
      ['connections', 1, undefined],
      ['rejections', 1, 0],
      ['kills', 1, 0],
    ]);
    expect(page.match(/<g class="marker /g)).toHaveLength(4);
    expect(page.match(/<tr class="incident"/g)).toHaveLength(4);
    expect(page.match(/<rect class="down"/g)).toHaveLength(1);
    expect(page).toContain(
      '<title>2025-03-04 09:00:50Z critical server-crashed: restarted without a clean shutdown</title>',
    );
    // The down samples lift the pen: two separate strokes for connections.
    const d = /data-series="connections" data-points="5" d="([^"]+)"/.exec(page)?.[1] ?? '';
    expect(d.match(/M/g)).toHaveLength(2);
  });

  it('keeps at most ~2000 points per series however long the history', async () => {
    const records: HistoryRecord[] = [];
    for (let n = 0; n < 12_000; n += 1)
      records.push(upSample(A, T0 + n * 1000, 'r1', 50 + (n % 7), { rejectedConnections: n }));
    writeFileSync(join(dir, 'long.ndjson'), toNdjson(records));
    const page = renderReportHtml(
      buildTimeline(await readHistory(join(dir, 'long.ndjson')), { generatedBy: 'x' }),
    );
    for (const m of page.matchAll(
      /data-series="(\w+)" data-points="(\d+)"(?: data-total="\d+")? d="([^"]+)"/g,
    )) {
      expect(Number(m[2])).toBeGreaterThan(1000);
      expect(Number(m[2])).toBeLessThanOrEqual(2000);
      expect((m[3] ?? '').match(/[ML]/g)?.length).toBeLessThanOrEqual(4000);
    }
    expect(page).toContain('data-series="rejections" data-points="1500" data-total="11999"');
    expect(page).toContain('each point merges 8 samples');
  });
});

describe('a realistic history', () => {
  it('reports what the generator put in', async () => {
    const { records, expected } = realisticHistory();
    writeFileSync(join(dir, 'real.ndjson'), toNdjson(records));
    const t = buildTimeline(await readHistory(join(dir, 'real.ndjson')), { generatedBy: 'x' });
    expect(t.incidents).toHaveLength(expected.incidents);
    for (const target of t.targets) {
      expect(target.samples).toBe(expected.samples[target.target]);
      expect(target.downSamples).toBe(expected.downSamples[target.target]);
      expect(target.totals.rejected).toBe(expected.rejected[target.target]);
      expect(target.totals.kills).toBe(expected.kills[target.target]);
      expect(target.totals.restarts).toBe(expected.restarts[target.target]);
    }
    expect(t.targets.map((x) => x.totals.rejected).reduce((a, b) => a + b)).toBeGreaterThan(100);
  });
});
