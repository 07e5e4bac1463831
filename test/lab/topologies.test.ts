/**
 * Throwaway topologies against real processes: a sentinel set (1 master, 1 replica, 3 sentinels) that
 * fails over, a 3+3 cluster that fails over by hand and on kill -9, and starts that fail cleanly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Cluster as ClusterClient } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/error-codes.js';
import { LifelineError } from '../../src/core/errors.js';
import { startCluster } from '../../src/lab/redis-server/start-cluster.js';
import type { RedisServer } from '../../src/lab/redis-server/start-redis.js';
import { startSentinel } from '../../src/lab/redis-server/start-sentinel.js';
import { callOnce, waitFor } from '../support/with-redis.js';

/** The redis-server processes this test process started and that still run. */
function ourRedisServers(): string[] {
  try {
    return execFileSync('pgrep', ['-a', '-P', String(process.pid), 'redis-server'], { encoding: 'utf8' })
      .trim()
      .split('\n');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Every process is gone and every temp dir removed. */
function expectGone(servers: RedisServer[]): void {
  for (const server of servers) {
    expect(() => process.kill(server.pid, 0), `pid ${server.pid} still runs`).toThrow();
    expect(existsSync(server.dir), `${server.dir} still exists`).toBe(false);
  }
  expect(ourRedisServers()).toEqual([]);
}

const since = (start: number): number => Math.round(performance.now() - start);

describe('startSentinel', () => {
  it('starts a master, a replica and 3 sentinels that agree, fails over, and stops clean', async () => {
    const startedAt = performance.now();
    const set = await startSentinel();
    console.log(`sentinel set (1 master, 1 replica, 3 sentinels) ready in ${since(startedAt)} ms`);
    const all = [set.master, ...set.replicas, ...set.sentinels];
    try {
      expect(ourRedisServers()).toHaveLength(5); // the check below sees this test's processes
      expect(set.replicas).toHaveLength(1);
      expect(set.sentinels).toHaveLength(3);
      expect(set.url).toBe(
        `redis+sentinel://${set.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/mymaster`,
      );
      for (const sentinel of set.sentinels) {
        expect(await callOnce(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')).toEqual([
          '127.0.0.1',
          String(set.master.port),
        ]);
        expect(await callOnce(sentinel.port, 'SENTINEL', 'SENTINELS', 'mymaster')).toHaveLength(2);
        expect(await callOnce(sentinel.port, 'SENTINEL', 'REPLICAS', 'mymaster')).toHaveLength(1);
      }
      expect(await set.currentMaster()).toEqual({ host: '127.0.0.1', port: set.master.port });

      const replica = set.replicas[0] as RedisServer;
      const failoverAt = performance.now();
      expect(await callOnce((set.sentinels[0] as RedisServer).port, 'SENTINEL', 'FAILOVER', 'mymaster')).toBe(
        'OK',
      );
      expect(await set.waitForMaster(replica.port, 30_000)).toEqual({
        host: '127.0.0.1',
        port: replica.port,
      });
      console.log(
        `SENTINEL FAILOVER: every sentinel names the replica as master after ${since(failoverAt)} ms`,
      );
      expect(await set.currentMaster()).toEqual({ host: '127.0.0.1', port: replica.port });
      expect(((await callOnce(replica.port, 'ROLE')) as unknown[])[0]).toBe('master');
      // A sentinel restarted by kill -9 keeps its rewritten config: it still names the new master.
      const sentinel = set.sentinels[2] as RedisServer;
      await sentinel.restart('crash');
      expect(await callOnce(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')).toEqual([
        '127.0.0.1',
        String(replica.port),
      ]);
      await expect(set.waitForMaster(set.master.port, 300)).rejects.toMatchObject({
        code: ERROR_CODES.topologyTimeout,
      });
    } finally {
      await set.stop();
    }
    expectGone(all);
  }, 60_000);

  it('fails in one line when the binary does not exist, leaving nothing running', async () => {
    const error = await startSentinel({ binary: '/nonexistent/redis-server' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifelineError);
    expect((error as LifelineError).code).toBe(ERROR_CODES.redisStart);
    expect((error as LifelineError).message).toMatch(/^startSentinel: the master: .*ENOENT/);
    expect((error as LifelineError).message).not.toContain('\n');
    console.log(`missing binary: ${(error as LifelineError).message}`);
    expect(ourRedisServers()).toEqual([]);
  });

  it('stops the master and replica it started when a sentinel does not start', async () => {
    const error = await startSentinel({ sentinelConfig: { 'sentinel no-such-directive': 'x' } }).catch(
      (e: unknown) => e,
    );
    expect((error as LifelineError).code).toBe(ERROR_CODES.redisStart);
    expect((error as LifelineError).message).toMatch(/^startSentinel: sentinel 1 of 3: redis-server on port/);
    expect((error as LifelineError).message).not.toContain('\n');
    console.log(`bad sentinel directive: ${(error as LifelineError).message}`);
    expect(ourRedisServers()).toEqual([]);
  });

  it('refuses options out of range before starting anything', async () => {
    await expect(startSentinel({ sentinels: 3, quorum: 4 })).rejects.toMatchObject({
      code: ERROR_CODES.topologyOptions,
      message: 'startSentinel: quorum must be a whole number from 1 to 3, not 4',
    });
    await expect(startCluster({ masters: 0 })).rejects.toMatchObject({ code: ERROR_CODES.topologyOptions });
  });
});

describe('startCluster', () => {
  it('starts 3 masters and 3 replicas, serves keys, fails over by hand and on kill -9, and stops clean', async () => {
    const startedAt = performance.now();
    const cluster = await startCluster();
    console.log(`cluster (3 masters, 3 replicas) ready in ${since(startedAt)} ms`);
    const client = new ClusterClient([{ host: '127.0.0.1', port: (cluster.nodes[0] as RedisServer).port }]);
    try {
      expect(cluster.nodes.map((n) => n.role)).toEqual([
        'master',
        'master',
        'master',
        'replica',
        'replica',
        'replica',
      ]);
      expect(cluster.seedUrl).toBe(`redis://127.0.0.1:${cluster.nodes[0]?.port}`);
      for (const node of cluster.nodes) {
        expect(existsSync(`${node.dir}/nodes.conf`)).toBe(true);
        const info = String(await callOnce(node.port, 'CLUSTER', 'INFO'));
        expect(info).toContain('cluster_state:ok');
        expect(info).toContain('cluster_slots_ok:16384');
        expect(info).toContain('cluster_known_nodes:6');
      }
      const masters = await cluster.masters();
      expect(masters.flatMap((m) => m.slots).reduce((sum, [from, to]) => sum + to - from + 1, 0)).toBe(16384);
      expect(masters.map((m) => m.replicas.length)).toEqual([1, 1, 1]);

      // Keys in every master's slots, through a cluster-aware client that follows MOVED.
      for (let i = 0; i < 20; i++) await client.set(`key:${i}`, `value:${i}`);
      for (let i = 0; i < 20; i++) expect(await client.get(`key:${i}`)).toBe(`value:${i}`);

      // CLUSTER FAILOVER on a replica: it becomes the master of its master's slots.
      const replica = cluster.nodes[3] as (typeof cluster.nodes)[number];
      const manualAt = performance.now();
      expect(await callOnce(replica.port, 'CLUSTER', 'FAILOVER')).toBe('OK');
      await waitFor(
        'the replica to be master',
        async () => (await cluster.masters()).some((m) => m.id === replica.id && m.slots.length > 0),
        15_000,
      );
      await cluster.waitForState('ok', 15_000);
      console.log(`CLUSTER FAILOVER: replica ${replica.port} is master after ${since(manualAt)} ms`);
      expect(((await callOnce(replica.port, 'ROLE')) as unknown[])[0]).toBe('master');

      // kill -9 of a master: its replica is promoted once the others mark it failing.
      const victim = cluster.nodes[1] as (typeof cluster.nodes)[number];
      const heir = cluster.nodes.find((n) => n.masterId === victim.id) as (typeof cluster.nodes)[number];
      const victimSlots = (await cluster.masters()).find((m) => m.id === victim.id)?.slots;
      const killedAt = performance.now();
      process.kill(victim.pid, 'SIGKILL');
      await waitFor(
        'the replica of the killed master to be promoted',
        async () => {
          const now = await cluster.masters().catch(() => []);
          return now.some((m) => m.id === heir.id) && !now.some((m) => m.id === victim.id);
        },
        20_000,
      );
      const promotedMs = since(killedAt);
      await cluster.waitForState('ok', 15_000);
      console.log(
        `kill -9 of master ${victim.port} (cluster-node-timeout 2000): replica ${heir.port} promoted after ${promotedMs} ms, cluster_state ok after ${since(killedAt)} ms`,
      );
      expect(promotedMs).toBeLessThan(20_000);
      expect((await cluster.masters()).find((m) => m.id === heir.id)?.slots).toEqual(victimSlots);
      for (let i = 0; i < 20; i++) expect(await client.get(`key:${i}`)).toBe(`value:${i}`);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
    expectGone(cluster.nodes);
  }, 90_000);
});
