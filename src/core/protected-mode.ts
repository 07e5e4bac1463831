import { isLoopback } from './local-server.js';
import { versionAtLeast } from './server-product.js';

/**
 * Whether the server's protected mode refuses clients from non-loopback addresses (networking.c
 * acceptCommonHandler; they count in rejected_connections): protected-mode yes, no password, and a
 * non-loopback peer can reach the port (bind not only loopback). Before Redis 7.0 it applied only
 * when no bind address was configured at all. A setting CONFIG did not show is not assumed.
 */
export function protectedModeRefuses(
  config: Record<string, string> | undefined,
  server: { product?: string | undefined; version?: string | undefined },
): boolean {
  if (config?.['protected-mode'] !== 'yes' || config.requirepass !== '') return false;
  const bind = (config.bind ?? '').trim();
  if (bind === '') return true;
  // A leading "-" marks an address that may be unavailable (7.0+): still an address.
  const reachableFromOutside = bind.split(/\s+/).some((a) => !isLoopback(a.replace(/^-/, '')));
  const bindCounts = server.product !== 'redis' || versionAtLeast(server.version ?? '', '7.0');
  return reachableFromOutside && bindCounts;
}
