/**
 * lifeline watch end to end: each fault is produced on a real redis-server (through the lab's proxy
 * where the network is the fault) and must be reported with the right cause within two intervals.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAfterEach, serverBehindProxy } from '../support/fault-rig.js';
import { type Watching, watching } from '../support/watching.js';
import { waitFor } from '../support/with-redis.js';

const INTERVAL_MS = 1000;
const TWO_INTERVALS = 2 * INTERVAL_MS;

const defer = closeAfterEach();

/** A connection that subscribes and then stops reading: the server's output buffer for it grows. */
async function stalledSubscriber(port: number, channel: string): Promise<Socket> {
  const socket = netConnect({ port, host: '127.0.0.1' });
  defer(() => socket.destroy());
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  // Subscribed once the confirmation (`subscribe <channel> 1`) has arrived whole; then stop reading.
  const confirmation = `$${channel.length}\r\n${channel}\r\n:1\r\n`;
  await new Promise<void>((resolve) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.endsWith(confirmation)) return;
      socket.off('data', onData);
      resolve();
    };
    socket.on('data', onData);
    socket.write(`*2\r\n$9\r\nSUBSCRIBE\r\n$${channel.length}\r\n${channel}\r\n`);
  });
  socket.pause();
  return socket;
}

/**
 * Waits for `rounds` more samples (watching() already waited for the first): a fault after that has
 * a baseline round to be compared with, and an absence is checked over whole rounds, not a guess.
 */
async function sampledAgain(w: Watching, rounds = 1): Promise<void> {
  const seen = w.samples.length;
  await waitFor(`${rounds} more sample(s)`, () => w.samples.length >= seen + rounds, 5000 * rounds);
}

/** A client that tries once and never reconnects (to be refused by a full server). */
function oneShotClient(port: number): Redis {
  const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  defer(() => client.disconnect());
  return client;
}

/** Time from the fault to the alert, kept for the summary printed at the end (the figures in docs). */
const delays: Record<string, number> = {};
function reportedWithin(w: Watching, hit: { receivedAt: number; incident: { kind: string } }, since: number) {
  const ms = hit.receivedAt - since;
  delays[hit.incident.kind] = ms;
  expect(w.samples.length).toBeGreaterThan(0);
  return ms;
}
afterAll(() => {
  console.log(`watch detection delays (ms after the fault): ${JSON.stringify(delays)}`);
});

