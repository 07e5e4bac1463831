import type { RoleChange } from '../../../core/log/role-changes.js';
import type { ClusterNodeLine } from '../../../core/parse-cluster-nodes.js';
import { type Info, infoNumber } from '../../../core/parse-info.js';
import { endpointOf, type NodeAddress } from '../../../core/redis-url.js';
import type { Fix } from '../../report/types.js';
import type {
  CliLogin,
  NodeLog,
  SentinelView,
  TopologyEvidence,
  TopologyNode,
} from '../../topology/topology-evidence.js';
import { type CliTarget, redisCli, settingNumber } from '../helpers.js';

// What the topology rules read from TopologyEvidence, in one place: node names, what a node answers
// itself (INFO, CONFIG), what the sentinels say, what the cluster says, and redis-cli lines for them.

/** "host:port": how a finding names a node or a sentinel. */
export const nameOf = (n: NodeAddress): string => endpointOf(n);

export const sameAddress = (a: NodeAddress | undefined, b: NodeAddress | undefined): boolean =>
  a !== undefined && b !== undefined && a.host === b.host && a.port === b.port;

/** Evidence naming what a finding is about: `node` for one node (the report lifts it), `nodes` for several. */
export const about = (nodes: readonly NodeAddress[]): { node: string } | { nodes: string[] } =>
  nodes.length === 1 ? { node: nameOf(nodes[0] as NodeAddress) } : { nodes: nodes.map(nameOf) };

