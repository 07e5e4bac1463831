import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_CODES } from '../../core/error-codes.js';
import { CannotRunError } from '../../core/errors.js';
import {
  endpointOf,
  type NodeAddress,
  nodeUrl,
  parseRedisUrl,
  parseSentinelUrl,
  type RedisTarget,
  type SentinelAuth,
  type SentinelTarget,
} from '../../core/redis-url.js';
import { identifyServer } from '../../core/server-product.js';
import { TOOL_VERSION } from '../../version.js';
import { selectRules } from '../diagnose.js';
import { mostLikelyCause, runRule, sortResults, summarize } from '../evaluate.js';
import { type Evidence, ok } from '../evidence.js';
import type { Report, RuleResult, TopologyNodeSummary, TopologySummary } from '../report/types.js';
import type { Rule } from '../rules/define-rule.js';
import { RULES } from '../rules/index.js';
import { TOPOLOGY_RULES } from '../rules/topology/index.js';
import { collectNodeEvidence, DOCTOR_DEFAULTS, type DoctorOptions, unavailableSources } from '../run.js';
import { discoverCluster } from './discover-cluster.js';
import { discoverSentinel } from './discover-sentinel.js';
import { runTopologyRules } from './evaluate-topology.js';
import { oneLine } from './node-facts.js';
import type { TopologyEvidence, TopologyNode } from './topology-evidence.js';

export interface TopologyDoctorOptions extends Omit<DoctorOptions, 'url' | 'logPath'> {
  /** A Sentinel-managed master: its redis+sentinel:// URL (credentials are the data nodes'), or parsed. */
  sentinel?: string | SentinelTarget;
  /** A Redis Cluster, from any of its nodes: that node's redis:// URL, or parsed. */
  cluster?: string | RedisTarget;
  /** Credentials of the sentinels, when they have their own (never printed). */
  sentinelAuth?: SentinelAuth;
  /** The application's command/socket timeout, milliseconds: topology rules compare failover times with it. */
  clientTimeoutMs?: number;
}

/** Data nodes looked at at once. */
export const NODE_CONCURRENCY = 4;

/**
 * A node's whole look (connect and every step, each bounded by the timeout) is cut after this many
 * timeouts: that node is then reported unreachable and the others still count.
 */
export const NODE_DEADLINE_TIMEOUTS = 2;

/**
 * The doctor for a Sentinel-managed master or a Redis Cluster: discovers the topology (read-only), runs
 * the standalone doctor on every data node it can reach (NODE_CONCURRENCY at a time) and the topology
 * rules on what the topology says, and returns ONE report: every result names its node, `topology`
 * lists the nodes, and the most likely cause is chosen over all of them. A node that cannot be read
 * becomes `unreachable` with its error; only a topology that cannot be discovered at all throws (a
 * CannotRunError, one line).
 */
export async function runTopologyDoctor(
  options: TopologyDoctorOptions,
): Promise<Report & { evidence: TopologyEvidence; nodeEvidence: Record<string, Evidence> }> {
  const startedAt = new Date();
  const started = performance.now();
  const selection = selectTopologyRules(options);
  const timeoutMs = options.timeoutMs ?? DOCTOR_DEFAULTS.timeoutMs;
  const discoverOptions = {
    timeoutMs,
    tlsCaFile: options.tlsCaFile,
    tlsInsecure: options.tlsInsecure,
    recentS: options.recentS ?? DOCTOR_DEFAULTS.recentS,
    ...(options.clientTimeoutMs === undefined ? {} : { clientTimeoutMs: options.clientTimeoutMs }),
    ...(options.sentinelAuth ? { sentinelAuth: options.sentinelAuth } : {}),
  };
  const { login, url, main, evidence } = await discover(options, discoverOptions);

  const looked = await mapLimit(
    evidence.nodes.filter((n) => n.status !== 'unreachable'),
    NODE_CONCURRENCY,
    (node) => lookAtNode(node, login, options, timeoutMs * NODE_DEADLINE_TIMEOUTS),
  );
  const nodeEvidence: Record<string, Evidence> = {};
  const failed = new Map<string, string>();
  const unavailable: Record<string, string> = {};
  const nodeResults: RuleResult[] = [];
  for (const look of looked) {
    if ('error' in look) {
      failed.set(look.node, look.error); // shown with the node in `topology`
      continue;
    }
    nodeEvidence[look.node] = look.evidence;
    attachLog(evidence, look.node, look.evidence);
    for (const [source, reason] of Object.entries(unavailableSources(look.evidence)))
      unavailable[`${look.node} ${source}`] = reason;
    for (const rule of selection.node) nodeResults.push({ ...runRule(rule, look.evidence), node: look.node });
  }
  const topologyResults = runTopologyRules(evidence, selection.topology).map(withNode);
  const results = sortResults([...topologyResults, ...nodeResults]);
  const cause = mostLikelyCause(results, selection.tiers);
  const causeNode = cause && results.find((r) => r.status === 'finding' && r.ruleId === cause.ruleId)?.node;

  const topology = summarizeTopology(evidence, failed);
  return {
    schemaVersion: 1,
    tool: { name: 'redis-lifeline', version: TOOL_VERSION },
    target: describeTarget(url, main, evidence, nodeEvidence),
    topology,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    summary: summarize(results),
    mostLikelyCause: cause && causeNode ? { ...cause, node: causeNode } : cause,
    results,
    unavailable,
    evidence,
    nodeEvidence,
  };
}

