import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ERROR_CODES } from '../../core/error-codes.js';
import { LifelineError } from '../../core/errors.js';

export const INSTALL_HINT =
  'Install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) or point REDIS_SERVER_BIN at a redis-server or valkey-server binary.';

/** The redis-server to start: $REDIS_SERVER_BIN, else the first one on PATH. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = env.REDIS_SERVER_BIN
    ? [env.REDIS_SERVER_BIN]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, 'redis-server'));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new LifelineError(
    ERROR_CODES.noRedisServer,
    env.REDIS_SERVER_BIN
      ? `REDIS_SERVER_BIN=${env.REDIS_SERVER_BIN} is not an executable file. ${INSTALL_HINT}`
      : `redis-server was not found on PATH. ${INSTALL_HINT}`,
  );
}
