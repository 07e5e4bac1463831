/**
 * The short probe from this host (connect, 20 PINGs) and path-slow: an application behind the lab's
 * latency toxic (FaultProxy in front of a throwaway redis-server), the doctor pointed at the proxy;
 * then each way a probe fails (refused, reset, closed, unanswered) against real sockets.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { collectPathProbe, percentile } from '../../src/doctor/collectors/path-probe.js';
import { diagnose } from '../../src/doctor/diagnose.js';
import type { Collected, Evidence, PathProbeFacts } from '../../src/doctor/evidence.js';
import { runDoctor } from '../../src/doctor/run.js';
import { FaultProxy } from '../../src/lab/proxy/proxy.js';
import { freePort } from '../../src/lab/redis-server/free-port.js';
import { fixtureEvidence } from '../support/fixture-evidence.js';
import { withRedis } from '../support/with-redis.js';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A raw server on 127.0.0.1 that does `onData` with each connection's first bytes. */
async function rawServer(onData: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => onData(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as { port: number }).port;
}

const probeOf = (port: number, timeoutMs = 1_000) =>
  collectPathProbe({ host: '127.0.0.1', port, tls: false }, { timeoutMs, pings: 5 });

const withProbe = (pathProbe: Collected<PathProbeFacts> | undefined): Evidence => ({
  ...fixtureEvidence('redis-7.4.1', 'healthy'),
  ...(pathProbe ? { pathProbe } : {}),
});
const pathSlow = (evidence: Evidence) => diagnose(evidence, { only: ['path-slow'] }).results[0];

describe('path-slow: an application behind the latency toxic', () => {
  it('the doctor pointed at the proxy names the slow path; without the toxic it passes', async () => {
    await withRedis({}, async (server) => {
      const proxy = await new FaultProxy({ name: 'redis', upstream: `127.0.0.1:${server.port}` }).start();
      closers.push(() => proxy.stop());
      const url = `redis://127.0.0.1:${proxy.port}`;
      // The application: one ioredis client through the proxy, used before and during the fault.
      const app = new Redis({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: 1 });
      closers.push(() => app.disconnect());
      await app.ping();

      const healthy = await runDoctor({ url, only: ['path-slow'] });
      expect(healthy.results[0]).toMatchObject({ ruleId: 'path-slow', status: 'pass' });
      const fast = healthy.evidence.pathProbe;
      expect(fast).toMatchObject({ status: 'ok', value: { pingsPlanned: 20, pingsAnswered: 20 } });
      if (fast?.status !== 'ok') return;
      expect(fast.value.p50Ms).toBeLessThan(20);

      proxy.addToxic({ type: 'latency', attributes: { latency: 50 } }); // every reply 50 ms late
      await app.ping();
      const slow = await runDoctor({ url, only: ['path-slow'] });
      const finding = slow.results[0];
      expect(finding).toMatchObject({
        ruleId: 'path-slow',
        status: 'finding',
        cause: 'network',
        severity: 'warning',
        confidence: 'medium', // the proxy answers the SYN at once: only the PINGs are slow
        evidence: { address: `127.0.0.1:${proxy.port}`, pingsAnswered: 20 },
      });
      const evidence = finding?.evidence as { p50Ms: number; p99Ms: number; connectMs: number };
      expect(evidence.p50Ms).toBeGreaterThanOrEqual(45); // timers fire to within a millisecond
      expect(evidence.p50Ms).toBeLessThan(150);
      expect(evidence.p99Ms).toBeGreaterThanOrEqual(evidence.p50Ms);
      expect(evidence.connectMs).toBeLessThan(20);
      expect(finding?.message).toContain(
        `From this host, 127.0.0.1:${proxy.port}: the median PING round trip is`,
      );
      expect(finding?.fix[0]?.command).toBe(`redis-cli -h 127.0.0.1 -p ${proxy.port} --latency-history -i 5`);
      // The application's own socket to the proxy is among this host's sockets to the target.
      expect(slow.evidence.hostSockets).toMatchObject({
        status: 'ok',
        value: { byState: { ESTABLISHED: 1 } },
      });
      process.stdout.write(
        `path-slow under a 50 ms latency toxic: connect ${evidence.connectMs} ms, p50 ${evidence.p50Ms} ms, p99 ${evidence.p99Ms} ms\n`,
      );
    });
  });

  it('a reset on the path (reset_peer toxic) is critical and named', async () => {
    await withRedis({}, async (server) => {
      const proxy = await new FaultProxy({ name: 'redis', upstream: `127.0.0.1:${server.port}` }).start();
      closers.push(() => proxy.stop());
      proxy.addToxic({ type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } });
      const probe = await probeOf(proxy.port);
      expect(probe).toMatchObject({
        status: 'ok',
        value: { pingsAnswered: 0, failure: { kind: 'reset' } },
      });
      expect(pathSlow(withProbe(probe))).toMatchObject({
        status: 'finding',
        severity: 'critical',
        confidence: 'high',
      });
      expect(pathSlow(withProbe(probe))?.message).toContain('was reset after 0 of 5 PINGs');
    });
  });
});

