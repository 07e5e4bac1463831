import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES } from '../../core/error-codes.js';
import { LifelineError } from '../../core/errors.js';
import { findRedisServer } from './find-binary.js';
import { freePort } from './free-port.js';
import { waitReady } from './wait-ready.js';

export interface StartRedisOptions {
  /** redis.conf directives added to (or replacing) the throwaway defaults, e.g. { timeout: '2' }. */
  config?: Record<string, string>;
  /** @default $REDIS_SERVER_BIN or redis-server on PATH */
  binary?: string;
  /** Bound for the server to answer PING. @default 10000 */
  readyTimeoutMs?: number;
  /** Start as a replica of this server (replicaof 127.0.0.1 <its port>). */
  replicaOf?: Pick<RedisServer, 'port'>;
  /** Command-line arguments after the config file, e.g. ['--sentinel']. */
  args?: string[];
  /**
   * Write the config file on the first start only, so that a restart keeps what the server wrote into
   * it (a sentinel records its id, epoch and the current master there). @default false
   */
  configOnce?: boolean;
}

export interface RedisServer {
  host: '127.0.0.1';
  port: number;
  url: string;
  dir: string;
  logPath: string;
  /** The pid of the running process. */
  readonly pid: number;
  /**
   * Stops the process (a clean SIGTERM, or a kill -9) and starts a new one on the same port, dir and
   * log, after `downMs` with the port closed.
   */
  restart(how: 'shutdown' | 'crash', options?: { downMs?: number }): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period) and removes its directory. */
  stop(): Promise<void>;
  readLog(): Promise<string>;
}

// Throwaway servers: loopback only, nothing on disk, notice-level log in a temp dir.
const BASE_CONFIG: Record<string, string> = {
  bind: '127.0.0.1',
  'protected-mode': 'yes',
  save: '""',
  appendonly: 'no',
  daemonize: 'no',
  loglevel: 'notice',
};

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts a real redis-server on a free loopback port and waits until it answers PING. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? findRedisServer();
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'lifeline-redis-'));
  const logPath = join(dir, 'redis.log');
  const confPath = join(dir, 'redis.conf');
  let port = 0;
  let child: ChildProcess | undefined;
  let configWritten = false;

  const launch = async (): Promise<void> => {
    const replica = options.replicaOf ? { replicaof: `127.0.0.1 ${options.replicaOf.port}` } : {};
    const conf = { ...BASE_CONFIG, port: String(port), dir, logfile: logPath, ...replica, ...options.config };
    if (!(options.configOnce && configWritten)) {
      await writeFile(
        confPath,
        `${Object.entries(conf)
          .map(([k, v]) => `${k} ${v}`)
          .join('\n')}\n`,
      );
    }
    const proc = spawn(binary, [confPath, ...(options.args ?? [])], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d) => {
      stderr += d;
    });
    // A binary that cannot be spawned (ENOENT, EACCES): no process, no 'exit', the reason in the error.
    proc.once('error', (error) => {
      stderr += error.message;
      if (proc.pid === undefined) live.delete(proc);
    });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    child = proc;
    const ready = await waitReady(
      port,
      options.readyTimeoutMs ?? 10_000,
      () => proc.exitCode === null && proc.signalCode === null,
    );
    if (!ready) {
      await kill(proc, 'SIGKILL');
      const log = await readFile(logPath, 'utf8').catch(() => '');
      const error = new LifelineError(
        ERROR_CODES.redisStart,
        `redis-server on port ${port} did not become ready: ${(stderr + log).trim().split('\n').slice(-5).join(' | ')}`,
      );
      throw Object.assign(error, {
        portInUse: /Address already in use|Could not create server TCP/i.test(stderr + log),
      });
    }
    configWritten = true;
  };

  try {
    // Another process may grab the free port before redis-server binds it: try a few ports.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await launch();
        break;
      } catch (error) {
        if (!(error as { portInUse?: boolean }).portInUse || attempt >= 3) throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    dir,
    logPath,
    get pid() {
      return child?.pid ?? -1;
    },
    async restart(how, { downMs = 0 } = {}) {
      if (child) await kill(child, how === 'crash' ? 'SIGKILL' : 'SIGTERM');
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
    },
    async stop() {
      if (child) await kill(child, 'SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    readLog: () => readFile(logPath, 'utf8'),
  };
}

/** Sends `signal`, waits for the exit, and escalates to SIGKILL after 5 s. */
async function kill(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A parent that exits or is interrupted takes its servers with it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const proc of live) proc.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const proc of live) proc.kill('SIGKILL');
      process.kill(process.pid, signal);
    });
  }
}
