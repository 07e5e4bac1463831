import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CannotRunError } from '../../src/core/errors.js';
import { HISTORY_FILE, HistoryWriter, ROTATED_FILE } from '../../src/watch/history/history-writer.js';
import { readHistory } from '../../src/watch/history/read-history.js';
import type { HistoryRecord } from '../../src/watch/types.js';
import { CACHE, incident, SESSIONS, sample, T0, toNdjson, upSample } from './support/synth-history.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-history-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A sample whose `at` numbers it, padded to a fixed size so byte arithmetic is predictable. */
const numbered = (n: number): HistoryRecord =>
  sample(CACHE, T0 + n * 1000, { error: 'x'.repeat(100), up: false });
const lineBytes = Buffer.byteLength(`${JSON.stringify(numbered(1))}\n`);

const historyBytes = (d: string) =>
  readdirSync(d).reduce((total, name) => total + statSync(join(d, name)).size, 0);

async function expectHistoryError(path: string, pattern: RegExp) {
  const error = await readHistory(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CannotRunError);
  expect((error as CannotRunError).code).toBe('ERR_LIFELINE_HISTORY');
  expect((error as CannotRunError).message).toMatch(pattern);
  expect((error as CannotRunError).message).toContain(path);
  expect((error as CannotRunError).message.split('\n')).toHaveLength(1);
}

