import { createRequire } from 'node:module';
import type { ClientFactory } from './client-under-test.js';

export { checkProbe, commandClient } from './command-client.js';
export { SHIPPED_PROBES } from './shipped-probes.js';

import { ioredisClient, lifelineIoredisClient } from './ioredis-client.js';
import { lifelineNodeRedisClient, nodeRedisClient } from './node-redis-client.js';

/** The clients `lifeline lab --client` can test. */
export const CLIENTS: Record<string, ClientFactory> = {
  ioredis: ioredisClient,
  'node-redis': nodeRedisClient,
  'lifeline-ioredis': lifelineIoredisClient,
  'lifeline-node-redis': lifelineNodeRedisClient,
};

/** The package behind each built-in client, for the report's library and version. */
const PACKAGE_OF: Record<string, string> = {
  ioredis: 'ioredis',
  'node-redis': 'redis',
  'lifeline-ioredis': 'ioredis',
  'lifeline-node-redis': 'redis',
};

/** "ioredis 6.0.0": the installed library behind a built-in client (its name alone if unreadable). */
export function builtInLibrary(client: string): string {
  const name = PACKAGE_OF[client] ?? client;
  try {
    const { version } = createRequire(import.meta.url)(`${name}/package.json`) as { version: string };
    return `${client} (${name} ${version})`;
  } catch {
    return client;
  }
}
