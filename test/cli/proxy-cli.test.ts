import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../src/lab/redis-server/start-redis.js';
import { TOOL_VERSION } from '../../src/version.js';
import { CLI, expectOneLineError, runCli } from '../support/run-cli.js';
import { connectError, pingThrough, Wire } from '../support/wire.js';

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `lifeline proxy …` and waits (bounded) for its "control API on" line. */
async function startProxyCli(args: string[], timeoutMs = 10_000): Promise<Running & { url: string }> {
  const child = spawn(process.execPath, [CLI, 'proxy', ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running: Running = { child, stdout: () => stdout, stderr: () => stderr, exit };
  spawned.push(running);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`no "control API on" line within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`),
        ),
      timeoutMs,
    );
    const check = () => {
      const match = /^control API on (http:\/\/\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', check);
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before starting; stderr: ${stderr}`));
    });
  });
  return { ...running, url };
}

/** SIGTERM, then the exit, within a bound. */
async function stop(running: Running, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5_000) {
  running.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms of ${signal}`)), timeoutMs);
  });
  try {
    return await Promise.race([running.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const spawned: Running[] = [];

describe('lifeline proxy (CLI)', () => {
  let redis: RedisServer;
  let dir: string;
  beforeAll(async () => {
    [redis, dir] = await Promise.all([startRedis(), mkdtemp(join(tmpdir(), 'lifeline-proxy-cli-'))]);
  });
  afterEach(() => {
    for (const running of spawned.splice(0)) {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    }
  });
  afterAll(async () => {
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts the control API and a --proxy, passes PING, answers /version, and exits 0 on SIGTERM', async () => {
    const running = await startProxyCli([
      '--port',
      '0',
      '--proxy',
      `cache=127.0.0.1:0=127.0.0.1:${redis.port}`,
      '--proxy',
      `other==127.0.0.1:${redis.port}`,
    ]);
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.url).not.toMatch(/:8474$/);
    const lines = running.stdout().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(`^proxy cache: 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${redis.port}$`),
    );
    expect(lines[1]).toMatch(/^proxy other: 127\.0\.0\.1:\d+ -> /);
    expect(lines[2]).toBe(`control API on ${running.url}`);

    const version = await fetch(`${running.url}/version`, { signal: AbortSignal.timeout(5_000) });
    expect(version.status).toBe(200);
    expect(await version.json()).toEqual({ version: TOOL_VERSION });

    const response = await fetch(`${running.url}/proxies`, { signal: AbortSignal.timeout(5_000) });
    const proxies = (await response.json()) as Record<string, { listen: string }>;
    expect(Object.keys(proxies)).toEqual(['cache', 'other']);
    const proxyPort = Number(proxies.cache?.listen.split(':').pop());
    expect(await pingThrough(proxyPort)).toBe(true);

    const apiPort = Number(new URL(running.url).port);
    expect(await stop(running)).toEqual({ code: 0, signal: null });
    expect(running.stderr()).toBe('');
    // everything it opened is closed
    expect(await connectError(proxyPort)).toBe('ECONNREFUSED');
    expect(await connectError(apiPort)).toBe('ECONNREFUSED');
  });

  it('--config takes Toxiproxy populate JSON; SIGINT also exits 0', async () => {
    const config = join(dir, 'proxies.json');
    await writeFile(
      config,
      JSON.stringify([
        { name: 'a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${redis.port}` },
        { name: 'b', listen: '127.0.0.1:0', upstream: `127.0.0.1:${redis.port}`, enabled: false },
      ]),
    );
    const running = await startProxyCli(['--port', '0', '--config', config]);
    const lines = running.stdout().trim().split('\n');
    expect(lines[0]).toMatch(/^proxy a: 127\.0\.0\.1:\d+ -> /);
    expect(lines[1]).toMatch(/^proxy b: 127\.0\.0\.1:0 -> .* \(disabled\)$/);
    const port = Number(/^proxy a: 127\.0\.0\.1:(\d+)/.exec(lines[0] as string)?.[1]);
    expect(await pingThrough(port)).toBe(true);
    expect(await stop(running, 'SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('exits 0 on SIGTERM while a client connection is open through a proxy', async () => {
    const running = await startProxyCli(['--port', '0', '--proxy', `p=127.0.0.1:0=127.0.0.1:${redis.port}`]);
    const port = Number(/^proxy p: 127\.0\.0\.1:(\d+)/m.exec(running.stdout())?.[1]);
    const wire = await Wire.open(port);
    try {
      wire.send('PING\r\n');
      expect(await wire.waitFor((d) => d.includes('+PONG'), 2_000)).toBe(true);
      expect(await stop(running)).toEqual({ code: 0, signal: null });
      expect(await wire.waitFor(() => wire.closed, 2_000)).toBe(true);
    } finally {
      wire.close();
    }
  });

  describe('bad input: exit 2 with one line on stderr', () => {
    it('a non-loopback --host', async () => {
      expectOneLineError(
        await runCli(['proxy', '--host', '0.0.0.0', '--port', '0']),
        /not a loopback address/,
      );
    });

    it('a control port in use', async () => {
      const holder: Server = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      const port = (holder.address() as { port: number }).port;
      try {
        expectOneLineError(await runCli(['proxy', '--port', String(port)]), /port is in use/);
      } finally {
        await new Promise<void>((resolve) => holder.close(() => resolve()));
      }
    });

    it('a bad --port', async () => {
      expectOneLineError(await runCli(['proxy', '--port', 'abc']), /--port/);
      expectOneLineError(await runCli(['proxy', '--port', '70000']), /--port/);
    });

    it('a --config that is not JSON, not an array, or missing', async () => {
      const bad = join(dir, 'bad.json');
      await writeFile(bad, '[{"name": "x",');
      expectOneLineError(await runCli(['proxy', '--port', '0', '--config', bad]), /not valid JSON/);
      const object = join(dir, 'object.json');
      await writeFile(object, '{"name": "x", "upstream": "127.0.0.1:1"}');
      expectOneLineError(await runCli(['proxy', '--port', '0', '--config', object]), /JSON array/);
      expectOneLineError(
        await runCli(['proxy', '--port', '0', '--config', join(dir, 'missing.json')]),
        /cannot read --config .*missing\.json: no such file/,
      );
      const noName = join(dir, 'no-name.json');
      await writeFile(noName, JSON.stringify([{ upstream: `127.0.0.1:${redis.port}` }]));
      expectOneLineError(
        await runCli(['proxy', '--port', '0', '--config', noName]),
        /missing required field: name at proxy 1/,
      );
    });

    it('a bad --proxy spec or address', async () => {
      expectOneLineError(
        await runCli(['proxy', '--port', '0', '--proxy', 'nonsense']),
        /name=LISTEN=UPSTREAM/,
      );
      expectOneLineError(
        await runCli(['proxy', '--port', '0', '--proxy', 'x=127.0.0.1:0=10.1.2.3:6379']),
        /not a loopback address/,
      );
      expectOneLineError(
        await runCli(['proxy', '--port', '0', '--proxy', 'x=0.0.0.0:0=127.0.0.1:6379']),
        /not a loopback address/,
      );
      expectOneLineError(
        await runCli(['proxy', '--port', '0', '--proxy', 'x==127.0.0.1:1', '--proxy', 'x==127.0.0.1:2']),
        /duplicate proxy name "x"/,
      );
    });

    it('a proxy listen port in use', async () => {
      const holder: Server = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      const port = (holder.address() as { port: number }).port;
      try {
        expectOneLineError(
          await runCli(['proxy', '--port', '0', '--proxy', `x=127.0.0.1:${port}=127.0.0.1:${redis.port}`]),
          /cannot create the proxies: cannot listen on 127\.0\.0\.1:\d+/,
        );
      } finally {
        await new Promise<void>((resolve) => holder.close(() => resolve()));
      }
    });
  });
});
