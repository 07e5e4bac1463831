import { execFileSync } from 'node:child_process';
import { findRedisServer } from '../../src/lab/redis-server/find-binary.js';

/**
 * The suite runs real redis-server processes. Without one it fails at once, saying how to install it,
 * rather than skipping tests and passing on nothing.
 */
export default function requireRedisServer(): void {
  const binary = findRedisServer();
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  process.stdout.write(`tests use ${binary}: ${version}\n`);
}
