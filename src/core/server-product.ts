import type { Info } from './parse-info.js';

export type Product = 'redis' | 'valkey' | 'unknown';

export interface ServerIdentity {
  product: Product;
  /** The product's own version (valkey_version on Valkey, which also reports redis_version 7.2.4). */
  version: string;
  mode: string;
  role: string;
}

export function identifyServer(info: Info): ServerIdentity {
  const f = info.fields;
  const isValkey = f.server_name === 'valkey' || f.valkey_version !== undefined;
  return {
    product: isValkey ? 'valkey' : f.redis_version ? 'redis' : 'unknown',
    version: (isValkey ? f.valkey_version : f.redis_version) ?? 'unknown',
    mode: f.redis_mode ?? f.server_mode ?? 'standalone',
    role: f.role ?? 'unknown',
  };
}

/** Compares dotted versions: true when `version` >= `min` ("7.9.224" counts as 7.9). */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
