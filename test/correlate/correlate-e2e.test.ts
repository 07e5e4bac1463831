import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../src/lab/redis-server/start-redis.js';
import { runCli } from '../support/run-cli.js';
import { callOnce, waitFor } from '../support/with-redis.js';

/**
 * Two apps (Node with ioredis, Python with redis-py), each writing its own log in its own format and
 * zone, through faults the test causes on a real server whose log is in a third zone; then
 * `lifeline correlate` on those logs, the server log and the URL. Every burst must match the fault
 * that caused it, and only that one.
 */
const HERE = fileURLToPath(new URL('.', import.meta.url));
const PYTHON = '/usr/bin/python3'; // Debian's python3-redis is installed for the system Python
const SERVER_TZ = 'America/New_York';
const APP_TZ = 'Asia/Kolkata'; // +05:30, no DST: Python's asctime carries no offset

interface App {
  child: ChildProcessWithoutNullStreams;
  /** Resolves when the app printed this line (bounded). */
  said(line: string, timeoutMs?: number): Promise<void>;
  send(line: string): void;
}

function startApp(command: string, args: string[], env: NodeJS.ProcessEnv): App {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  return {
    child,
    said: (line, timeoutMs = 15_000) =>
      waitFor(
        `${args[0]} to print "${line}" (stderr: ${err.slice(-300)})`,
        () => out.split('\n').includes(line),
        timeoutMs,
      ).then(() => {
        out = out
          .split('\n')
          .filter((l) => l !== line)
          .join('\n');
      }),
    send: (line) => child.stdin.write(`${line}\n`),
  };
}

/** A fault the test caused, and what the matching must say of the burst it made. */
interface Fault {
  name: string;
  from: number;
  to: number;
}

let dir: string;
let server: RedisServer;
let nodeLog: string;
let pyLog: string;
const faults: Fault[] = [];
const savedTz = process.env.TZ;
const apps: App[] = [];

async function fault(name: string, cause: () => Promise<void>): Promise<void> {
  const from = Date.now();
  await cause();
  faults.push({ name, from, to: Date.now() });
}

beforeAll(async () => {
  if (!existsSync(PYTHON))
    throw new Error(`${PYTHON} is missing: the e2e test runs a redis-py app (apt-get install python3-redis)`);
  dir = await mkdtemp(join(tmpdir(), 'lifeline-correlate-e2e-'));
  nodeLog = join(dir, 'node-app.log');
  pyLog = join(dir, 'py-app.log');
  // The server writes its log in its own zone (Redis writes local time without an offset).
  process.env.TZ = SERVER_TZ;
  // Kept for the whole run: the restart spawns the server again with this process's environment.
  server = await startRedis({
    config: { 'client-output-buffer-limit': 'pubsub 64kb 0 0', 'client-query-buffer-limit': '1mb' },
  });
  const node = startApp(
    process.execPath,
    [join(HERE, 'support/node-app.mjs'), String(server.port), nodeLog],
    { TZ: 'UTC' },
  );
  const py = startApp(PYTHON, [join(HERE, 'support/py-app.py'), String(server.port), pyLog], { TZ: APP_TZ });
  apps.push(node, py);
  await Promise.all([node.said('ready'), py.said('ready')]);

  // 1. The Python subscriber is killed for its output buffer: one message bigger than the pubsub limit.
  await fault('output-buffer', async () => {
    await callOnce(server.port, 'PUBLISH', 'news', 'x'.repeat(256 * 1024));
    await waitFor('the kill in the server log', async () =>
      (await server.readLog()).includes('name=py-subscriber'),
    );
    await waitFor(
      'the subscriber to log its error',
      async () => existsSync(pyLog) && (await readFile(pyLog, 'utf8')).includes('pubsub failed'),
    );
  });
  await pause();
  // 2. The Node app's oversized SET is closed for its query buffer.
  await fault('query-buffer', async () => {
    node.send('bulk');
    await node.said('bulk done');
    await waitFor('the query-buffer kill in the log', async () =>
      (await server.readLog()).includes('max query buffer'),
    );
  });
  await pause();
  // 3. A restart: both apps see it.
  await fault('restart', async () => {
    await server.restart('shutdown', { downMs: 1000 });
    await waitFor(
      'both apps to log the restart',
      async () =>
        (await readFile(nodeLog, 'utf8')).includes('ECONNREFUSED') &&
        (await readFile(pyLog, 'utf8')).includes('Error 111'),
    );
    // Until both are back: errors after this belong to the restart's burst, not the next fault's.
    await waitFor(
      'the apps to reconnect',
      async () =>
        Number(/connected_clients:(\d+)/.exec(String(await callOnce(server.port, 'INFO', 'clients')))?.[1]) >=
        3,
    );
  });
  await pause();
  // 4. The server is full: the Python app's new connections are refused. Redis logs nothing for it.
  await fault('maxclients', async () => {
    // One connection held open to lower the limit and raise it again. A limit below the clients
    // connected closes none of them; it refuses every new one.
    const admin = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 0 });
    try {
      await admin.config('SET', 'maxclients', '1');
      py.send('connect');
      await py.said('connect done');
      await admin.config('SET', 'maxclients', '10000');
    } finally {
      admin.disconnect();
    }
  });
}, 90_000);

