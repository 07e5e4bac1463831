import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lab/redis-server/free-port.js';
import { type RedisServer, startRedis } from '../../src/lab/redis-server/start-redis.js';
import { HISTORY_FILE } from '../../src/watch/history/history-writer.js';
import { WATCH_CONNECTION_NAME } from '../../src/watch/sampling/target-link.js';
import { CLI, expectOneLineError, runCli } from '../support/run-cli.js';
import { waitFor } from '../support/with-redis.js';

const PASSWORD = 'hunter2-secret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the watch under test is connected to the server on `port`, then one interval and a bit,
 * so that it has a sample from before the fault (a fixed sleep from the CLI's launch lost that sample
 * on a busy CI run: no incident, empty stdout).
 */
async function watchHasSampled(port: number, password?: string): Promise<void> {
  const probe = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true });
  try {
    await waitFor(
      'the watch to connect',
      async () => String(await probe.call('CLIENT', 'LIST')).includes(`name=${WATCH_CONNECTION_NAME}`),
      10_000,
    );
  } finally {
    probe.disconnect();
  }
  await sleep(700);
}
const ndjson = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('lifeline watch (CLI)', () => {
  let server: RedisServer;
  let secured: RedisServer;
  let dir: string;
  beforeAll(async () => {
    [server, secured] = await Promise.all([startRedis(), startRedis({ config: { requirepass: PASSWORD } })]);
    dir = await mkdtemp(join(tmpdir(), 'lifeline-watch-cli-'));
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), secured?.stop(), rm(dir, { recursive: true, force: true })]);
  });

  it('a healthy run: no incident, exit 0; history and /metrics while it runs', async () => {
    const history = join(dir, 'healthy');
    const metricsPort = await freePort();
    const run = runCli([
      'watch',
      server.url,
      '--interval',
      '500ms',
      '--duration',
      '3s',
      '--json',
      '--history',
      history,
      '--metrics-port',
      String(metricsPort),
    ]);
    const metrics = await waitFor(
      '/metrics to answer',
      async () => {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined);
        const text = res?.ok ? await res.text() : '';
        return /lifeline_watch_up\{target="redis:\/\/127\.0\.0\.1:\d+"\} 1/.test(text) ? text : undefined;
      },
      5000,
    );
    expect(metrics).toMatch(/lifeline_watch_connected_clients\{[^}]*\} \d+/);
    const result = await run;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const files = await readdir(history);
    const records = ndjson(await readFile(join(history, files[0] as string), 'utf8'));
    expect(records[0]).toMatchObject({ type: 'start', intervalMs: 500 });
    expect(records.filter((r) => r.type === 'sample' && r.up).length).toBeGreaterThanOrEqual(4);
    expect(records.at(-1)).toMatchObject({ type: 'stop' });
  });

  it('an incident: NDJSON on stdout, POSTed to the webhook, exit 1 (--fail-on warning)', async () => {
    const received: unknown[] = [];
    const hook = createHttpServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const admin = new Redis({ port: server.port, host: '127.0.0.1' });
    try {
      const { port } = hook.address() as AddressInfo;
      const run = runCli([
        'watch',
        server.url,
        '--interval',
        '500ms',
        '--duration',
        '3s',
        '--json',
        '--webhook',
        `http://127.0.0.1:${port}/hook`,
      ]);
      await watchHasSampled(server.port);
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      const result = await run;
      expect(result.code).toBe(1);
      const [incident] = ndjson(result.stdout);
      expect(incident).toMatchObject({
        type: 'incident',
        kind: 'client-kills-observed',
        cause: 'client-kill',
        severity: 'warning',
        occurrences: 1,
      });
      expect(incident.docs).toBe(
        fileURLToPath(new URL('../../docs/rules/client-kills-observed.md', import.meta.url)),
      );
      expect(existsSync(incident.docs)).toBe(true);
      expect(incident.fix.length).toBeGreaterThan(0);
      expect(received).toEqual([expect.objectContaining({ type: 'incident', id: incident.id })]);
    } finally {
      admin.disconnect();
      hook.close();
    }
  });

  it('survives the server crashing and coming back: the outage and the crash are incidents', async () => {
    const crashing = await startRedis();
    try {
      const run = runCli(['watch', crashing.url, '--interval', '500ms', '--duration', '5s', '--json']);
      await watchHasSampled(crashing.port);
      await crashing.restart('crash', { downMs: 1000 });
      const result = await run;
      expect(result.code).toBe(1);
      expect(ndjson(result.stdout).map((i) => i.kind)).toEqual(['target-unreachable', 'server-crashed']);
      expect(result.stderr).toBe('');
    } finally {
      await crashing.stop();
    }
  });

  it('a password in the URL never reaches stdout, stderr or the history', async () => {
    const history = join(dir, 'secured');
    const url = `redis://:${PASSWORD}@127.0.0.1:${secured.port}`;
    const admin = new Redis({ port: secured.port, host: '127.0.0.1', password: PASSWORD });
    try {
      const run = runCli([
        'watch',
        url,
        '--interval',
        '500ms',
        '--duration',
        '2500ms',
        '--json',
        '--history',
        history,
      ]);
      await watchHasSampled(secured.port, PASSWORD);
      // Full with watch's and admin's connections: the next one is rejected.
      await admin.call('CONFIG', 'SET', 'maxclients', '2');
      const refused = new Redis({
        port: secured.port,
        host: '127.0.0.1',
        password: PASSWORD,
        retryStrategy: () => null,
      });
      refused.on('error', () => undefined);
      await refused.ping().catch(() => undefined);
      refused.disconnect();
      await admin.call('CONFIG', 'SET', 'maxclients', '10000');
      const result = await run;
      expect(result.stdout).toMatch(/maxclients-reached/);
      // Fix commands ask for the password instead of printing it.
      expect(result.stdout).toMatch(/redis-cli -h 127\.0\.0\.1 -p \d+ --askpass CONFIG SET maxclients/);
      const files = await readdir(history);
      const stored = await readFile(join(history, files[0] as string), 'utf8');
      for (const text of [result.stdout, result.stderr, stored]) expect(text).not.toContain(PASSWORD);
    } finally {
      admin.disconnect();
    }
  });

  it('on a terminal: a live view with one row per target, redrawn each second', async () => {
    // script(1) (util-linux, in every Debian) gives the CLI a pseudo-terminal.
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        'script',
        [
          '-qec',
          `${process.execPath} ${CLI} watch ${server.url} --interval 1s --duration 3500ms`,
          '/dev/null',
        ],
        { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? -1) : 0, out: stdout }),
      );
    });
    expect(run.code).toBe(0);
    const frames = run.out.split('\u001b[H\u001b[2J');
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(frames.at(-1)).toMatch(/target\s+state\s+clients\s+new\/s\s+kills\s+rejected\s+last incident/);
    expect(frames.at(-1)).toMatch(
      new RegExp(`${server.url.replace(/[/.]/g, '\\$&')}\\s+up\\s+\\d+\\/10000\\s+\\d+\\.\\d\\s+0\\s+0\\s+-`),
    );
    expect(frames.at(-1)).toMatch(/No incidents so far/);
  });

  it('stops on SIGTERM with exit 0 when nothing happened', async () => {
    const child = spawn(process.execPath, [CLI, 'watch', server.url, '--interval', '500ms', '--no-live'], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    await waitFor('watch to start', () => stderr.includes('watching'), 5000);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const sentAt = Date.now();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    expect(code).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(3000);
    expect(stderr).toMatch(
      /^lifeline watch: watching redis:\/\/127\.0\.0\.1:\d+ every 500 ms; Ctrl-C to stop\n$/,
    );
  });

  it('`watch --json | head -1`: one line, then watch stops cleanly, no stack trace', async () => {
    const history = join(dir, 'piped');
    const admin = new Redis({ port: server.port, host: '127.0.0.1' });
    try {
      const script = `"${process.execPath}" "${CLI}" watch ${server.url} --json --interval 200ms --group-window 1ms --history "${history}" | head -1; echo "watch-exit=\${PIPESTATUS[0]}" >&2`;
      const run = new Promise<{ stdout: string; stderr: string }>((resolve) =>
        execFile(
          'bash',
          ['-c', script],
          { timeout: 15_000, env: { ...process.env, NO_COLOR: '1' } },
          (_e, stdout, stderr) => resolve({ stdout, stderr }),
        ),
      );
      let settled = false;
      void run.finally(() => {
        settled = true;
      });
      // A CLIENT KILL that kills nothing is still a call: an incident per round until head has one.
      for (let i = 0; i < 100 && !settled; i++) {
        await admin.call('CLIENT', 'KILL', 'ID', '999999999', 'SKIPME', 'yes');
        await sleep(100);
      }
      const { stdout, stderr } = await run;
      expect(ndjson(stdout)).toEqual([
        expect.objectContaining({ type: 'incident', kind: 'client-kills-observed', cause: 'client-kill' }),
      ]);
      expect(stderr).toMatch(/watch-exit=1\n$/);
      expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
      const records = ndjson(await readFile(join(history, HISTORY_FILE), 'utf8'));
      expect(records.at(-1)).toMatchObject({ type: 'stop' });
    } finally {
      admin.disconnect();
    }
  });

  describe('bad input: one line, exit 2', () => {
    it('a malformed URL', async () => {
      expectOneLineError(await runCli(['watch', 'http://nope']), /Malformed Redis URL/);
    });

    it('a port nobody listens on', async () => {
      const port = await freePort();
      expectOneLineError(await runCli(['watch', `redis://127.0.0.1:${port}`]), /connection refused/);
    });

    it('a wrong password, never echoed', async () => {
      const result = await runCli(['watch', `redis://:wrong-${PASSWORD}@127.0.0.1:${secured.port}`]);
      expectOneLineError(result, /Authentication .* failed/);
      expect(result.stderr).not.toContain(PASSWORD);
    });

    it('--cluster on a server not in cluster mode; a malformed or unanswered Sentinel URL', async () => {
      expectOneLineError(await runCli(['watch', server.url, '--cluster']), /is not in cluster mode/);
      expectOneLineError(await runCli(['watch', 'redis+sentinel://127.0.0.1:26379']), /no master name/);
      const port = await freePort();
      const result = await runCli(['watch', `redis+sentinel://:${PASSWORD}@127.0.0.1:${port}/mymaster`]);
      expectOneLineError(result, /None of the sentinels .* answered for master "mymaster"/);
      expect(result.stderr).not.toContain(PASSWORD);
    });

    it('a port that speaks HTTP', async () => {
      const http = createHttpServer((_req, res) => res.end('hello'));
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      try {
        const { port } = http.address() as AddressInfo;
        expectOneLineError(
          await runCli(['watch', `redis://127.0.0.1:${port}`, '--timeout', '2s']),
          /not in the Redis protocol/,
        );
      } finally {
        http.close();
      }
    });

    it('--log with two URLs, the same URL twice, a bad interval, a bad webhook', async () => {
      expectOneLineError(
        await runCli(['watch', server.url, secured.url, '--log', '/tmp/x.log']),
        /--log names one server log/,
      );
      expectOneLineError(await runCli(['watch', server.url, server.url]), /given twice/);
      expectOneLineError(await runCli(['watch', server.url, '--interval', '0']), /duration/);
      expectOneLineError(await runCli(['watch', server.url, '--webhook', 'ftp://x']), /webhook/i);
    });

    it('a history directory that cannot be made, with --metrics-port: exit 2, nothing left listening', async () => {
      const metricsPort = await freePort();
      const result = await runCli([
        'watch',
        server.url,
        '--metrics-port',
        String(metricsPort),
        '--history',
        join(CLI, 'not-a-dir'),
      ]);
      expectOneLineError(result, /Cannot create the history directory/);
      const answered = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
        () => true,
        () => false,
      );
      expect(answered).toBe(false);
    });

    it('a user that may not run INFO', async () => {
      const admin = new Redis({ port: server.port, host: '127.0.0.1' });
      try {
        await admin.call('ACL', 'SETUSER', 'blind', 'on', '>blind-pw', '+@all', '-info');
        const result = await runCli(['watch', `redis://blind:blind-pw@127.0.0.1:${server.port}`]);
        expectOneLineError(result, /INFO is not permitted for this user/);
        expect(result.stderr).not.toContain('blind-pw');
      } finally {
        await admin.call('ACL', 'DELUSER', 'blind').catch(() => undefined);
        admin.disconnect();
      }
    });

    it('a metrics port in use', async () => {
      const http = createHttpServer(() => undefined);
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      try {
        const { port } = http.address() as AddressInfo;
        expectOneLineError(
          await runCli(['watch', server.url, '--metrics-port', String(port)]),
          new RegExp(String(port)),
        );
      } finally {
        http.close();
      }
    });
  });
});
