/**
 * End to end: reproduce each cause of dropped connections on a real redis-server (started per test on
 * a free loopback port) and check what `runDoctor` names as the most likely cause.
 *
 * The recipes follow /work/shared/fixtures/README.md and research/lab.md. Every wait is bounded, every
 * socket and client is closed in a finally, and nothing talks to anything but the throwaway server.
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { RuleResult } from '../../src/doctor/report/types.js';
import { runDoctor } from '../../src/doctor/run.js';
import type { RedisServer } from '../../src/lab/redis-server/start-redis.js';
import { waitFor, withRedis } from '../support/with-redis.js';

type DoctorReport = Awaited<ReturnType<typeof runDoctor>>;

// Categories whose warnings/criticals mean "something drops connections"; host hygiene
// (overcommit-disabled: this machine has vm.overcommit_memory=0) is allowed on a healthy server.
const CAUSE_CATEGORIES = ['clients', 'network', 'server', 'memory', 'commands', 'replication'];

/** Everything a scenario opens, closed in reverse order whatever happens. */
class Resources {
  private readonly closers: (() => void | Promise<void>)[] = [];

  /** A raw RESP connection; errors (ECONNRESET, EPIPE) are expected and recorded, never thrown. */
  async socket(server: RedisServer): Promise<RawClient> {
    const socket = netConnect({ host: '127.0.0.1', port: server.port });
    const client = new RawClient(socket);
    this.closers.push(() => {
      socket.destroy();
    });
    await Promise.race([
      once(socket, 'connect'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('raw connect timed out')), 5_000)),
    ]);
    return client;
  }

  /** An admin connection: RESP2, no retries, no offline queue, bounded commands. */
  async admin(server: RedisServer): Promise<Redis> {
    const redis = new Redis({
      host: '127.0.0.1',
      port: server.port,
      protocol: 2,
      lazyConnect: true,
      connectTimeout: 5_000,
      commandTimeout: 10_000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      disableClientInfo: true,
      connectionName: 'e2e-admin',
    });
    redis.on('error', () => undefined);
    this.closers.push(() => redis.disconnect());
    await redis.connect();
    // Keep the admin connection out of maxmemory-clients eviction.
    await redis.call('CLIENT', 'NO-EVICT', 'on');
    return redis;
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch {
        // closing is best effort
      }
    }
  }
}