/** Faults further apart than the test's --window plus --gap, so that each has its own burst. */
const pause = () => new Promise((r) => setTimeout(r, 3500));

afterAll(async () => {
  process.env.TZ = savedTz;
  for (const app of apps) {
    app.send('stop');
    app.child.kill('SIGKILL');
  }
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface JsonResult {
  bursts: number;
  matched: number;
  correlations: {
    burst: {
      first: number;
      last: number;
      count: number;
      files: string[];
      clients: string[];
      events: { event: string }[];
    };
    causeEventId: number | null;
    verdict: { cause: string; title: string; evidence: string[] };
  }[];
  server: {
    events: { id: number; kind: string; cause: string; title: string; client?: { name?: string } }[];
  };
}

describe('lifeline correlate, end to end', () => {
  it('matches every burst to the fault that caused it, and none to another', async () => {
    const r = await runCli(
      [
        'correlate',
        nodeLog,
        pyLog,
        server.url,
        '--log',
        server.logPath,
        '--log-tz',
        SERVER_TZ,
        '--tz',
        APP_TZ,
        '--window',
        '2s',
        '--gap',
        '1s',
        '--json',
      ],
      { TZ: 'UTC' },
      30_000,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1); // bursts matched server events
    const result = JSON.parse(r.stdout) as JsonResult;
    const eventById = new Map(result.server.events.map((e) => [e.id, e]));
    const faultOf = (first: number) => faults.find((f) => first >= f.from - 50 && first <= f.to + 1500);
    const seen = new Map<string, JsonResult['correlations']>();
    for (const c of result.correlations) {
      const f = faultOf(c.burst.first);
      expect(
        f,
        `a burst at ${new Date(c.burst.first).toISOString()} no fault explains: ${JSON.stringify(c)}`,
      ).toBeDefined();
      if (!f) continue;
      seen.set(f.name, [...(seen.get(f.name) ?? []), c]);
      const cause = c.causeEventId === null ? undefined : eventById.get(c.causeEventId);
      switch (f.name) {
        case 'output-buffer':
          expect(cause?.kind).toBe('output-buffer-kill');
          expect(cause?.client?.name).toBe('py-subscriber');
          expect(c.burst.files).toEqual([pyLog]);
          break;
        case 'query-buffer':
          expect(cause?.kind).toBe('query-buffer-kill');
          expect(cause?.client?.name).toBe('node-bulk');
          expect(c.burst.files).toEqual([nodeLog]);
          break;
        case 'restart':
          expect(cause?.cause).toBe('server-restart');
          expect(['shutdown-requested', 'start', 'started']).toContain(cause?.kind);
          break;
        case 'maxclients':
          // Redis logs nothing when it is full: no event may be claimed; the words and INFO say it.
          expect(cause).toBeUndefined();
          expect(c.verdict.cause).toBe('maxclients');
          expect(c.verdict.evidence.join(' ')).toMatch(/rejected_connections=[1-9]/);
          break;
      }
    }
    // Every fault made its burst; the restart's holds both apps' errors.
    expect([...seen.keys()].sort()).toEqual(['maxclients', 'output-buffer', 'query-buffer', 'restart']);
    const restart = (seen.get('restart') ?? []).flatMap((c) => c.burst.files);
    expect(new Set(restart)).toEqual(new Set([nodeLog, pyLog]));
    expect(result.matched).toBe(result.correlations.filter((c) => c.causeEventId !== null).length);
  }, 60_000);

  it('prints each burst against its server event in text, without a stack trace', async () => {
    const r = await runCli(
      [
        'correlate',
        nodeLog,
        pyLog,
        '--log',
        server.logPath,
        '--log-tz',
        SERVER_TZ,
        '--tz',
        APP_TZ,
        '--window',
        '2s',
        '--gap',
        '1s',
      ],
      { TZ: 'UTC' },
    );
    expect(r.code).toBe(1);
    if (process.env.CORRELATE_E2E_PRINT)
      process.stderr.write(
        `${r.stdout}\n---\n${await readFile(nodeLog, 'utf8')}\n---\n${await readFile(pyLog, 'utf8')}\n---\n${await server.readLog()}`,
      );
    expect(r.stdout).toMatch(
      /← \d{2}:\d{2}:\d{2}\.\d{3}Z pub\/sub client \(name=py-subscriber.*killed for its output buffer \[output-buffer-limit\]/,
    );
    expect(r.stdout).toMatch(/← .*closed for its query buffer \[query-buffer-limit\]/);
    expect(r.stdout).toMatch(/→ server full: maxclients reached/);
    expect(r.stderr).toBe('');
  }, 30_000);
});
