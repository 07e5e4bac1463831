export { findRedisServer, INSTALL_HINT } from './redis-server/find-binary.js';
export { freePort } from './redis-server/free-port.js';
export { type RedisServer, type StartRedisOptions, startRedis } from './redis-server/start-redis.js';
