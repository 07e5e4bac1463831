import type { Redis } from 'ioredis';
import { ERROR_CODES } from '../../core/error-codes.js';
import { CannotRunError } from '../../core/errors.js';
import { type ClusterNodeLine, parseClusterNodes } from '../../core/parse-cluster-nodes.js';
import { parseInfo } from '../../core/parse-info.js';
import { endpointOf, type RedisTarget } from '../../core/redis-url.js';
import { capReply } from '../../core/reply-cap.js';
import { type DiscoverOptions, describeNode, oneLine, readInfo, withConnection } from './node-facts.js';
import type { TopologyEvidence, TopologyNode } from './topology-evidence.js';

/**
 * A Redis Cluster from any of its nodes, read-only: the seed's CLUSTER NODES lists the nodes; each is
 * read itself (INFO, the topology settings, CLUSTER INFO). Throws a CannotRunError (one line) when the
 * seed is not in cluster mode or refuses CLUSTER NODES.
 */
export async function discoverCluster(
  seed: RedisTarget,
  options: DiscoverOptions,
): Promise<TopologyEvidence> {
  const where = endpointOf(seed);
  const listed = await withConnection(seed, options, async (redis) => {
    const info = await readInfo(redis);
    if (info.fields.cluster_enabled !== '1')
      throw new CannotRunError(
        ERROR_CODES.notCluster,
        `${where} is not in cluster mode (cluster_enabled:${info.fields.cluster_enabled ?? '?'}): leave out --cluster to diagnose it as a standalone server.`,
      );
    return clusterNodes(redis).catch((error: Error) => {
      throw new CannotRunError(
        ERROR_CODES.clusterDenied,
        `${where} refused CLUSTER NODES, so the cluster cannot be discovered: ${oneLine(error.message)}`,
      );
    });
  });
  // Nodes still in a handshake or without an address cannot be reached yet.
  const usable = listed.filter((n) => !n.flags.includes('handshake') && !n.flags.includes('noaddr'));
  const byId = new Map(usable.map((n) => [n.id, n]));
  const nodes = await Promise.all(usable.map((n) => describeNode(seed, listedNode(n, byId), options)));
  const info: Record<string, Record<string, string>> = {};
  await Promise.all(
    nodes
      .filter((n) => n.status !== 'unreachable')
      .map(async (n) => {
        const target = { ...seed, host: n.host, port: n.port };
        const fields = await withConnection(target, options, clusterInfo).catch(() => undefined);
        if (fields) info[endpointOf(n)] = fields;
      }),
  );
  return {
    kind: 'cluster',
    nodes,
    cluster: { info, nodes: listed, seenFrom: where },
    login: { tls: seed.tls, username: seed.username, hasAuth: seed.password !== undefined },
    at: Date.now(),
    settings: {
      recentS: options.recentS,
      ...(options.clientTimeoutMs === undefined ? {} : { clientTimeoutMs: options.clientTimeoutMs }),
    },
  };
}

const clusterNodes = async (redis: Redis): Promise<ClusterNodeLine[]> =>
  parseClusterNodes(String(await capReply(redis, 'CLUSTER NODES', () => redis.call('CLUSTER', 'NODES'))));

/** CLUSTER INFO's fields (it has the INFO format: field:value lines). */
const clusterInfo = async (redis: Redis): Promise<Record<string, string>> =>
  parseInfo(String(await capReply(redis, 'CLUSTER INFO', () => redis.call('CLUSTER', 'INFO')))).fields;

/** A CLUSTER NODES line as a topology node: role, fail/pfail, the master a replica follows. */
function listedNode(
  n: ClusterNodeLine,
  byId: Map<string, ClusterNodeLine>,
): Omit<TopologyNode, 'info' | 'config'> {
  const master = n.masterId ? byId.get(n.masterId) : undefined;
  return {
    host: n.host,
    port: n.port,
    id: n.id,
    role: n.role,
    status: n.failing ?? 'ok',
    ...(master ? { master: { host: master.host, port: master.port } } : {}),
  };
}
