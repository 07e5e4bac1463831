import type { HostSocket, HostSocketsFacts } from '../../evidence.js';

/** "node (pid 4242): 6, java (pid 77): 2": who holds these sockets, most first; unknown owners counted. */
export function ownersOf(sockets: readonly HostSocket[]): {
  text: string;
  owners: { pid: number; comm: string; sockets: number }[];
  unowned: number;
} {
  const owners: { pid: number; comm: string; sockets: number }[] = [];
  let unowned = 0;
  for (const s of sockets) {
    if (s.pid === undefined) {
      unowned += 1;
      continue;
    }
    const owner = owners.find((o) => o.pid === s.pid);
    if (owner) owner.sockets += 1;
    else owners.push({ pid: s.pid, comm: s.comm ?? '?', sockets: 1 });
  }
  owners.sort((a, b) => b.sockets - a.sockets);
  const named = owners.slice(0, 5).map((o) => `${o.comm} (pid ${o.pid}): ${o.sockets}`);
  if (owners.length > 5) named.push(`${owners.length - 5} more processes`);
  if (unowned > 0) named.push(`${unowned} of an owner not visible to this user`);
  return { text: named.join(', '), owners, unowned };
}

/** The address an ss filter names: the socket's remote end, as printed (brackets for IPv6). */
export const remoteOf = (facts: HostSocketsFacts, sockets: readonly HostSocket[]): string =>
  sockets[0]?.remote ?? `${facts.addresses[0] ?? ''}:${facts.port}`;

/** The first `n` sockets, as the report shows them. */
export const sample = (sockets: readonly HostSocket[], n = 10): HostSocket[] => sockets.slice(0, n);