/**
 * The node rules and topology rules that --only/--skip select: a name may be a rule id or a category
 * of either set; a name neither knows is the usual unknown-rule error (exit 2).
 */
export function selectTopologyRules(options: Pick<DoctorOptions, 'only' | 'skip'>) {
  const nodeNames = new Set(RULES.flatMap((r) => [r.id, r.category]));
  const topologyNames = new Set<string>(TOPOLOGY_RULES.flatMap((r) => [r.id, r.category]));
  // Names only topology rules know are left out of the node selection (which rejects unknown names).
  const forNodes = (names: readonly string[] = []) =>
    names.filter((name) => nodeNames.has(name) || !topologyNames.has(name));
  const only = options.only ?? [];
  const skip = options.skip ?? [];
  const nodeOnly = forNodes(only);
  const nodeSelected = selectRules({ only: nodeOnly, skip: forNodes(skip) });
  const node = only.length > 0 && nodeOnly.length === 0 ? [] : nodeSelected;
  const named = (rule: { id: string; category: string }, names: readonly string[]) =>
    names.includes(rule.id) || names.includes(rule.category);
  const topology = TOPOLOGY_RULES.filter(
    (rule) => (only.length === 0 || named(rule, only)) && !named(rule, skip),
  );
  // mostLikelyCause ranks by tier, the one field (with the id) it reads of the rules that ran.
  const tiers: readonly Pick<Rule, 'id' | 'tier'>[] = [...node, ...topology];
  return { node, topology, tiers };
}

type DiscoverOptions = Parameters<typeof discoverSentinel>[1];

/** The data nodes' credentials (the URL's), for every node of the topology. */
type Login = Pick<RedisTarget, 'username' | 'password' | 'tls' | 'db'>;

/** The topology, the data nodes' login and the URL to print (redacted). */
async function discover(
  options: TopologyDoctorOptions,
  discoverOptions: DiscoverOptions,
): Promise<{ login: Login; url: string; main: NodeAddress | undefined; evidence: TopologyEvidence }> {
  if ((options.sentinel === undefined) === (options.cluster === undefined)) {
    throw new CannotRunError(
      ERROR_CODES.badUrl,
      'Give the topology to diagnose: a Sentinel (redis+sentinel://host:port/<master-name>) or a cluster node (redis://host:port), one of them.',
    );
  }
  if (options.sentinel !== undefined) {
    const target =
      typeof options.sentinel === 'string' ? parseSentinelUrl(options.sentinel) : options.sentinel;
    const evidence = await discoverSentinel(target, discoverOptions);
    return { login: target, url: target.url, main: evidence.master ?? target.sentinels[0], evidence };
  }
  const seed =
    typeof options.cluster === 'string' ? parseRedisUrl(options.cluster) : (options.cluster as RedisTarget);
  return { login: seed, url: seed.url, main: seed, evidence: await discoverCluster(seed, discoverOptions) };
}

