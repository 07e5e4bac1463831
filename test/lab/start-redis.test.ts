import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { findRedisServer } from '../../src/lab/redis-server/find-binary.js';
import { startRedis } from '../../src/lab/redis-server/start-redis.js';
import { waitFor } from '../support/with-redis.js';

describe('startRedis', () => {
  it('starts a server on a free loopback port with its config and log, and stops it', async () => {
    const server = await startRedis({ config: { timeout: '7' } });
    const redis = new Redis({ port: server.port, host: '127.0.0.1' });
    try {
      expect(server.port).not.toBe(6379);
      expect(await redis.config('GET', 'timeout')).toEqual(['timeout', '7']);
      expect(await server.readLog()).toMatch(/Ready to accept connections/);
    } finally {
      redis.disconnect();
      await server.stop();
    }
    await expect(server.readLog()).rejects.toThrow(); // its directory is gone
    expect(() => process.kill(server.pid, 0)).toThrow(); // and so is the process
  });

  it('restarts on the same port and log, cleanly or by kill -9', async () => {
    const server = await startRedis();
    try {
      const first = server.pid;
      await server.restart('crash', { downMs: 200 });
      expect(server.pid).not.toBe(first);
      await server.restart('shutdown');
      const log = await server.readLog();
      expect(log.match(/Redis is starting/g)).toHaveLength(3);
      expect(log).toMatch(/ready to exit, bye bye/);
    } finally {
      await server.stop();
    }
  });

  it('starts a replica of another throwaway server', async () => {
    const master = await startRedis();
    const replica = await startRedis({ replicaOf: master });
    const admin = new Redis({ port: replica.port, host: '127.0.0.1' });
    try {
      await waitFor(
        'the replication link',
        async () => /master_link_status:up/.test(await admin.info('replication')),
        10_000,
      );
      expect(await admin.info('replication')).toContain(`master_port:${master.port}`);
    } finally {
      admin.disconnect();
      await replica.stop();
      await master.stop();
    }
  });

  it('says how to install redis-server when it is missing', () => {
    expect(() => findRedisServer({ PATH: '/nonexistent' })).toThrow(
      /apt-get install -y redis-server.*REDIS_SERVER_BIN/,
    );
    expect(() => findRedisServer({ REDIS_SERVER_BIN: '/nonexistent/redis-server' })).toThrow(
      /is not an executable file/,
    );
  });
});
