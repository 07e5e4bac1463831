import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../../src/doctor/rules/index.js';
import { freePort } from '../../src/lab/redis-server/free-port.js';
import { type RedisServer, startRedis } from '../../src/lab/redis-server/start-redis.js';
import { expectOneLineError, runCli } from '../support/run-cli.js';

const PASSWORD = 'hunter2-secret';

describe('lifeline doctor (CLI)', () => {
  let server: RedisServer;
  let secured: RedisServer;
  beforeAll(async () => {
    [server, secured] = await Promise.all([startRedis(), startRedis({ config: { requirepass: PASSWORD } })]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), secured?.stop()]);
  });

  it('prints a text report with the summary line; exit code follows --fail-on', async () => {
    const text = await runCli(['doctor', server.url, '--fail-on', 'critical']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^lifeline doctor — Redis \d+\.\d+\.\d+ standalone master at 127\.0\.0\.1:\d+/,
    );
    expect(text.stdout).toMatch(/\d+ passed/);
    expect(text.stdout).not.toContain('\u001b['); // no colour when not a TTY
    const strict = await runCli(['doctor', server.url, '--fail-on', 'info']);
    expect(strict.code).toBe(1); // a fresh server yields at least the info that it just started
  });

  it('--json follows schemaVersion 1 and the ordering contract', async () => {
    const { code, stdout } = await runCli(['doctor', server.url, '--json', '--fail-on', 'none']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    // Exactly the fields of DESIGN.md's schemaVersion 1, no more.
    expect(Object.keys(report).sort()).toEqual(
      [
        'schemaVersion',
        'tool',
        'target',
        'startedAt',
        'durationMs',
        'summary',
        'mostLikelyCause',
        'results',
      ].sort(),
    );
    expect(report).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'redis-lifeline' },
      target: { port: server.port, product: 'redis', role: 'master' },
    });
    expect(report.results).toHaveLength(RULES.length);
    const statuses: string[] = report.results.map((r: { status: string }) => r.status);
    const firstNonFinding = statuses.findIndex((s) => s !== 'finding');
    expect(statuses.slice(firstNonFinding)).not.toContain('finding');
    for (const r of report.results) {
      expect(r).toMatchObject({ ruleId: expect.any(String), category: expect.any(String) });
      // An absolute path inside the package, so that it opens from wherever lifeline is installed.
      expect(r.docs).toBe(fileURLToPath(new URL(`../../docs/rules/${r.ruleId}.md`, import.meta.url)));
      expect(existsSync(r.docs)).toBe(true);
    }
  });

  it('--format markdown renders a ticket-ready report', async () => {
    const { stdout } = await runCli(['doctor', server.url, '--format', 'markdown', '--only', 'server']);
    expect(stdout).toMatch(/^## lifeline doctor: Redis/);
    expect(stdout).toContain('Nothing found that explains dropped connections.');
  });

  it('--only and --skip select rules and categories; --list-rules lists every id', async () => {
    const only = JSON.parse(
      (await runCli(['doctor', server.url, '--json', '--only', 'tcp-keepalive-off,host'])).stdout,
    );
    expect(only.results.map((r: { ruleId: string }) => r.ruleId).sort()).toEqual([
      'oom-killed',
      'overcommit-disabled',
      'somaxconn-below-backlog',
      'tcp-keepalive-off',
    ]);
    const skipped = JSON.parse((await runCli(['doctor', server.url, '--json', '--skip', 'host'])).stdout);
    expect(skipped.results.some((r: { category: string }) => r.category === 'host')).toBe(false);
    const list = await runCli(['doctor', '--list-rules']);
    expect(list.code).toBe(0);
    for (const rule of RULES) expect(list.stdout).toContain(rule.id);
  });

  it('reads REDIS_URL when no URL is given, and never prints the password', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${secured.port}`;
    const result = await runCli(['doctor', '--json', '--fail-on', 'none'], { REDIS_URL: url });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).target.url).toBe(`redis://:***@127.0.0.1:${secured.port}`);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    const config = JSON.parse(result.stdout);
    expect(JSON.stringify(config)).not.toContain(PASSWORD);
  });

  describe('bad input: one clear line and exit 2', () => {
    it('a refused port', async () => {
      const port = await freePort();
      expectOneLineError(
        await runCli(['doctor', `redis://127.0.0.1:${port}`]),
        new RegExp(`127\\.0\\.0\\.1:${port}: connection refused`),
      );
    });

    it('a malformed URL', async () => {
      expectOneLineError(await runCli(['doctor', 'redis://127.0.0.1:notaport']), /Malformed Redis URL/);
      expectOneLineError(await runCli(['doctor', 'http://127.0.0.1:6379']), /unsupported scheme/);
    });

    it('a wrong password, without echoing it', async () => {
      const result = await runCli(['doctor', `redis://:wrong-${PASSWORD}@127.0.0.1:${secured.port}`]);
      expectOneLineError(result, /Authentication to 127\.0\.0\.1:\d+ failed/);
      expect(result.stderr).not.toContain(PASSWORD);
    });

    it('a missing password', async () => {
      expectOneLineError(await runCli(['doctor', secured.url]), /requires a password/);
    });

    it('a port that speaks HTTP', async () => {
      const http = createHttpServer((_req, res) => res.end('hello'));
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      try {
        const { port } = http.address() as AddressInfo;
        expectOneLineError(
          await runCli(['doctor', `redis://127.0.0.1:${port}`, '--timeout', '2s']),
          /not in the Redis protocol/,
        );
      } finally {
        http.close();
      }
    });

    it('a port that accepts and never answers', async () => {
      const silent: Server = createTcpServer((socket) => socket.on('error', () => {}));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      try {
        const { port } = silent.address() as AddressInfo;
        expectOneLineError(
          await runCli(['doctor', `redis://127.0.0.1:${port}`, '--timeout', '500']),
          /No reply from 127\.0\.0\.1:\d+ within 500 ms/,
        );
      } finally {
        silent.close();
      }
    });

    it('TLS to a server that does not speak it', async () => {
      expectOneLineError(
        await runCli(['doctor', `rediss://127.0.0.1:${server.port}`, '--timeout', '2s']),
        /TLS|does not use TLS|closed the connection/,
      );
    });

    it('a log file that is missing, or is not a Redis log', async () => {
      expectOneLineError(
        await runCli(['doctor', server.url, '--log', '/nonexistent/redis.log']),
        /Cannot use the log file .*: no such file/,
      );
      const garbage = join(tmpdir(), `lifeline-garbage-${process.pid}.log`);
      await writeFile(garbage, 'GET / HTTP/1.1\nthis is not a redis log\n{"json": true}\n');
      try {
        expectOneLineError(
          await runCli(['doctor', server.url, '--log', garbage]),
          /none of its 3 lines looks like a Redis or Valkey log line/,
        );
      } finally {
        await rm(garbage, { force: true });
      }
    });

    it('an unknown rule, option or duration', async () => {
      expectOneLineError(
        await runCli(['doctor', server.url, '--only', 'no-such-rule']),
        /Unknown rule or category "no-such-rule"/,
      );
      const unknownOption = await runCli(['doctor', '--frobnicate']);
      expect(unknownOption.code).toBe(2);
      expect(unknownOption.stderr).toMatch(/unknown option '--frobnicate'/);
      const badDuration = await runCli(['doctor', '--lb-idle-timeout', 'soon']);
      expect(badDuration.code).toBe(2);
      expect(badDuration.stderr).toMatch(/expected a duration/);
    });
  });
});
