import type { ClientFactory } from './client-under-test.js';

export { checkProbe, commandClient } from './command-client.js';

import { ioredisClient, lifelineIoredisClient } from './ioredis-client.js';
import { lifelineNodeRedisClient, nodeRedisClient } from './node-redis-client.js';

/** The clients `lifeline lab --client` can test. */
export const CLIENTS: Record<string, ClientFactory> = {
  ioredis: ioredisClient,
  'node-redis': nodeRedisClient,
  'lifeline-ioredis': lifelineIoredisClient,
  'lifeline-node-redis': lifelineNodeRedisClient,
};
