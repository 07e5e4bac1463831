import { ERROR_CODES } from '../../core/error-codes.js';
import { LifelineError } from '../../core/errors.js';
import { CLUSTER_SLOTS, type ClusterNodeLine, parseClusterNodes } from '../../core/parse-cluster-nodes.js';
import { freePort } from './free-port.js';
import { type RedisServer, startRedis } from './start-redis.js';
import { ask, checkCount, pollUntil, startEach, startFailure, stopAll } from './topology-support.js';

export interface StartClusterOptions {
  /** Masters, each with an even share of the 16384 slots. @default 3 */
  masters?: number;
  /** @default 1 */
  replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long a node may not answer before it is failing. @default 2000 */
  nodeTimeoutMs?: number;
  /** redis.conf directives for every node. */
  config?: Record<string, string>;
  /** @default $REDIS_SERVER_BIN or redis-server on PATH */
  binary?: string;
  /** Bound for each node to answer PING, and for the cluster to settle (state ok, replicas linked). @default 20000 */
  readyTimeoutMs?: number;
}

export interface ClusterNode extends RedisServer {
  /** The node id (CLUSTER MYID). */
  readonly id: string;
  /** The role it was created with; after a failover ask `masters()`. */
  readonly role: 'master' | 'replica';
  /** For a replica: the id of the master it was created to replicate. */
  readonly masterId?: string;
  /** The cluster bus port (`cluster-port`), chosen free like the data port. */
  readonly busPort: number;
}

export interface ClusterPeer {
  id: string;
  host: string;
  port: number;
}

export interface ClusterMaster extends ClusterPeer {
  /** Inclusive slot ranges, lowest first. */
  slots: [number, number][];
  replicas: ClusterPeer[];
}

