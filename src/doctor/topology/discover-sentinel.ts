import type { Redis } from 'ioredis';
import { ERROR_CODES } from '../../core/error-codes.js';
import { CannotRunError } from '../../core/errors.js';
import { endpointOf, type NodeAddress, type RedisTarget, type SentinelTarget } from '../../core/redis-url.js';
import { capReply } from '../../core/reply-cap.js';
import { fieldsOf, listOf } from '../../core/reply-fields.js';
import { type DiscoverOptions, describeNode, oneLine, withConnection } from './node-facts.js';
import type { SentinelView, TopologyEvidence, TopologyNode } from './topology-evidence.js';

/**
 * A Sentinel-managed master and everything around it, read-only: every sentinel in the URL (and the
 * ones they know of) is asked what it sees; the master and the replicas they name are read
 * themselves. Throws a CannotRunError (one line) when no sentinel answers or none monitors the name.
 */
export async function discoverSentinel(
  target: SentinelTarget,
  options: DiscoverOptions,
): Promise<TopologyEvidence> {
  const asked = new Map<string, SentinelView>();
  const ask = async (addresses: NodeAddress[]) => {
    const fresh = addresses.filter((a) => !asked.has(endpointOf(a)));
    for (const a of fresh) asked.set(endpointOf(a), { address: a });
    const views = await Promise.all(fresh.map((a) => askSentinel(a, target, options)));
    for (const view of views) asked.set(endpointOf(view.address), view);
  };
  await ask(target.sentinels);
  // Sentinels the URL left out still vote on failovers: ask them too.
  const known = [...asked.values()].flatMap((v) => (v.sentinels ?? []).map(addressOf));
  await ask(known.filter((a): a is NodeAddress => a !== undefined));
  const sentinels = [...asked.values()];

  const answering = sentinels.filter((v) => v.master);
  if (answering.length === 0) throw noMaster(target, sentinels);

  const master = mostNamed(answering.map((v) => v.masterAddress).filter((a) => a !== undefined));
  const nodes = await Promise.all(
    listedNodes(answering, master).map((listed) => describeNode(target, listed, options)),
  );
  return {
    kind: 'sentinel',
    masterName: target.masterName,
    ...(master ? { master } : {}),
    nodes,
    sentinels,
    login: { tls: target.tls, username: target.username, hasAuth: target.password !== undefined },
    sentinelLogin: {
      tls: target.tls,
      username: options.sentinelAuth?.username,
      hasAuth: options.sentinelAuth?.password !== undefined,
    },
    at: Date.now(),
    settings: { recentS: options.recentS, ...withClientTimeout(options) },
  };
}

/** What one sentinel says about the master: its record, address, replicas, peers and quorum check. */
async function askSentinel(
  address: NodeAddress,
  target: SentinelTarget,
  options: DiscoverOptions,
): Promise<SentinelView> {
  const sentinel: RedisTarget = {
    ...address,
    db: 0,
    username: options.sentinelAuth?.username,
    password: options.sentinelAuth?.password,
    tls: target.tls,
    url: `redis://${endpointOf(address)}`,
  };
  try {
    return await withConnection(sentinel, options, async (redis) => {
      const name = target.masterName;
      const master = fieldsOf(
        await sentinelCall(redis, 'MASTER', name).catch(async (error: Error) => {
          if (!/No such master/i.test(error.message)) throw error;
          const names = listOf(await sentinelCall(redis, 'MASTERS')).map((m) => m.name);
          throw new Error(`No such master; it monitors ${names.length ? names.join(', ') : 'none'}`);
        }),
      );
      const [addr, replicas, peers, ckquorum] = await Promise.all([
        sentinelCall(redis, 'GET-MASTER-ADDR-BY-NAME', name),
        sentinelCall(redis, 'REPLICAS', name),
        sentinelCall(redis, 'SENTINELS', name),
        sentinelCall(redis, 'CKQUORUM', name).then(
          (reply) => ({ ok: true, message: String(reply) }),
          (error: Error) => ({ ok: false, message: oneLine(error.message) }),
        ),
      ]);
      const pair = Array.isArray(addr) ? addr.map(String) : [];
      return {
        address,
        master,
        ...(pair.length === 2 ? { masterAddress: { host: pair[0] as string, port: Number(pair[1]) } } : {}),
        replicas: listOf(replicas),
        sentinels: listOf(peers),
        ckquorum,
      };
    });
  } catch (error) {
    return { address, error: oneLine((error as Error).message) };
  }
}