type Look = { node: string; evidence: Evidence } | { node: string; error: string };

/** The standalone doctor's evidence of one data node, bounded as a whole; a failure is kept, not thrown. */
async function lookAtNode(
  node: NodeAddress,
  login: Login,
  options: TopologyDoctorOptions,
  deadlineMs: number,
): Promise<Look> {
  const name = endpointOf(node);
  const stop = new AbortController();
  try {
    const target = parseRedisUrl(nodeUrl(login, node));
    const evidence = await Promise.race([
      collectNodeEvidence(target, { ...options, url: target.url }),
      sleep(deadlineMs, undefined, { signal: stop.signal }).then((): never => {
        throw new Error(`no complete look within ${deadlineMs} ms`);
      }),
    ]);
    return { node: name, evidence };
  } catch (error) {
    return { node: name, error: oneLine(error instanceof Error ? error.message : String(error)) };
  } finally {
    stop.abort();
  }
}

/** The topology rules read a node's log through its TopologyNode: the summary its own doctor made, not a second read. */
function attachLog(t: TopologyEvidence, name: string, nodeEvidence: Evidence): void {
  const node = t.nodes.find((n) => endpointOf(n) === name);
  if (!node) return;
  const log = nodeEvidence.log;
  node.log =
    log.status === 'ok'
      ? ok({
          path: log.value.path,
          roleChanges: log.value.roleChanges,
          firstLineAt: log.value.firstLineAt,
          lastLineAt: log.value.lastLineAt,
          tailOnly: log.value.tailOnly,
        })
      : log;
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping their order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A topology result about one node names it (`node: "host:port"` in its evidence): the report lifts it. */
function withNode(result: RuleResult): RuleResult {
  const node = result.evidence.node;
  return typeof node === 'string' && !result.node ? { ...result, node } : result;
}

/** The report's `topology`: masters first, each node's status, and the sentinels asked. */
function summarizeTopology(t: TopologyEvidence, failed: Map<string, string>): TopologySummary {
  const node = (n: TopologyNode): TopologyNodeSummary => {
    const error = failed.get(endpointOf(n)) ?? (n.info.status === 'unavailable' ? n.info.reason : undefined);
    return {
      host: n.host,
      port: n.port,
      role: n.role,
      status: failed.has(endpointOf(n)) ? 'unreachable' : n.status,
      ...(error ? { error } : {}),
    };
  };
  const byRole = (role: TopologyNode['role']) => t.nodes.filter((n) => n.role === role).map(node);
  const seenFrom = t.cluster?.seenFrom;
  const state = seenFrom ? t.cluster?.info[seenFrom]?.cluster_state : undefined;
  return {
    kind: t.kind,
    ...(t.masterName === undefined ? {} : { masterName: t.masterName }),
    ...(t.master ? { master: endpointOf(t.master) } : {}),
    ...(state ? { state } : {}),
    nodes: [...byRole('master'), ...byRole('replica')],
    ...(t.sentinels
      ? {
          sentinels: t.sentinels.map((s) => ({
            host: s.address.host,
            port: s.address.port,
            reachable: s.error === undefined,
            ...(s.error === undefined ? {} : { error: s.error }),
          })),
        }
      : {}),
  };
}

/**
 * `target`: the topology's URL (redacted), mode `sentinel`/`cluster`; host and port of the master
 * (Sentinel; a sentinel when none is known) or of the seed (Cluster), with the product, version and
 * role that node gave.
 */
function describeTarget(
  url: string,
  main: NodeAddress | undefined,
  t: TopologyEvidence,
  nodeEvidence: Record<string, Evidence>,
): Report['target'] {
  const address = main ?? t.nodes[0] ?? { host: '', port: 0 };
  const name = endpointOf(address);
  const info = t.nodes.find((n) => endpointOf(n) === name)?.info;
  const identity =
    nodeEvidence[name]?.target ?? (info?.status === 'ok' ? identifyServer(info.value) : undefined);
  return {
    url,
    host: address.host,
    port: address.port,
    product: identity?.product ?? 'unknown',
    version: identity?.version ?? 'unknown',
    mode: t.kind,
    role: identity?.role ?? 'unknown',
  };
}
