/**
 * The doctor end to end on states the lab catalogue does not produce: a healthy server, a server full
 * right now, and a risky setting. Each fault of the catalogue is checked in lab-catalogue.test.ts,
 * where the lab reproduces it and runs the doctor afterwards.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run.js';
import { waitFor, withRedis } from '../support/with-redis.js';

// Host hygiene (overcommit-disabled: this machine has vm.overcommit_memory=0) may warn on any server.
const CAUSE_CATEGORIES = ['clients', 'network', 'server', 'memory', 'commands', 'replication'];

async function withClients<T>(port: number, count: number, fn: (clients: Redis[]) => Promise<T>): Promise<T> {
  const clients = Array.from(
    { length: count },
    () => new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 }),
  );
  for (const c of clients) c.on('error', () => undefined);
  try {
    return await fn(clients);
  } finally {
    for (const c of clients) c.disconnect();
  }
}

describe('lifeline doctor on a real redis-server', () => {
  it('healthy server with subscribers and a blocked client: no cause, no warning about connections', async () => {
    await withRedis({}, (server) =>
      withClients(server.port, 4, async ([admin, sub1, sub2, blocker]) => {
        await sub1?.subscribe('x');
        await sub2?.subscribe('x');
        void blocker?.blpop('q', 30).catch(() => undefined);
        await waitFor(
          'a blocked client',
          async () => /blocked_clients:1/.test(String(await admin?.info('clients'))),
          5000,
        );

        const report = await runDoctor({ url: server.url });
        expect(report.results.filter((r) => r.status === 'crashed')).toEqual([]);
        expect(report.mostLikelyCause).toBeNull();
        const alarming = report.results.filter(
          (r) => r.status === 'finding' && r.severity !== 'info' && CAUSE_CATEGORIES.includes(r.category),
        );
        expect(alarming.map((r) => `${r.ruleId}: ${r.message}`)).toEqual([]);
      }),
    );
  });

  it('a server full right now: the doctor cannot connect and says why (ERR_LIFELINE_SERVER_FULL)', async () => {
    await withRedis({}, (server) =>
      withClients(server.port, 1, async ([admin]) => {
        await admin?.ping();
        // Lowering maxclients keeps existing connections; every new one is refused.
        await admin?.call('CONFIG', 'SET', 'maxclients', '1');
        await expect(runDoctor({ url: server.url })).rejects.toMatchObject({
          code: 'ERR_LIFELINE_SERVER_FULL',
          message: expect.stringMatching(/max number of clients reached/),
        });
      }),
    );
  });

  it('tcp-keepalive 0: tcp-keepalive-off (warning) is the most likely cause', async () => {
    await withRedis({ config: { 'tcp-keepalive': '0' } }, async (server) => {
      const report = await runDoctor({ url: server.url });
      expect(report.mostLikelyCause?.ruleId).toBe('tcp-keepalive-off');
      expect(report.results.find((r) => r.ruleId === 'tcp-keepalive-off')?.severity).toBe('warning');
    });
  });

  it('--lb-idle-timeout shorter than tcp-keepalive: a warning naming both values', async () => {
    await withRedis({}, async (server) => {
      const report = await runDoctor({ url: server.url, lbIdleTimeoutS: 240 });
      const finding = report.results.find((r) => r.ruleId === 'tcp-keepalive-above-lb-idle');
      expect(finding).toMatchObject({ status: 'finding', severity: 'warning' });
      expect(finding?.message).toMatch(/tcp-keepalive is 300 s but the load balancer idle timeout is 240 s/);
    });
  });
});