const sentinelCall = (redis: Redis, ...args: string[]): Promise<unknown> =>
  capReply(redis, 'SENTINEL', () => redis.call('SENTINEL', ...args));

/** The master and the replicas the sentinels list, with how they see each (s_down, o_down). */
function listedNodes(
  views: SentinelView[],
  master: NodeAddress | undefined,
): Omit<TopologyNode, 'info' | 'config'>[] {
  const nodes = new Map<string, Omit<TopologyNode, 'info' | 'config'>>();
  if (master) {
    const flags = views.find((v) => sameAddress(v.masterAddress, master))?.master?.flags ?? '';
    nodes.set(endpointOf(master), { ...master, role: 'master', status: downStatus(flags) });
  }
  for (const view of views) {
    for (const replica of view.replicas ?? []) {
      const address = addressOf(replica);
      if (!address || nodes.has(endpointOf(address))) continue;
      const followed = addressOf({ ip: replica['master-host'] ?? '', port: replica['master-port'] ?? '' });
      nodes.set(endpointOf(address), {
        ...address,
        role: 'replica',
        status: downStatus(replica.flags ?? ''),
        ...(followed ? { master: followed } : {}),
      });
    }
  }
  return [...nodes.values()];
}

const downStatus = (flags: string): TopologyNode['status'] =>
  /\bo_down\b/.test(flags) ? 'odown' : /\bs_down\b/.test(flags) ? 'sdown' : 'ok';

/** The address most sentinels give (ties: the first named). */
function mostNamed(addresses: NodeAddress[]): NodeAddress | undefined {
  const counts = new Map<string, { address: NodeAddress; n: number }>();
  for (const address of addresses) {
    const entry = counts.get(endpointOf(address)) ?? { address, n: 0 };
    entry.n += 1;
    counts.set(endpointOf(address), entry);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.address;
}

/** ip/port fields of a SENTINEL REPLICAS or SENTINELS entry. */
function addressOf(fields: Record<string, string>): NodeAddress | undefined {
  const port = Number(fields.port);
  return fields.ip && Number.isInteger(port) && port > 0 ? { host: fields.ip, port } : undefined;
}

const sameAddress = (a: NodeAddress | undefined, b: NodeAddress): boolean =>
  a !== undefined && a.host === b.host && a.port === b.port;

const withClientTimeout = (options: DiscoverOptions) =>
  options.clientTimeoutMs === undefined ? {} : { clientTimeoutMs: options.clientTimeoutMs };

/** Why no sentinel gave a master: none answered, or none monitors that name (and which they do). */
function noMaster(target: SentinelTarget, views: SentinelView[]): CannotRunError {
  const asked = views.map((v) => endpointOf(v.address)).join(', ');
  const unknownName = views.find((v) => /No such master/i.test(v.error ?? ''));
  if (unknownName) {
    return new CannotRunError(
      ERROR_CODES.unknownMaster,
      `No sentinel monitors a master named "${target.masterName}" (${endpointOf(unknownName.address)}: ${unknownName.error?.replace(/^No such master; /, '')}). Put the master's name in the URL: redis+sentinel://${asked}/<master-name>.`,
    );
  }
  return new CannotRunError(
    ERROR_CODES.sentinelUnreachable,
    `None of the sentinels ${asked} answered for master "${target.masterName}": ${views.find((v) => v.error)?.error ?? 'no answer'}`,
  );
}
