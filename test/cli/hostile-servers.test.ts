/**
 * doctor and watch against servers that misbehave (test/support/hostile-server.ts): each case ends
 * within its bound, exit 2 and one line naming the target, never "unexpected error", and the CLI's
 * peak RSS stays under 300 MB (measured by the same preload as the benchmarks). watch over several
 * targets goes on with the others when one turns hostile.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../src/lab/redis-server/start-redis.js';
import { type Hostility, startHostileServer } from '../support/hostile-server.js';
import { CLI, type CliResult, expectOneLineError } from '../support/run-cli.js';

const RSS_PRELOAD = fileURLToPath(new URL('../../bench/lib/max-rss-preload.mjs', import.meta.url));
const MAX_RSS_MB = 300;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-hostile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The CLI as a user runs it, with its wall time and peak RSS. */
async function measured(args: string[]): Promise<CliResult & { ms: number; rssMb: number }> {
  const rssFile = join(dir, `rss-${Math.random().toString(36).slice(2)}.json`);
  const started = performance.now();
  const result = await new Promise<CliResult>((resolve) => {
    execFile(
      process.execPath,
      ['--import', RSS_PRELOAD, CLI, ...args],
      {
        env: { ...process.env, NO_COLOR: '1', REDIS_URL: '', LIFELINE_BENCH_RSS_FILE: rssFile },
        timeout: 30_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
  const ms = performance.now() - started;
  const rssMb = JSON.parse(await readFile(rssFile, 'utf8')).maxRssKiB / 1024;
  return { ...result, ms, rssMb };
}

const CASES: [Hostility, RegExp][] = [
  ['ping-then-close', /closed the connection/],
  ['drip-info', /INFO did not answer within 2000 ms/],
  ['endless-info', /INFO failed: reply larger than 4 MiB/],
  ['giant-info', /INFO failed: reply larger than 4 MiB/],
];

describe.each([
  ['doctor', []],
  ['watch', ['--interval', '1s', '--duration', '5s']],
])('lifeline %s against a hostile server', (command, options) => {
  it.each(CASES)(
    '%s: exit 2, one line naming the target, bounded in time and memory',
    async (hostility, reason) => {
      const server = await startHostileServer(hostility);
      try {
        // Only the dripping server is meant to outlast the timeout; 5 s keeps a loaded machine from
        // timing out on a giant reply before its size cap cuts it.
        const timeout = hostility === 'drip-info' ? '2s' : '5s';
        const result = await measured([command, server.url, ...options, '--timeout', timeout]);
        expectOneLineError(result, reason);
        expect(result.stderr).toContain(`127.0.0.1:${server.port}`);
        expect(result.stderr).not.toMatch(/unexpected error/);
        expect(result.ms).toBeLessThan(15_000);
        expect(result.rssMb).toBeLessThan(MAX_RSS_MB);
      } finally {
        await server.close();
      }
    },
  );
});

describe('lifeline doctor when one step misbehaves', () => {
  it('an endless CLIENT LIST: a report with "not available: … reply larger than 32 MiB", the rest diagnosed', async () => {
    const server = await startHostileServer('endless-client-list');
    try {
      const result = await measured(['doctor', server.url, '--timeout', '2s', '--json']);
      expect([0, 1]).toContain(result.code);
      const report = JSON.parse(result.stdout);
      expect(report.unavailable?.clients ?? JSON.stringify(report)).toMatch(
        /CLIENT LIST failed: reply larger than 32 MiB/,
      );
      expect(report.target).toMatchObject({ version: '7.0.15', role: 'master' });
      expect(result.ms).toBeLessThan(15_000);
      expect(result.rssMb).toBeLessThan(MAX_RSS_MB);
    } finally {
      await server.close();
    }
  });
});

describe('lifeline watch over several targets', () => {
  describe('with a real server beside it', () => {
    let real: RedisServer;
    beforeAll(async () => {
      real = await startRedis();
    });
    afterAll(async () => {
      await real.stop();
    });

    it('a target that turns hostile is reported by name; the other is sampled throughout', async () => {
      const hostile = await startHostileServer('turns-endless');
      const history = join(dir, 'two-targets');
      try {
        const result = await measured([
          'watch',
          real.url,
          hostile.url,
          '--interval',
          '1s',
          '--duration',
          '5s',
          '--json',
          '--history',
          history,
        ]);
        expect(result.stderr).not.toMatch(/unexpected error/);
        expect(result.rssMb).toBeLessThan(MAX_RSS_MB);
        const incidents = result.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
        expect(incidents).toContainEqual(
          expect.objectContaining({
            target: hostile.url,
            kind: 'target-unreachable',
            message: expect.stringMatching(/INFO reply larger than 4 MiB/),
          }),
        );
        const files = await readdir(history);
        const records = (await readFile(join(history, files[0] as string), 'utf8'))
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        const realSamples = records.filter((r) => r.type === 'sample' && r.target === real.url && r.up);
        expect(realSamples.length).toBeGreaterThanOrEqual(4);
      } finally {
        await hostile.close();
      }
    });
  });
});