describe('HistoryWriter', () => {
  it('appends one JSON line per record to lifeline-watch.ndjson', () => {
    const writer = new HistoryWriter({ dir: join(dir, 'nested', 'history') });
    const records = [numbered(1), numbered(2), incident(CACHE, T0, 'server-restarted', 'info', 'restarted')];
    for (const record of records) writer.write(record);
    writer.close();
    writer.write(numbered(3)); // after close: ignored, not thrown
    const lines = readFileSync(join(dir, 'nested', 'history', HISTORY_FILE), 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(records);
    expect(writer.lastError).toBeUndefined();
  });

  it('rotates before a file would pass maxFileBytes and keeps every record, in order', async () => {
    const perFile = 4;
    const writer = new HistoryWriter({ dir, maxFileBytes: lineBytes * perFile, maxTotalBytes: 1e9 });
    for (let n = 0; n < 30; n += 1) writer.write(numbered(n));
    const names = readdirSync(dir).sort();
    const rotated = names.filter((name) => ROTATED_FILE.test(name));
    expect(rotated).toHaveLength(Math.ceil(30 / perFile) - 1);
    expect(names).toContain(HISTORY_FILE);
    for (const name of names) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(lineBytes * perFile);
    // Reading the directory puts rotated files (by name = by time) before the current one.
    const history = await readHistory(dir);
    expect(history.files.at(-1)).toBe(join(dir, HISTORY_FILE));
    const points = history.samples.get(CACHE)?.points ?? [];
    expect(points.map((p) => p.from)).toEqual(Array.from({ length: 30 }, (_, n) => T0 + n * 1000));
  });

  it('names rotations in strictly increasing order even within one millisecond', () => {
    const writer = new HistoryWriter({ dir, maxFileBytes: lineBytes, now: () => T0 });
    for (let n = 0; n < 4; n += 1) writer.write(numbered(n));
    const rotated = readdirSync(dir)
      .filter((name) => ROTATED_FILE.test(name))
      .sort();
    expect(rotated).toEqual([
      'lifeline-watch-2025-03-04T09-00-00-000Z.ndjson',
      'lifeline-watch-2025-03-04T09-00-00-001Z.ndjson',
      'lifeline-watch-2025-03-04T09-00-00-002Z.ndjson',
    ]);
    expect(JSON.parse(readFileSync(join(dir, rotated[0] as string), 'utf8')).at).toBe(T0);
  });

  it('deletes the oldest rotated files so the whole history stays under maxTotalBytes', async () => {
    const maxFileBytes = lineBytes * 3;
    const maxTotalBytes = lineBytes * 10;
    const writer = new HistoryWriter({ dir, maxFileBytes, maxTotalBytes });
    for (let n = 0; n < 100; n += 1) {
      writer.write(numbered(n));
      expect(historyBytes(dir)).toBeLessThanOrEqual(maxTotalBytes);
    }
    const history = await readHistory(dir);
    const ats = (history.samples.get(CACHE)?.points ?? []).map((p) => (p.from - T0) / 1000);
    // The newest records survive, contiguous and in order; the oldest are gone.
    expect(ats.at(-1)).toBe(99);
    expect(ats[0]).toBeGreaterThan(80);
    expect(ats).toEqual(Array.from({ length: ats.length }, (_, i) => (ats[0] as number) + i));
  });

  it('a cap smaller than the file size shrinks the files instead of being overrun', () => {
    const maxTotalBytes = lineBytes * 8;
    const writer = new HistoryWriter({ dir, maxTotalBytes });
    for (let n = 0; n < 50; n += 1) writer.write(numbered(n));
    expect(historyBytes(dir)).toBeLessThanOrEqual(maxTotalBytes);
    // Files of a quarter of the cap: some rotated history survives, not just the current file.
    expect(readdirSync(dir).filter((name) => ROTATED_FILE.test(name)).length).toBeGreaterThanOrEqual(2);
  });

  it('continues an existing file and counts its size toward the next rotation', () => {
    writeFileSync(join(dir, HISTORY_FILE), `${'x'.repeat(lineBytes * 2 - 1)}\n`);
    const writer = new HistoryWriter({ dir, maxFileBytes: lineBytes * 2 + 10 });
    writer.write(numbered(1));
    expect(readdirSync(dir).filter((name) => ROTATED_FILE.test(name))).toHaveLength(1);
    expect(readFileSync(join(dir, HISTORY_FILE), 'utf8')).toBe(`${JSON.stringify(numbered(1))}\n`);
  });

  it('never throws from write(): it counts failures, keeps the last error and reports the first once', () => {
    const target = join(dir, 'h');
    const reported: Error[] = [];
    const writer = new HistoryWriter({ dir: target, onError: (e) => reported.push(e) });
    writer.write(numbered(1));
    // The directory disappears under watch and a file takes its place: every append now fails.
    rmSync(target, { recursive: true });
    writeFileSync(target, 'not a directory');
    expect(() => {
      for (let n = 2; n < 5; n += 1) writer.write(numbered(n));
    }).not.toThrow();
    expect(writer.errors).toBe(3);
    expect(writer.lastError?.message).toMatch(/ENOTDIR|EEXIST|ENOENT/);
    expect(reported).toHaveLength(1);
  });

  it('a history directory that cannot be created is a CannotRunError naming it', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(() => new HistoryWriter({ dir: join(dir, 'file', 'sub') })).toThrow(
      expect.objectContaining({ code: 'ERR_LIFELINE_HISTORY', message: expect.stringContaining('file/sub') }),
    );
  });
});

