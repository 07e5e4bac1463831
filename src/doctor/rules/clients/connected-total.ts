import type { Evidence } from '../../evidence.js';
import { configNumber, info } from '../helpers.js';

/** What maxclients counts: clients + replicas + cluster links (server.c acceptCommonHandler). */
export function connectionLoad(e: Evidence): { connected: number; maxclients: number | undefined } {
  const connected =
    (info(e, 'connected_clients') ?? 0) +
    (info(e, 'connected_slaves') ?? 0) +
    (info(e, 'cluster_connections') ?? 0);
  return { connected, maxclients: info(e, 'maxclients') ?? configNumber(e, 'maxclients') };
}

/** Who holds the connections: the largest groups by lib-name and by client name. */
export function topHolders(e: Evidence): Record<string, number> {
  if (e.clients.status !== 'ok') return {};
  const groups = [
    ...Object.entries(e.clients.value.byName).map(([k, v]) => [`name=${k}`, v] as const),
    ...Object.entries(e.clients.value.byLibName).map(([k, v]) => [`lib-name=${k}`, v] as const),
  ];
  return Object.fromEntries(groups.sort((a, b) => b[1] - a[1]).slice(0, 6));
}