describe('lifeline watch on real servers: each incident within two intervals, right cause', () => {
  it('restart after a clean shutdown: server-restarted, told from the log', async () => {
    const { server } = await serverBehindProxy(defer);
    const w = await watching(defer, server.url);
    await sampledAgain(w);
    await server.restart('shutdown', { downMs: 200 });
    const back = Date.now();
    const hit = await w.next('server-restarted', back - 5000);
    expect(reportedWithin(w, hit, back)).toBeLessThanOrEqual(TWO_INTERVALS);
    expect(hit.incident.severity).toBe('warning');
    expect(hit.incident.confidence).toBe('high');
    expect(hit.incident.message).toMatch(/shut down cleanly/);
    expect(w.incidents.some((i) => i.incident.kind === 'server-crashed')).toBe(false);
  });

  it('failover: another, older server behind the same address is server-failover, not a restart', async () => {
    const { server: standby, admin: standbyAdmin } = await serverBehindProxy(defer);
    const standbyUp = Date.now();
    // A CLIENT KILL in the standby's past: its lifetime counter must not read as a kill now.
    await standbyAdmin.call('CLIENT', 'KILL', 'ID', '999999999', 'SKIPME', 'yes');
    const { server, proxy } = await serverBehindProxy(defer);
    const w = await watching(defer, `redis://127.0.0.1:${proxy.port}`);
    // The standby must have been up for longer than the gap between two samples.
    await waitFor('the standby to be up 4 s', () => Date.now() - standbyUp >= 4000, 6000);
    const movedAt = Date.now();
    await proxy.update({ upstream: `127.0.0.1:${standby.port}` });
    const hit = await w.next('server-failover', movedAt);
    expect(reportedWithin(w, hit, movedAt)).toBeLessThanOrEqual(TWO_INTERVALS);
    expect(hit.incident.message).toMatch(/another server/);
    expect(hit.incident.evidence).toMatchObject({ previousPid: server.pid, pid: standby.pid });
    // Nothing else comes in the next two rounds.
    await sampledAgain(w, 2);
    const causes = w.incidents.map((i) => i.incident.kind);
    expect(causes).not.toContain('server-restarted');
    expect(causes).not.toContain('server-crashed');
    // The standby's lifetime counters are not kills that just happened.
    expect(causes).not.toContain('client-kills-observed');
  });

  it('crash (kill -9): server-crashed, critical, and the outage as target-unreachable', async () => {
    const { server } = await serverBehindProxy(defer);
    const w = await watching(defer, server.url);
    await sampledAgain(w);
    const killedAt = Date.now();
    await server.restart('crash', { downMs: 1500 });
    const back = Date.now();
    const down = await w.next('target-unreachable', killedAt);
    expect(reportedWithin(w, down, killedAt)).toBeLessThanOrEqual(TWO_INTERVALS);
    const hit = await w.next('server-crashed', killedAt);
    expect(reportedWithin(w, hit, back)).toBeLessThanOrEqual(TWO_INTERVALS);
    expect(hit.incident.severity).toBe('critical');
    expect(hit.incident.message).toMatch(/stopped without any shutdown line/);
    expect(hit.incident.evidence).toMatchObject({ previousRunEnd: 'killed' });
  });

  it('maxclients: connections rejected while the server is full', async () => {
    const { server, admin } = await serverBehindProxy(defer);
    const w = await watching(defer, server.url);
    await admin.ping();
    await sampledAgain(w);
    // Existing connections stay; every new one is refused.
    await admin.call('CONFIG', 'SET', 'maxclients', '2');
    const refusedAt = Date.now();
    const refused = oneShotClient(server.port);
    await expect(refused.ping()).rejects.toThrow(/max number of clients reached|Connection is closed/);
    const hit = await w.next('maxclients-reached', refusedAt);
    expect(reportedWithin(w, hit, refusedAt)).toBeLessThanOrEqual(TWO_INTERVALS);
    expect(hit.incident.confidence).toBe('high');
    expect(hit.incident.evidence).toMatchObject({ maxclients: 2 });
    expect(hit.incident.fix.map((f) => f.command).join('\n')).toMatch(/maxclients/);
  });

  it('an ACL user without CLIENT LIST or CONFIG: counters still name the cause, the gap is said once', async () => {
    const { server, admin } = await serverBehindProxy(defer);
    await admin.call('ACL', 'SETUSER', 'watcher', 'on', '>watch-pw', '+@all', '-client|list', '-config|get');
    const w = await watching(defer, `redis://watcher:watch-pw@127.0.0.1:${server.port}`);
    await sampledAgain(w);
    await admin.call('CONFIG', 'SET', 'maxclients', '2');
    const refusedAt = Date.now();
    const refused = oneShotClient(server.port);
    await refused.ping().catch(() => undefined);
    const hit = await w.next('maxclients-reached', refusedAt);
    expect(reportedWithin(w, hit, refusedAt)).toBeLessThanOrEqual(TWO_INTERVALS);
    expect(w.samples.every((s) => s.up && s.clients === undefined)).toBe(true);
    expect(w.warnings).toEqual([
      expect.stringMatching(/CONFIG GET failed .*NOPERM.*detectors that compare with the server's settings/),
      expect.stringMatching(/CLIENT LIST is not permitted/),
    ]);
  });

  it('pub/sub output-buffer kill: output-buffer-kills naming the victim (from the log on 7.0)', async () => {
    const { server, admin } = await serverBehindProxy(defer, {
      'client-output-buffer-limit': 'pubsub 256kb 64kb 5',
    });
    const w = await watching(defer, server.url);
    await stalledSubscriber(server.port, 'news');
    await admin.call('CLIENT', 'SETNAME', 'publisher');
    const payload = 'x'.repeat(1000);
    const publishedAt = Date.now();
    // Enough to fill the kernel's socket buffers and then pass the 256 KB hard limit.
    for (let batch = 0; batch < 16; batch++) {
      const p = admin.pipeline();
      for (let n = 0; n < 1000; n++) p.publish('news', payload);
      await p.exec();
    }
    await waitFor(
      'the subscriber to be killed',
      async () => !/flags=P/.test(String(await admin.call('CLIENT', 'LIST'))),
    );
    const killedBy = Date.now();
    const hit = await w.next('output-buffer-kills', publishedAt);
    expect(reportedWithin(w, hit, killedBy)).toBeLessThanOrEqual(TWO_INTERVALS);
    expect(hit.incident.severity).toBe('critical');
    expect(hit.incident.message).toMatch(/output buffer limit/);
    expect(JSON.stringify(hit.incident.evidence)).toMatch(/flags":"P|"flags":"P"|cmd":"subscribe/);
    expect(hit.incident.fix.map((f) => f.command).join('\n')).toMatch(/client-output-buffer-limit/);
  });

  it('client eviction (maxmemory-clients): client-eviction from evicted_clients', async () => {
    const { server } = await serverBehindProxy(defer, { 'maxmemory-clients': '1mb' });
    const w = await watching(defer, server.url);
    // A 3 MB SET written slowly: its query buffer grows past maxmemory-clients.
    const socket = netConnect({ port: server.port, host: '127.0.0.1' });
    defer(() => socket.destroy());
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const size = 3 * 1024 * 1024;
    const startedAt = Date.now();
    socket.write(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`);
    const chunk = Buffer.alloc(256 * 1024, 'x');
    for (let sent = 0; sent < size && !socket.destroyed; sent += chunk.length) {
      socket.write(chunk);
      await new Promise((r) => setTimeout(r, 20));
    }
    const hit = await w.next('client-eviction', startedAt);
    expect(reportedWithin(w, hit, startedAt)).toBeLessThanOrEqual(TWO_INTERVALS + 1000);
    expect(hit.incident.severity).toBe('critical');
    expect(hit.incident.evidence).toMatchObject({ source: 'counter' });
    expect(hit.incident.message).toMatch(/maxmemory-clients/);
  });

  it('idle-timeout reaping: a client that vanished at the server timeout, named', async () => {
    // 4 s: lists 1 s apart are a small enough share of the timeout for the diff to mean something.
    const { server } = await serverBehindProxy(defer, { timeout: '4' });
    // CLIENT LIST every round: on a loaded machine a slow listing would stretch the 1% budget's gap
    // past timeout/2, where reaping is rightly not judged.
    // No grouping: the rig's idle admin connection is reaped too, a round earlier when setup was slow
    // (CI), and the worker's reaping would then be held back as a repeat of that incident.
    const w = await watching(defer, server.url, { clientListBudget: 0.5, groupWindowMs: 0 });
    const idle = new Redis({
      port: server.port,
      host: '127.0.0.1',
      connectionName: 'idle-worker',
      retryStrategy: () => null,
    });
    idle.on('error', () => undefined);
    defer(() => idle.disconnect());
    await idle.ping();
    const lastUse = Date.now();
    await waitFor('the server to close the idle client', () => idle.status === 'end', 10_000);
    const closedAt = Date.now();
    // The admin connection's incident may come first or hold both: find the worker's. Should the
    // wait fail, the lists' times (after the worker's last use) say whether a gap was too long.
    const lists = () =>
      w.samples
        .filter((sample) => sample.clients)
        .map((sample) => `${((sample.at - lastUse) / 1000).toFixed(1)} s`)
        .join(', ');
    const hit = (await waitFor(
      () => `the idle worker reaped (CLIENT LISTs at ${lists()})`,
      () =>
        w.incidents.find(
          (i) =>
            i.incident.kind === 'idle-timeout-reaping' &&
            i.receivedAt >= lastUse &&
            JSON.stringify(i.incident.evidence).includes('idle-worker'),
        ),
      10_000,
    )) as Watching['incidents'][number];
    expect(reportedWithin(w, hit, closedAt)).toBeLessThanOrEqual(TWO_INTERVALS);
    expect(hit.incident.message).toMatch(/timeout of 4 s/);
    expect(hit.incident.evidence).toMatchObject({
      clients: expect.arrayContaining([
        expect.objectContaining({ name: 'idle-worker', lastCommand: 'ping' }),
      ]),
    });
    expect(hit.incident.fix.map((f) => f.command).join('\n')).toMatch(/CONFIG SET timeout 0/);
  });

  it('ghost connection left by a NAT that forgot the flow (lab silent_drop)', async () => {
    const { server, proxy } = await serverBehindProxy(defer);
    const ghostIdleS = 2;
    const w = await watching(defer, server.url, { ghostIdleS });
    const app = new Redis({
      port: proxy.port,
      host: '127.0.0.1',
      connectionName: 'app',
      maxRetriesPerRequest: 1,
    });
    app.on('error', () => undefined);
    defer(() => app.disconnect());
    await app.ping();
    proxy.addToxic({ type: 'silent_drop', attributes: { timeout: 1000 } });
    await new Promise((r) => setTimeout(r, 2200));
    // The first write after the NAT forgot gets a RST; ioredis reconnects through a fresh flow.
    await app.ping().catch(() => undefined);
    const resetAt = Date.now();
    proxy.removeToxic('silent_drop_downstream');
    await waitFor('the app to reconnect', async () => (await app.ping().catch(() => '')) === 'PONG', 5000);
    const hit = await w.next('ghost-connections', resetAt, 8000);
    // The ghost qualifies once idle for ghostIdleS; from then on, within two intervals.
    expect(reportedWithin(w, hit, resetAt)).toBeLessThanOrEqual(ghostIdleS * 1000 + TWO_INTERVALS);
    expect(hit.incident.message).toMatch(/same application opened a newer one/);
    const ghosts = (hit.incident.evidence as { ghosts: { name: string }[] }).ghosts;
    expect(ghosts[0]?.name).toBe('app');
    expect(hit.incident.fix.map((f) => f.command).join('\n')).toMatch(/CLIENT KILL ID \d+/);
  });

  it('CLIENT KILL: client-kills-observed, and the churn of a reconnect storm', async () => {
    const { server, admin } = await serverBehindProxy(defer);
    const w = await watching(defer, server.url, { churnPerSecond: 20 });
    await sampledAgain(w);
    const killedAt = Date.now();
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // 60 short-lived connections in under a second: a storm against a baseline of zero.
    await Promise.all(
      Array.from({ length: 60 }, async () => {
        const c = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
        c.on('error', () => undefined);
        await c.connect();
        await c.quit();
      }),
    );
    const kill = await w.next('client-kills-observed', killedAt);
    expect(reportedWithin(w, kill, killedAt)).toBeLessThanOrEqual(TWO_INTERVALS);
    const churn = await w.next('connection-churn', killedAt);
    expect(reportedWithin(w, churn, killedAt)).toBeLessThanOrEqual(TWO_INTERVALS + 500);
    expect(churn.incident.evidence).toMatchObject({ excludedOwn: 0 });
    expect((churn.incident.evidence as { newConnections: number }).newConnections).toBeGreaterThanOrEqual(60);
  });
});
