import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correlate } from '../../src/correlate/correlate.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-correlate-history-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-12-07T12:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

describe('correlate with a watch history', () => {
  it("matches a burst to watch's incident seen at the next sample, not to one long after", async () => {
    // Watch samples every 5 s: a restart it saw at 12:00:10 happened after the 12:00:05 sample.
    const history = join(dir, 'lifeline-watch.ndjson');
    const target = 'redis://cache:6379';
    const incident = (at: number, kind: string, cause: string, title: string) =>
      JSON.stringify({
        type: 'incident',
        id: `${target}#${at}`,
        target,
        kind,
        cause,
        severity: 'critical',
        title,
        message: title,
        at: iso(at),
        firstAt: iso(at),
        lastAt: iso(at),
        occurrences: 1,
      });
    await writeFile(
      history,
      [
        JSON.stringify({
          type: 'start',
          at: iso(0),
          tool: { name: 'redis-lifeline', version: '0.1.0' },
          targets: [target],
          intervalMs: 5000,
        }),
        incident(10_000, 'server-restarted', 'server-restart', 'The server restarted'),
        incident(
          120_000,
          'clients-killed',
          'output-buffer-limit',
          'Clients were closed for exceeding client-output-buffer-limit',
        ),
        '',
      ].join('\n'),
    );
    const app = join(dir, 'app.log');
    await writeFile(
      app,
      [
        `${iso(7000)} ERROR redis: connect ECONNREFUSED 10.0.0.5:6379`,
        `${iso(7300)} ERROR redis: connect ECONNREFUSED 10.0.0.5:6379`,
        `${iso(100_000)} ERROR redis: read ECONNRESET`,
      ].join('\n'),
    );
    const result = await correlate({ files: [app], historyPath: history });
    expect(result.bursts).toBe(2);
    const [restart, reset] = result.correlations;
    expect(restart?.cause?.source).toBe('history');
    expect(restart?.cause?.cause).toBe('server-restart');
    // The kills watch reported 20 s after this burst are not its cause.
    expect(reset?.cause).toBeUndefined();
    expect(reset?.verdict.title).toMatch(/no server event/);
  });
});