/** A raw socket that records what the server sent and whether it closed the connection. */
class RawClient {
  received = Buffer.alloc(0);
  receivedBytes = 0;
  closed = false;
  error: Error | undefined;
  /** Keep at most this much of what was received (a flood must not fill the test's memory). */
  private readonly keep = 64 * 1024;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.receivedBytes += chunk.length;
      if (this.received.length < this.keep)
        this.received = Buffer.concat([this.received, chunk]).subarray(0, this.keep);
    });
    socket.on('error', (error) => {
      this.error = error;
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  get text(): string {
    return this.received.toString('latin1');
  }

  send(...args: (string | Buffer)[]): boolean {
    return this.socket.write(encode(args));
  }
}

/** RESP array of bulk strings. */
function encode(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const data = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${data.length}\r\n`), data, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Starts a server with `config`, runs the scenario, then closes everything it opened and stops the server. */
function scenario(
  config: Record<string, string>,
  fn: (server: RedisServer, r: Resources) => Promise<void>,
): Promise<void> {
  return withRedis({ config }, async (server) => {
    const resources = new Resources();
    try {
      await fn(server, resources);
    } finally {
      await resources.closeAll();
    }
  });
}

async function infoNumber(admin: Redis, field: string): Promise<number> {
  const text = await admin.info('everything');
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

const logHas = async (server: RedisServer, pattern: RegExp) => pattern.test(await server.readLog());

function result(report: DoctorReport, ruleId: string): RuleResult {
  const found = report.results.find((r) => r.ruleId === ruleId);
  if (!found) throw new Error(`no result for rule ${ruleId}`);
  return found;
}

/** One line per finding, shown when an assertion fails. */
const findings = (report: DoctorReport) =>
  report.results
    .filter((r) => r.status !== 'pass')
    .map((r) => `${r.ruleId}: ${r.status} ${r.severity ?? ''} ${r.confidence ?? ''} ${r.reason ?? r.message}`)
    .join('\n');

function expectNoCrashedRules(report: DoctorReport): void {
  const crashed = report.results.filter((r) => r.status === 'crashed');
  expect(crashed.map((r) => `${r.ruleId}: ${r.reason}`)).toEqual([]);
}

function expectCause(report: DoctorReport, ruleId: string): void {
  expect(report.mostLikelyCause?.ruleId ?? null, findings(report)).toBe(ruleId);
}

/**
 * Runs the doctor against `server` and checks what every reproduced cause must show: no rule crashed,
 * `ruleId` is the most likely cause, and its result is a finding matching `expected`. Returns the report.
 */
async function expectDiagnosis(
  server: RedisServer,
  ruleId: string,
  expected: Partial<RuleResult> = {},
): Promise<DoctorReport> {
  const report = await runDoctor({ url: server.url });
  expectNoCrashedRules(report);
  expectCause(report, ruleId);
  expect(result(report, ruleId)).toMatchObject({ status: 'finding', ...expected });
  return report;
}

/** The doctor names output-buffer-kills (critical), with at least one kill in client class `clientClass`. */
async function expectOutputBufferKill(server: RedisServer, clientClass: 'normal' | 'pubsub'): Promise<void> {
  const report = await expectDiagnosis(server, 'output-buffer-kills', { severity: 'critical' });
  const byClass = result(report, 'output-buffer-kills').evidence.byClass as Record<string, number>;
  expect(byClass[clientClass]).toBeGreaterThanOrEqual(1);
}

/** Restarts the server (a clean SIGTERM or a kill -9), checks that a new process runs, returns the log. */
async function restartServer(server: RedisServer, how: 'shutdown' | 'crash'): Promise<string> {
  const pid = server.pid;
  await server.restart(how);
  expect(server.pid).not.toBe(pid);
  return server.readLog();
}

/** Opens `count` raw connections, sends PING on each and waits (`label`) for every PONG. */
async function pingedClients(
  server: RedisServer,
  r: Resources,
  count: number,
  label: string,
): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (let i = 0; i < count; i++) {
    const c = await r.socket(server);
    c.send('PING');
    clients.push(c);
  }
  await waitFor(label, () => clients.every((c) => c.text.includes('+PONG')), 5_000);
  return clients;
}

describe('lifeline doctor against reproduced causes (real redis-server)', () => {
  it('healthy server: no cause, no warnings outside host hygiene', async () => {
    await scenario({}, async (server, r) => {
      const admin = await r.admin(server);
      for (const _ of [1, 2]) {
        const sub = await r.socket(server);
        sub.send('SUBSCRIBE', 'x');
      }
      const blocked = await r.socket(server);
      blocked.send('BLPOP', 'q', '30');
      await waitFor(
        'two subscribers and one blocked client',
        async () =>
          (await infoNumber(admin, 'blocked_clients')) === 1 &&
          (await admin.call('PUBSUB', 'NUMSUB', 'x'))?.toString() === 'x,2',
        5_000,
      );

      const report = await runDoctor({ url: server.url });
      expectNoCrashedRules(report);
      expect(report.mostLikelyCause, findings(report)).toBeNull();
      const alarming = report.results.filter(
        (res) =>
          res.status === 'finding' &&
          (res.severity === 'critical' || res.severity === 'warning') &&
          CAUSE_CATEGORIES.includes(res.category),
      );
      expect(alarming.map((res) => `${res.ruleId}: ${res.message}`)).toEqual([]);
    });
  });

  it('idle timeout: idle-timeout-reaping (warning)', async () => {
    await scenario({ timeout: '2' }, async (server, r) => {
      const idle = await pingedClients(server, r, 3, 'PONG on every idle client');
      // timeout is checked in whole seconds from clientsCron: reaped 2.2–3 s after the last command.
      await waitFor('the server to reap the idle clients', () => idle.every((c) => c.closed), 8_000);

      await expectDiagnosis(server, 'idle-timeout-reaping', { severity: 'warning' });
    });
  });

  it('pub/sub output-buffer kill: output-buffer-kills (critical, pubsub class)', async () => {
    await scenario({ 'client-output-buffer-limit': 'pubsub 256kb 64kb 5' }, async (server, r) => {
      const admin = await r.admin(server);
      const subscriber = await r.socket(server);
      subscriber.send('SUBSCRIBE', 'feed');
      await waitFor('the subscription', () => subscriber.text.includes('feed'), 5_000);
      subscriber.socket.pause(); // a consumer that stops reading

      // Loopback kernel buffers absorb a few MB before omem grows; publish until the kill is logged.
      const message = 'm'.repeat(1024);
      const killed = /flags=P.*overcoming of output buffer limits/;
      let published = 0;
      const maxBytes = 48 * 1024 * 1024;
      while (published * 1024 < maxBytes && !(await logHas(server, killed))) {
        const batch = admin.pipeline();
        for (let i = 0; i < 1_000; i++) batch.publish('feed', message);
        await batch.exec();
        published += 1_000;
      }
      await waitFor('the output-buffer kill in the log', () => logHas(server, killed), 5_000);

      await expectOutputBufferKill(server, 'pubsub');
    });
  });

  it('normal-class output-buffer kill (big LRANGE): output-buffer-kills (critical, normal class)', async () => {
    await scenario({ 'client-output-buffer-limit': 'normal 1mb 256kb 5' }, async (server, r) => {
      const admin = await r.admin(server);
      const value = 'v'.repeat(200);
      for (let batch = 0; batch < 20; batch++) {
        await admin.rpush('big', ...Array.from({ length: 1_000 }, () => value));
      }
      expect(await admin.llen('big')).toBe(20_000);

      const reader = await r.socket(server);
      reader.send('LRANGE', 'big', '0', '-1'); // a ~4 MB reply, built before any of it is written
      const killed = /flags=N.*cmd=lrange.*overcoming of output buffer limits/;
      await waitFor('the output-buffer kill in the log', () => logHas(server, killed), 10_000);
      await waitFor('the reader to be closed', () => reader.closed, 5_000);

      await expectOutputBufferKill(server, 'normal');
    });
  });

  it('clean restart (SIGTERM): server-restarted (warning, high confidence)', async () => {
    await scenario({}, async (server) => {
      const log = await restartServer(server, 'shutdown');
      expect(log).toMatch(/ready to exit, bye bye/);

      const report = await expectDiagnosis(server, 'server-restarted', {
        severity: 'warning',
        confidence: 'high',
      });
      expect(result(report, 'server-crashed').status).toBe('pass');
    });
  });

  it('kill -9 restart: server-crashed (critical)', async () => {
    await scenario({}, async (server) => {
      const log = await restartServer(server, 'crash');
      expect(log).not.toMatch(/ready to exit, bye bye/);

      await expectDiagnosis(server, 'server-crashed', { severity: 'critical' });
    });
  });

  /** Holds raw connections until the server rejects new ones; returns the ones it kept. */
  async function fillToMaxclients(server: RedisServer, r: Resources, admin: Redis): Promise<RawClient[]> {
    const held: RawClient[] = [];
    let rejected: RawClient | undefined;
    for (let i = 0; i < 15 && !rejected; i++) {
      const c = await r.socket(server);
      // The server writes the error right on accept; a connection it keeps answers PING.
      c.send('PING');
      await waitFor('a reply or a close', () => c.text.length > 0 || c.closed, 5_000);
      if (c.text.includes('max number of clients reached')) rejected = c;
      else held.push(c);
    }
    expect(rejected?.text).toContain('-ERR max number of clients reached');
    expect(await infoNumber(admin, 'rejected_connections')).toBeGreaterThanOrEqual(1);
    expect(await infoNumber(admin, 'connected_clients')).toBe(10);
    return held;
  }

  it('maxclients: maxclients-reached once the doctor can connect', async () => {
    await scenario({ maxclients: '10' }, async (server, r) => {
      const admin = await r.admin(server);
      const held = await fillToMaxclients(server, r, admin);
      // Free three slots so the doctor itself gets in.
      for (const c of held.slice(0, 3)) c.socket.destroy();
      await waitFor(
        'slots to free up',
        async () => (await infoNumber(admin, 'connected_clients')) <= 7,
        5_000,
      );

      const report = await expectDiagnosis(server, 'maxclients-reached');
      expect(result(report, 'maxclients-reached').evidence.rejected_connections).toBeGreaterThanOrEqual(1);
    });
  });

  it('maxclients: while the server is full, runDoctor rejects with ERR_LIFELINE_SERVER_FULL', async () => {
    await scenario({ maxclients: '10' }, async (server, r) => {
      const admin = await r.admin(server);
      await fillToMaxclients(server, r, admin);
      await expect(runDoctor({ url: server.url })).rejects.toMatchObject({
        code: 'ERR_LIFELINE_SERVER_FULL',
      });
    });
  });

  it('client eviction (maxmemory-clients): client-eviction (critical)', async () => {
    await scenario({ 'maxmemory-clients': '1mb' }, async (server, r) => {
      const admin = await r.admin(server);
      const writer = await r.socket(server);
      // Declare a 2 MB bulk: Redis preallocates the query buffer for it, then send it in 64 KB chunks.
      const size = 2 * 1024 * 1024;
      writer.socket.write(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 'e');
      let sent = 0;
      while (sent < size && !writer.closed && (await infoNumber(admin, 'evicted_clients')) < 1) {
        writer.socket.write(chunk);
        sent += chunk.length;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await waitFor(
        'INFO evicted_clients >= 1',
        async () => (await infoNumber(admin, 'evicted_clients')) >= 1,
        5_000,
      );

      await expectDiagnosis(server, 'client-eviction', { severity: 'critical' });
    });
  });

  it('query-buffer limit: query-buffer-kills (critical)', async () => {
    await scenario({ 'client-query-buffer-limit': '1mb' }, async (server, r) => {
      const writer = await r.socket(server);
      writer.send('SET', 'big', Buffer.alloc(2 * 1024 * 1024, 'a')); // 2 MB at once
      await waitFor(
        'the query-buffer kill in the log',
        () => logHas(server, /Closing client that reached max query buffer length/),
        10_000,
      );

      await expectDiagnosis(server, 'query-buffer-kills', { severity: 'critical' });
    });
  });

  it('CLIENT KILL: client-kills-observed', async () => {
    await scenario({}, async (server, r) => {
      const admin = await r.admin(server);
      const victims = await pingedClients(server, r, 5, 'PONG on every client');
      const killed = await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      expect(killed).toBe(5);
      await waitFor('the victims to be closed', () => victims.every((c) => c.closed), 5_000);

      await expectDiagnosis(server, 'client-kills-observed');
    });
  });

  it('tcp-keepalive 0: tcp-keepalive-off (warning) is the most likely cause', async () => {
    await scenario({ 'tcp-keepalive': '0' }, async (server) => {
      await expectDiagnosis(server, 'tcp-keepalive-off', { severity: 'warning' });
    });
  });
});
