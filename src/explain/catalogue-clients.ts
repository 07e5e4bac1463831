import type { ClientName } from './client-signature.js';

/** The clients the catalogue is measured with: the two Node libraries and the shipped probes. */
export const CATALOGUE_CLIENTS: readonly ClientName[] = [
  'ioredis',
  'node-redis',
  'redis-py',
  'redis-rb',
  'phpredis',
  'hiredis',
];
