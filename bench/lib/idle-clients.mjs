// Idle connections that give CLIENT LIST something to list, and the redis-cli calls that check them: the
// connection holder (10,000 connections in a child process, within the fd limit) and a few sockets held
// in-process. Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { stopChild } from './lifecycle.mjs';
import { HOLDER } from './paths.mjs';
import { assertPort } from './port-guard.mjs';

const execFileP = promisify(execFile);

/** The shell's `ulimit -n`, soft and hard (Infinity for unlimited). */
export function fdLimits() {
  const r = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = (r.stdout ?? '').trim().split('\n');
  const parse = (v) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
  return { soft: parse(soft), hard: parse(hard) };
}

/**
 * How many of `target` connections fit the fd limit: each costs one fd in redis-server and one in the
 * holder, less `reserve` for the server's own and the tools'. Node raises its own soft limit to the hard
 * one at startup, so `ulimit -n` seen from a child shell is what redis-server and the holder get.
 * Returns { clientCount, limits, needed }.
 */
export function clientsWithinFdLimit(target, reserve) {
  const limits = fdLimits();
  const clientCount = Number.isFinite(limits.soft)
    ? Math.max(1, Math.min(target, limits.soft - reserve))
    : target;
  return { clientCount, limits, needed: target + reserve };
}

/** redis-cli against a throwaway server on 127.0.0.1 (never port 6379); resolves its stdout. */
export async function redisCli(port, ...args) {
  assertPort(port);
  const { stdout } = await execFileP('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 10_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** One INFO field, as text (undefined when absent). */
export async function infoField(port, section, field) {
  const text = await redisCli(port, 'INFO', section);
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
  return m ? m[1].trim() : undefined;
}

/**
 * A throwaway redis-server (startRedis from the built lab, adopted by the lifecycle) holding
 * `clientCount` idle connections; fails when the fd limit caps maxclients below that (`needed`: the
 * `ulimit -n` to ask for). Resolves { server, redisVersion, maxclients, connectedClients, holderStatus }.
 */
export async function startServerWithIdleClients({
  startRedis,
  clientCount,
  needed,
  life,
  log,
  connectWaitMs,
  holderEnv,
}) {
  const server = await startRedis({ config: { maxclients: String(Math.max(20_000, clientCount + 100)) } });
  life.adoptServer(server);
  assertPort(server.port);
  const maxclients = Number(await infoField(server.port, 'clients', 'maxclients'));
  const redisVersion = await infoField(server.port, 'server', 'redis_version');
  log(
    `redis ${redisVersion} on 127.0.0.1:${server.port} (maxclients ${maxclients}); ` +
      `opening ${clientCount} idle connections`,
  );
  if (maxclients < clientCount + 10) {
    throw new Error(
      `redis-server could only allow maxclients ${maxclients} (fd limit); ` +
        `raise ulimit -n to ${needed} or lower BENCH_CLIENTS`,
    );
  }
  const connectStarted = performance.now();
  const { connectedClients, holderStatus } = await startHolder({
    port: server.port,
    count: clientCount,
    life,
    log,
    connectWaitMs,
    env: holderEnv,
  });
  const seconds = Math.round((performance.now() - connectStarted) / 10) / 100;
  log(`${connectedClients} clients connected in ${seconds} s`);
  return { server, redisVersion, maxclients, connectedClients, holderStatus };
}

/**
 * Starts the connection holder (hold-connections.mjs) for `count` connections and waits, at most
 * `connectWaitMs`, until the server counts them (polling connected_clients with redis-cli). The holder is
 * stopped by the lifecycle's cleanup. Resolves { holder, connectedClients, holderStatus }.
 */
export async function startHolder({ port, count, life, log, connectWaitMs, env }) {
  assertPort(port);
  const holder = spawn(process.execPath, [HOLDER, String(port), String(count)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  life.onCleanup(() => stopChild(holder));
  let last = { opened: 0, failed: 0, closedEarly: 0, open: 0 };
  let ready = false;
  holder.on('message', (m) => {
    last = m;
    if (m.type === 'ready') ready = true;
  });
  const deadline = Date.now() + connectWaitMs;
  let lastLogged = 0;
  while (Date.now() < deadline) {
    if (holder.exitCode !== null || holder.signalCode !== null)
      throw new Error(`the connection holder exited early (${holder.exitCode ?? holder.signalCode})`);
    if (ready) {
      const connected = Number(await infoField(port, 'clients', 'connected_clients'));
      // connected_clients counts the redis-cli asking, too.
      if (connected - 1 >= last.open && last.open >= Math.floor(count * 0.99)) {
        return { holder, connectedClients: connected - 1, holderStatus: last };
      }
      if (last.open < Math.floor(count * 0.99)) {
        throw new Error(
          `the holder kept only ${last.open} of ${count} connections open ` +
            `(failed ${last.failed}, closed early ${last.closedEarly}; first error: ${last.firstError ?? 'none'})`,
        );
      }
    }
    if (Date.now() - lastLogged > 5_000) {
      lastLogged = Date.now();
      log(`opening connections: ${last.opened}/${count} (failed ${last.failed})`);
    }
    await sleep(200);
  }
  throw new Error(
    `connected_clients did not reach ${count} within ${connectWaitMs / 1000} s ` +
      `(holder: opened ${last.opened}, failed ${last.failed}, first error: ${last.firstError ?? 'none'})`,
  );
}

/**
 * Opens `count` idle TCP connections to 127.0.0.1:port in this process, each named `<prefix><n>` with
 * CLIENT SETNAME (a few per server: far from any fd limit). Resolves the sockets once all have connected;
 * rejects after `timeoutMs`. The caller destroys them.
 */
export async function openIdleSockets(port, count, prefix, timeoutMs = 10_000) {
  assertPort(port);
  const one = (n) =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`connect to ${port} timed out`)));
      socket.on('data', () => {}); // drain the +OK so the server never blocks on us
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.setTimeout(0);
        socket.removeListener('error', reject);
        socket.on('error', () => {});
        socket.write(`CLIENT SETNAME ${prefix}${n}\r\n`);
        resolve(socket);
      });
    });
  const settled = await Promise.allSettled(Array.from({ length: count }, (_, n) => one(n)));
  const sockets = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of sockets) s.destroy();
    throw failed.reason;
  }
  return sockets;
}
