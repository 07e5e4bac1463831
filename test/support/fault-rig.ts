import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { FaultProxy } from '../../src/lab/proxy/proxy.js';
import { type RedisServer, startRedis } from '../../src/lab/redis-server/start-redis.js';

/** Registers closers run (last first) after each test of the calling file; returns `defer`. */
export function closeAfterEach(): (close: () => unknown) => void {
  const open: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });
  return (close) => {
    open.push(close);
  };
}

export interface ServerBehindProxy {
  server: RedisServer;
  proxy: FaultProxy;
  /** A direct connection for checks on the server (never through the proxy). */
  admin: Redis;
}

/** A throwaway server, the lab proxy in front of it, and an admin connection; all closed by `defer`. */
export async function serverBehindProxy(
  defer: (close: () => unknown) => void,
  config: Record<string, string> = {},
): Promise<ServerBehindProxy> {
  const server = await startRedis({ config });
  defer(() => server.stop());
  const proxy = await new FaultProxy({ name: 'rig', upstream: `127.0.0.1:${server.port}` }).start();
  defer(() => proxy.stop());
  const admin = new Redis({ port: server.port, host: '127.0.0.1', connectionName: 'admin' });
  defer(() => admin.disconnect());
  admin.on('error', () => undefined); // ECONNREFUSED while a test restarts the server
  return { server, proxy, admin };
}