export interface Cluster {
  /** Masters first (in slot order), then the replicas. */
  nodes: ClusterNode[];
  /** redis://127.0.0.1:<port of the first node> */
  seedUrl: string;
  /** The masters (not failing) with their slots and replicas, as the first node that answers sees them. */
  masters(): Promise<ClusterMaster[]>;
  /** Waits until every node that answers (at least one) reports cluster_state:<state>. @default timeoutMs 30000 */
  waitForState(state: 'ok' | 'fail', timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their temp dirs. */
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster of throwaway nodes on loopback (CLUSTER MEET, ADDSLOTSRANGE, REPLICATE) and
 * waits until every node reports cluster_state:ok and sees every replica attached to its master.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const { masters = 3, replicasPerMaster = 1, nodeTimeoutMs = 2000, readyTimeoutMs = 20_000 } = options;
  checkCount('startCluster', { masters }, 1);
  checkCount('startCluster', { replicasPerMaster }, 0);
  checkCount('startCluster', { nodeTimeoutMs }, 1);
  checkCount('startCluster', { readyTimeoutMs }, 1);
  const total = masters * (1 + replicasPerMaster);
  const started: RedisServer[] = [];
  const settle = <T>(what: string, check: () => Promise<T | string>) =>
    pollUntil(check, readyTimeoutMs, (why) => {
      return new LifelineError(ERROR_CODES.topologyStart, `${what} within ${readyTimeoutMs} ms: ${why}`);
    });

  try {
    const servers = await startEach(
      'node',
      total,
      () => startNode(options, nodeTimeoutMs, readyTimeoutMs),
      started,
    );
    const ids = await Promise.all(servers.map(async (s) => String(await ask(s.port, ['CLUSTER', 'MYID']))));
    // Distinct config epochs up front, as redis-cli does, so no epoch collision has to be resolved.
    for (const [i, s] of servers.entries()) await ask(s.port, ['CLUSTER', 'SET-CONFIG-EPOCH', i + 1]);
    const first = servers[0] as Started;
    for (const s of servers.slice(1))
      await ask(first.port, ['CLUSTER', 'MEET', '127.0.0.1', s.port, s.busPort]);
    for (let m = 0; m < masters; m++) {
      const [from, to] = slotRange(m, masters);
      await ask((servers[m] as Started).port, ['CLUSTER', 'ADDSLOTSRANGE', from, to]);
    }
    await settle('the nodes did not all meet', () => allKnowEachOther(servers));

    const nodes = servers.map((server, i): ClusterNode => {
      const masterIndex = i < masters ? undefined : Math.floor((i - masters) / replicasPerMaster);
      return Object.assign(server, {
        id: ids[i] as string,
        role: masterIndex === undefined ? ('master' as const) : ('replica' as const),
        ...(masterIndex === undefined ? {} : { masterId: ids[masterIndex] as string }),
      });
    });
    for (const node of nodes)
      if (node.masterId) await ask(node.port, ['CLUSTER', 'REPLICATE', node.masterId]);
    await settle('the cluster did not settle', () => settled(nodes));
    return cluster(nodes);
  } catch (error) {
    await stopAll(started).catch(() => {}); // the start failure is the one to report
    throw startFailure('startCluster', error);
  }
}

type Started = RedisServer & { busPort: number };

/** A node with its own free bus port (port + 10000 may be taken, or past 65535). */
async function startNode(options: StartClusterOptions, nodeTimeoutMs: number, readyTimeoutMs: number) {
  for (let attempt = 1; ; attempt++) {
    const busPort = await freePort();
    try {
      const server = await startRedis({
        readyTimeoutMs,
        ...(options.binary ? { binary: options.binary } : {}),
        config: {
          'cluster-enabled': 'yes',
          'cluster-config-file': 'nodes.conf', // in the node's dir
          'cluster-node-timeout': String(nodeTimeoutMs),
          'cluster-port': String(busPort),
          'repl-diskless-sync-delay': '0',
          ...options.config,
        },
      });
      return Object.assign(server, { busPort }) as Started;
    } catch (error) {
      // The bus port was taken meanwhile: startRedis tried other data ports, try another bus port.
      if (!(error as { portInUse?: boolean }).portInUse || attempt >= 3) throw error;
    }
  }
}

/** Master `m` of `count`: an even share of the slots, as redis-cli --cluster create splits them. */
function slotRange(m: number, count: number): [number, number] {
  return [Math.floor((m * CLUSTER_SLOTS) / count), Math.floor(((m + 1) * CLUSTER_SLOTS) / count) - 1];
}

function cluster(nodes: ClusterNode[]): Cluster {
  return {
    nodes,
    seedUrl: `redis://127.0.0.1:${(nodes[0] as ClusterNode).port}`,
    async masters() {
      const errors: string[] = [];
      for (const node of nodes) {
        try {
          return mastersIn(parseClusterNodes(String(await ask(node.port, ['CLUSTER', 'NODES']))));
        } catch (error) {
          errors.push(`node ${node.port}: ${(error as Error).message}`);
        }
      }
      throw new LifelineError(
        ERROR_CODES.topologyUnreachable,
        `no cluster node answered: ${errors.join('; ')}`,
      );
    },
    async waitForState(state, timeoutMs = 30_000) {
      await pollUntil(
        async () => {
          let answered = 0;
          for (const node of nodes) {
            const info = await ask(node.port, ['CLUSTER', 'INFO']).catch(() => undefined);
            if (info === undefined) continue;
            answered++;
            const seen = /cluster_state:(\w+)/.exec(String(info))?.[1];
            if (seen !== state) return `node ${node.port} reports cluster_state:${seen}`;
          }
          return answered > 0 ? true : 'no node answered';
        },
        timeoutMs,
        (why) =>
          new LifelineError(
            ERROR_CODES.topologyTimeout,
            `waitForState(${state}): not reached within ${timeoutMs} ms: ${why}`,
          ),
      );
    },
    stop: () => stopAll(nodes),
  };
}

/** Every node knows all the others, and no handshake is pending. */
async function allKnowEachOther(servers: Started[]): Promise<true | string> {
  for (const server of servers) {
    const known = parseClusterNodes(String(await ask(server.port, ['CLUSTER', 'NODES'])));
    const ready = known.filter((n) => !n.flags.includes('handshake') && !n.flags.includes('noaddr'));
    if (ready.length < servers.length)
      return `node ${server.port} knows ${ready.length} of ${servers.length} nodes`;
  }
  return true;
}

/** Every node: state ok, all slots assigned, each replica attached to its master; every replica linked. */
async function settled(nodes: ClusterNode[]): Promise<true | string> {
  for (const node of nodes) {
    const where = `node ${node.port}`;
    const info = String(await ask(node.port, ['CLUSTER', 'INFO']));
    if (!/cluster_state:ok/.test(info))
      return `${where} reports cluster_state:${/cluster_state:(\w+)/.exec(info)?.[1]}`;
    if (!info.includes(`cluster_slots_assigned:${CLUSTER_SLOTS}`))
      return `${where} sees not all ${CLUSTER_SLOTS} slots assigned`;
    const view = new Map(
      parseClusterNodes(String(await ask(node.port, ['CLUSTER', 'NODES']))).map((n) => [n.id, n]),
    );
    for (const replica of nodes) {
      if (replica.masterId && view.get(replica.id)?.masterId !== replica.masterId) {
        return `${where} does not see ${replica.port} as a replica of its master yet`;
      }
    }
    if (
      node.masterId &&
      !/master_link_status:up/.test(String(await ask(node.port, ['INFO', 'replication'])))
    ) {
      return `replica ${node.port}: master link not up`;
    }
  }
  return true;
}

function mastersIn(lines: ClusterNodeLine[]): ClusterMaster[] {
  const up = lines.filter((n) => n.failing === undefined);
  return up
    .filter((n) => n.role === 'master')
    .map((n) => ({
      id: n.id,
      host: n.host,
      port: n.port,
      slots: [...n.slots].sort((a, b) => a[0] - b[0]),
      replicas: up.filter((r) => r.masterId === n.id).map(({ id, host, port }) => ({ id, host, port })),
    }))
    .sort((a, b) => (a.slots[0]?.[0] ?? CLUSTER_SLOTS) - (b.slots[0]?.[0] ?? CLUSTER_SLOTS));
}