describe('the probe fails in each way, never throws', () => {
  it('refused: nothing listens', async () => {
    const port = await freePort();
    const probe = await probeOf(port);
    expect(probe).toMatchObject({
      status: 'ok',
      value: { connectMs: undefined, failure: { kind: 'refused' } },
    });
    expect(pathSlow(withProbe(probe))?.severity).toBe('critical');
  });

  it('closed: the server ends the connection on the first PING', async () => {
    const port = await rawServer((socket) => socket.end());
    const probe = await probeOf(port);
    expect(probe).toMatchObject({ status: 'ok', value: { pingsAnswered: 0, failure: { kind: 'closed' } } });
  });

  it('timeout: the server never answers; the probe stops at its bound', async () => {
    const port = await rawServer(() => undefined);
    const started = performance.now();
    const probe = await probeOf(port, 400);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(probe).toMatchObject({ status: 'ok', value: { pingsAnswered: 0, failure: { kind: 'timeout' } } });
    expect(pathSlow(withProbe(probe))?.message).toContain('timed out after 0 of 5 PINGs');
  });

  it('a server that wants AUTH still answers each PING (-NOAUTH): round trips all the same', async () => {
    await withRedis({}, async (server) => {
      const admin = new Redis({ port: server.port, lazyConnect: true });
      await admin.connect();
      await admin.config('SET', 'requirepass', 'secret-pass');
      admin.disconnect();
      const probe = await probeOf(server.port);
      expect(probe).toMatchObject({ status: 'ok', value: { pingsAnswered: 5 } });
      if (probe.status === 'ok') expect(probe.value.failure).toBeUndefined();
    });
  });

  it('a server at maxclients refuses the probe: the server said so, the rule does not blame the path', async () => {
    await withRedis({}, async (server) => {
      const app = new Redis({ port: server.port, lazyConnect: true });
      closers.push(() => app.disconnect());
      await app.connect();
      await app.config('SET', 'maxclients', '1');
      const probe = await probeOf(server.port);
      expect(probe).toMatchObject({
        status: 'ok',
        value: { failure: { serverSaid: 'ERR max number of clients reached' } },
      });
      expect(pathSlow(withProbe(probe))).toMatchObject({
        status: 'skipped',
        reason: 'the server refused the probe ("ERR max number of clients reached"), not the path',
      });
    });
  });

  it('the rule skips evidence without a probe, and a probe not run', () => {
    expect(pathSlow(withProbe(undefined))).toMatchObject({
      status: 'skipped',
      reason: 'no path probe in this evidence',
    });
    expect(pathSlow(withProbe({ status: 'unavailable', reason: 'not run' }))).toMatchObject({
      status: 'skipped',
      reason: 'not run',
    });
  });

  it('thresholds: p50 20 ms, two PINGs ≥ 200 ms, connect 100 ms (1 s: a SYN sent again)', () => {
    const facts = (more: Partial<PathProbeFacts>): Collected<PathProbeFacts> => ({
      status: 'ok',
      value: {
        address: '10.0.0.5:6379',
        connectMs: 0.5,
        pingsPlanned: 20,
        pingsAnswered: 20,
        p50Ms: 1,
        p99Ms: 3,
        maxMs: 3,
        samplesMs: Array(20).fill(1),
        ...more,
      },
    });
    const stalled = (n: number) => [...Array(20 - n).fill(1), ...Array(n).fill(250)];
    expect(pathSlow(withProbe(facts({ p50Ms: 19.9, connectMs: 99 })))?.status).toBe('pass');
    expect(pathSlow(withProbe(facts({ p50Ms: 20 })))?.status).toBe('finding');
    // One slow PING can be this host pausing; two are the path or the server.
    expect(pathSlow(withProbe(facts({ samplesMs: stalled(1), p99Ms: 250, maxMs: 250 })))?.status).toBe(
      'pass',
    );
    expect(pathSlow(withProbe(facts({ samplesMs: stalled(2), p99Ms: 250, maxMs: 250 })))?.message).toContain(
      '2 of 20 PINGs took 200 ms or more, up to 250 ms',
    );
    expect(pathSlow(withProbe(facts({ connectMs: 120 })))).toMatchObject({ confidence: 'high' });
    expect(pathSlow(withProbe(facts({ connectMs: 1_005 })))?.message).toContain(
      'a SYN was lost and sent again',
    );
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([...Array(20).keys()], 99)).toBe(19);
  });
});
