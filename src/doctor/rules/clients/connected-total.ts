import { infoNumber } from '../../../core/parse-info.js';
import type { Evidence } from '../../evidence.js';
import type { AdviceFacts } from '../define-rule.js';
import { settingNumber } from '../helpers.js';

type Load = { connected: number; maxclients: number | undefined };

/** What maxclients counts: clients + replicas + cluster links (server.c acceptCommonHandler). */
export const connectionLoad = (e: Evidence): Load =>
  connectionLoadIn({
    ...(e.info.status === 'ok' ? { info: e.info.value } : {}),
    ...(e.config.status === 'ok' ? { config: e.config.value } : {}),
  });

/** connectionLoad from INFO and CONFIG values, as an adviser has them. */
export function connectionLoadIn(f: Pick<AdviceFacts, 'info' | 'config'>): Load {
  const info = (key: string) => (f.info ? infoNumber(f.info, key) : undefined);
  const connected =
    (info('connected_clients') ?? 0) + (info('connected_slaves') ?? 0) + (info('cluster_connections') ?? 0);
  return { connected, maxclients: info('maxclients') ?? settingNumber(f.config?.maxclients) };
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