/** "a, b and 2 more": a short list for a message. */
export function listed(names: readonly string[], most = 3): string {
  const shown = names.slice(0, most);
  const more = names.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}` : (shown[0] ?? '');
}

// --- What a node answers itself ---

export const infoOf = (n: TopologyNode): Info | undefined =>
  n.info.status === 'ok' ? n.info.value : undefined;

export const infoField = (n: TopologyNode, key: string): string | undefined => infoOf(n)?.fields[key];

export function infoNum(n: TopologyNode, key: string): number | undefined {
  const info = infoOf(n);
  return info ? infoNumber(info, key) : undefined;
}

export const configOf = (n: TopologyNode, key: string): string | undefined =>
  n.config.status === 'ok' ? n.config.value[key] : undefined;

/** The role a node gives itself (INFO role), undefined when its INFO could not be read. */
export function answersAs(n: TopologyNode): 'master' | 'replica' | undefined {
  const role = infoField(n, 'role');
  return role === 'master' ? 'master' : role === 'slave' ? 'replica' : undefined;
}

export interface Promotion {
  master_replid2: string;
  second_repl_offset: number;
}

/**
 * A master that was a replica when it started and was promoted since: INFO keeps the replication id of
 * its former master as `master_replid2` and the offset where it took over as `second_repl_offset`
 * (zeros and -1 on a master that never was a replica; a restart clears them).
 */
export function promotion(n: TopologyNode): Promotion | undefined {
  if (answersAs(n) !== 'master') return undefined;
  const replid2 = infoField(n, 'master_replid2');
  const offset = infoNum(n, 'second_repl_offset');
  if (!replid2 || /^0+$/.test(replid2) || offset === undefined || offset < 0) return undefined;
  return { master_replid2: replid2, second_repl_offset: offset };
}

/** The node the topology calls the master now (Sentinel: the address most sentinels give). */
export const currentMaster = (t: TopologyEvidence): TopologyNode | undefined =>
  t.master ? t.nodes.find((n) => sameAddress(n, t.master)) : undefined;

/** The replicas the topology attaches to a master. */
export const replicasOf = (t: TopologyEvidence, master: NodeAddress): TopologyNode[] =>
  t.nodes.filter((n) => n.role === 'replica' && sameAddress(n.master ?? t.master, master));

// --- What a node's own log says (the summary its standalone doctor made; local nodes only) ---

export const logOf = (n: TopologyNode): NodeLog | undefined =>
  n.log?.status === 'ok' ? n.log.value : undefined;

/** Why a node's log says nothing, for evidence: its reader's reason, or that its doctor did not run. */
export const noLogReason = (n: TopologyNode): string =>
  n.log === undefined
    ? 'its log was not read (the node was not looked at)'
    : n.log.status === 'unavailable'
      ? n.log.reason
      : 'its log shows no change of role';

/** The node's promotion in its log, when that is its latest change of role (a master since). */
export function loggedPromotion(n: TopologyNode): RoleChange | undefined {
  const last = logOf(n)?.roleChanges.at(-1);
  return last?.to === 'master' ? last : undefined;
}

/** The node's demotion from master in its log, when that is its latest change of role (a replica since). */
export function loggedDemotion(n: TopologyNode): RoleChange | undefined {
  const last = logOf(n)?.roleChanges.at(-1);
  return last?.to === 'replica' && last.from === 'master' ? last : undefined;
}

// --- What the sentinels say ---

export interface MasterRecord {
  sentinel: SentinelView;
  /** SENTINEL MASTER's fields. */
  fields: Record<string, string>;
}

export const answeredSentinels = (t: TopologyEvidence): SentinelView[] =>
  (t.sentinels ?? []).filter((s) => s.error === undefined);

/** SENTINEL MASTER of every sentinel that gave it. */
export const masterRecords = (t: TopologyEvidence): MasterRecord[] =>
  answeredSentinels(t).flatMap((s) => (s.master ? [{ sentinel: s, fields: s.master }] : []));

export const flagsOf = (fields: Record<string, string> | undefined): string[] =>
  (fields?.flags ?? '').split(',').filter((f) => f !== '');

export const fieldNum = (fields: Record<string, string> | undefined, key: string): number | undefined =>
  settingNumber(fields?.[key]);

/** Where a sentinel says the master is: GET-MASTER-ADDR-BY-NAME, else SENTINEL MASTER's ip and port. */
export function masterAddressOf(s: SentinelView): NodeAddress | undefined {
  if (s.masterAddress) return s.masterAddress;
  const port = fieldNum(s.master, 'port');
  return s.master?.ip && port !== undefined ? { host: s.master.ip, port } : undefined;
}

/** A node as an entry of SENTINEL REPLICAS, from every sentinel that lists it. */
export const sentinelReplicaEntries = (t: TopologyEvidence, n: NodeAddress): Record<string, string>[] =>
  answeredSentinels(t).flatMap((s) =>
    (s.replicas ?? []).filter((r) => r.ip === n.host && fieldNum(r, 'port') === n.port),
  );

/** The replica a failover under way is promoting: Sentinel flags it `promoted` in SENTINEL REPLICAS. */
export const promotedBySentinel = (t: TopologyEvidence, n: NodeAddress): boolean =>
  sentinelReplicaEntries(t, n).some((r) => flagsOf(r).includes('promoted'));

// --- What the cluster says ---

/** CLUSTER INFO of each node that answered, by "host:port". */
export const clusterInfos = (t: TopologyEvidence): [string, Record<string, string>][] =>
  Object.entries(t.cluster?.info ?? {});

/** The node CLUSTER NODES was read from: one that answered. */
export function seenFrom(t: TopologyEvidence): NodeAddress | undefined {
  const endpoint = t.cluster?.seenFrom;
  const m = endpoint ? /^\[?(.*?)\]?:(\d+)$/.exec(endpoint) : null;
  return m ? { host: m[1] as string, port: Number(m[2]) } : undefined;
}

/** A node's line in CLUSTER NODES (by id, else by address). */
export const lineOf = (t: TopologyEvidence, n: NodeAddress & { id?: string }): ClusterNodeLine | undefined =>
  t.cluster?.nodes.find((l) => (n.id !== undefined && l.id === n.id) || sameAddress(l, n));

/** The highest cluster_current_epoch any node reports. */
export function clusterEpoch(t: TopologyEvidence): number | undefined {
  const epochs = clusterInfos(t).flatMap(([, info]) => settingNumber(info.cluster_current_epoch) ?? []);
  return epochs.length > 0 ? Math.max(...epochs) : undefined;
}

// --- redis-cli lines (they ask for a password, never print one) ---

const cliTarget = (login: CliLogin | undefined, n: NodeAddress): CliTarget => ({
  host: n.host,
  port: n.port,
  tls: login?.tls ?? false,
  username: login?.username,
  hasAuth: login?.hasAuth ?? false,
});

/** Whom a redis-cli line for a data node addresses. */
export const nodeTarget = (t: TopologyEvidence, n: NodeAddress): CliTarget => cliTarget(t.login, n);

export const nodeCli = (t: TopologyEvidence, n: NodeAddress, ...args: string[]): string =>
  redisCli(nodeTarget(t, n), ...args);

export const sentinelCli = (t: TopologyEvidence, s: NodeAddress, ...args: string[]): string =>
  redisCli(cliTarget(t.sentinelLogin, s), ...args);

/** `redis-cli --cluster <command> host:port`: redis-cli's cluster manager, started from this node. */
export const clusterCli = (t: TopologyEvidence, n: NodeAddress, command: string, ...args: string[]): string =>
  nodeCli(t, n, '--cluster', command, nameOf(n), ...args);

/** The same command on each sentinel that answered (at most `most`), e.g. SENTINEL SET on all of them. */
export function onEachSentinel(t: TopologyEvidence, args: string[], note: string, most = 5): Fix[] {
  const sentinels = answeredSentinels(t).slice(0, most);
  return sentinels.map((s, i) => ({
    command: sentinelCli(t, s.address, ...args),
    ...(i === 0 ? { note } : {}),
  }));
}