describe('readHistory', () => {
  const file = () => join(dir, 'history.ndjson');

  it('skips and counts every line that is not a valid record, and never crashes on garbage', async () => {
    const valid: HistoryRecord[] = [
      {
        type: 'start',
        at: new Date(T0).toISOString(),
        tool: { name: 'redis-lifeline', version: '0.1.0' },
        targets: [CACHE],
        intervalMs: 1000,
      },
      upSample(CACHE, T0, 'r1', 10, { rejectedConnections: 1 }),
      upSample(CACHE, T0 + 1000, 'r1', 12, { rejectedConnections: 4 }),
      incident(CACHE, T0 + 1000, 'maxclients-reached', 'critical', 'rejected 3'),
      { type: 'stop', at: new Date(T0 + 2000).toISOString() },
    ];
    const garbage = [
      'not json at all',
      '{"type":"sample","target":"redis://x"', // truncated by a crash mid-write
      '[1,2,3]',
      'null',
      '{"type":"mystery","at":"2025-03-04T09:00:00Z"}',
      '{"type":"sample","target":"redis://x","at":"yesterday","up":true}',
      '{"type":"incident","target":"redis://x","cause":"c","severity":"catastrophic","message":"m","at":"2025-03-04T09:00:00Z"}',
      '{"type":"start","at":"not a time","targets":[]}',
      '\u0000\u0001\u0002\ufffd binary',
    ];
    const lines = [...valid.map((r) => JSON.stringify(r)), ...garbage];
    // Interleave the garbage, add blank lines (not counted) and a CRLF ending, then a 2 MiB line.
    const body = lines
      .map((l, i) => (i % 2 ? `${l}\r\n\n` : `${l}\n`))
      .join('')
      .concat(
        'y'.repeat(2 * 1024 * 1024),
        '\n',
        JSON.stringify(upSample(CACHE, T0 + 2000, 'r1', 11, { rejectedConnections: 4 })),
      );
    writeFileSync(file(), body);
    const history = await readHistory(file());
    expect(history.skippedLines).toBe(garbage.length + 1);
    expect(history.starts).toHaveLength(1);
    expect(history.incidents.map((i) => i.message)).toEqual(['rejected 3']);
    expect(history.samples.get(CACHE)?.total).toBe(3);
    expect(history.samples.get(CACHE)?.points.map((p) => p.rejected)).toEqual([0, 3, 0]);
    expect(history.targets).toEqual([CACHE]);
    expect(history.firstAt).toBe(T0);
    expect(history.lastAt).toBe(T0 + 2000);
  });

  it('reads incidents written before they had a kind: the old cause field is the kind', async () => {
    const old = {
      type: 'incident',
      target: CACHE,
      cause: 'server-restarted',
      severity: 'warning',
      message: 'm',
      at: new Date(T0).toISOString(),
    };
    writeFileSync(file(), `${JSON.stringify(old)}\n`);
    const [read] = (await readHistory(file())).incidents;
    expect(read).toMatchObject({ kind: 'server-restarted', cause: 'server-restart' });
  });

  it('defaults what a record lacks instead of rejecting it', async () => {
    const bare = {
      type: 'incident',
      target: CACHE,
      cause: 'future-cause',
      severity: 'info',
      message: 'm',
      at: new Date(T0).toISOString(),
      fix: [{ command: 'ok' }, { nope: 1 }, 'x'],
    };
    writeFileSync(file(), `${JSON.stringify(bare)}\n`);
    const [read] = (await readHistory(file())).incidents;
    // A kind this version does not know is kept as written; its cause is unknown.
    expect(read).toMatchObject({
      kind: 'future-cause',
      cause: 'unknown',
      title: 'future-cause',
      confidence: 'low',
      occurrences: 1,
      fix: [{ command: 'ok' }],
      evidence: {},
    });
  });

  it('an empty file, a garbage file, a missing path and a directory without history are one-sentence errors', async () => {
    writeFileSync(file(), '');
    await expectHistoryError(file(), /is empty: pass a file or directory written by lifeline watch/);
    writeFileSync(file(), 'GET / HTTP/1.1\nHost: x\n\n\u0000\u0001');
    await expectHistoryError(file(), /has 3 lines, none of them a lifeline watch history record/);
    await expectHistoryError(join(dir, 'missing.ndjson'), /does not exist/);
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'empty', 'notes.txt'), 'hello');
    await expectHistoryError(join(dir, 'empty'), /no history files \(lifeline-watch\*\.ndjson\)/);
    // Only a stop record: valid, but nothing to report on.
    writeFileSync(file(), `${JSON.stringify({ type: 'stop', at: new Date(T0).toISOString() })}\n`);
    await expectHistoryError(file(), /no sample or incident record/);
  });

  it('--target keeps one target, matched without credentials; an unknown one lists the targets', async () => {
    writeFileSync(
      file(),
      toNdjson([
        upSample(CACHE, T0, 'r1', 1, {}),
        upSample(SESSIONS, T0, 'r2', 2, {}),
        incident(SESSIONS, T0, 'client-eviction', 'warning', 'evicted'),
        incident(CACHE, T0, 'output-buffer-kills', 'warning', 'killed'),
      ]),
    );
    const history = await readHistory(file(), { target: 'redis://app:hunter2@sessions.internal:6380' });
    expect(history.targets).toEqual([SESSIONS]);
    expect([...history.samples.keys()]).toEqual([SESSIONS]);
    expect(history.incidents.map((i) => i.message)).toEqual(['evicted']);
    const error = await readHistory(file(), { target: 'redis://elsewhere:6379' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /no record for target redis:\/\/elsewhere:6379; targets in it: .*cache-1.*sessions/,
    );
  });

  it('keeps at most maxPoints per target however long the history, with exact sums and the extremes', async () => {
    const records: HistoryRecord[] = [];
    let rejected = 0;
    for (let n = 0; n < 10_001; n += 1) {
      rejected += n % 100 === 0 ? 7 : 0;
      records.push(
        upSample(CACHE, T0 + n * 1000, 'r1', n === 5_003 ? 9_999 : 100 + (n % 10), {
          rejectedConnections: rejected,
        }),
      );
    }
    writeFileSync(file(), toNdjson(records));
    const history = await readHistory(file(), { maxPoints: 500 });
    const series = history.samples.get(CACHE);
    expect(series?.total).toBe(10_001);
    expect(series?.points.length).toBeLessThanOrEqual(500);
    expect(series?.points.length).toBeGreaterThan(250);
    expect(series?.perPoint).toBe(32);
    expect(series?.points.reduce((sum, p) => sum + p.count, 0)).toBe(10_001);
    expect(series?.points.reduce((sum, p) => sum + p.rejected, 0)).toBe(7 * 100); // the first 7 is before the baseline
    expect(Math.max(...(series?.points ?? []).map((p) => p.connectedMax ?? 0))).toBe(9_999);
    expect(Math.min(...(series?.points ?? []).map((p) => p.connectedMin ?? 1e9))).toBe(100);
    expect(Math.max(...(series?.points ?? []).map((p) => p.rejectedPeak))).toBe(7);
  });

  it('reads a directory in time order across rotated files and the current one', async () => {
    writeFileSync(
      join(dir, 'lifeline-watch-2025-03-04T09-00-02-000Z.ndjson'),
      toNdjson([upSample(CACHE, T0 + 1000, 'r1', 2, { rejectedConnections: 5 })]),
    );
    writeFileSync(
      join(dir, 'lifeline-watch-2025-03-04T09-00-01-000Z.ndjson'),
      toNdjson([upSample(CACHE, T0, 'r1', 1, { rejectedConnections: 1 })]),
    );
    writeFileSync(
      join(dir, HISTORY_FILE),
      toNdjson([upSample(CACHE, T0 + 2000, 'r1', 3, { rejectedConnections: 6 })]),
    );
    appendFileSync(join(dir, 'unrelated.ndjson'), 'ignored\n');
    const history = await readHistory(dir);
    expect(history.files.map((f) => f.slice(dir.length + 1))).toEqual([
      'lifeline-watch-2025-03-04T09-00-01-000Z.ndjson',
      'lifeline-watch-2025-03-04T09-00-02-000Z.ndjson',
      HISTORY_FILE,
    ]);
    expect(history.samples.get(CACHE)?.points.map((p) => [p.connected, p.rejected])).toEqual([
      [1, 0],
      [2, 4],
      [3, 1],
    ]);
    expect(history.skippedLines).toBe(0);
  });
});
