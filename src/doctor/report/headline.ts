import { endpointOf } from '../../core/redis-url.js';
import type { Report, RuleResult, TopologySummary } from './types.js';

/**
 * "Redis 7.0.15 standalone master at 127.0.0.1:6379", "Redis 7.0.15 sentinel master mymaster at
 * 127.0.0.1:6380: 1 master, 1 replica, 3 sentinels", "Redis 7.0.15 cluster: 3 masters, 3 replicas,
 * state ok": the same words in every renderer.
 */
export function describeTarget(report: Report): string {
  const t = report.target;
  const product = t.product === 'valkey' ? 'Valkey' : t.product === 'redis' ? 'Redis' : 'Server';
  if (report.topology) return `${product} ${t.version} ${describeTopology(report.topology)}`;
  return `${product} ${t.version} ${t.mode} ${t.role} at ${endpointOf(t)}`;
}

/** "sentinel master mymaster at 127.0.0.1:6380: 1 master, 1 replica, 3 sentinels; 1 node sdown". */
export function describeTopology(topology: TopologySummary): string {
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const nodes = topology.nodes;
  const parts = [
    count(nodes.filter((n) => n.role === 'master').length, 'master'),
    count(nodes.filter((n) => n.role === 'replica').length, 'replica'),
  ];
  if (topology.sentinels) parts.push(count(topology.sentinels.length, 'sentinel'));
  if (topology.state) parts.push(`state ${topology.state}`);
  const trouble: string[] = [];
  for (const status of ['unreachable', 'fail', 'pfail', 'odown', 'sdown'] as const) {
    const n = nodes.filter((node) => node.status === status).length;
    if (n) trouble.push(`${count(n, 'node')} ${status}`);
  }
  const lost = topology.sentinels?.filter((s) => !s.reachable).length;
  if (lost) trouble.push(`${count(lost, 'sentinel')} unreachable`);
  const what =
    topology.kind === 'sentinel'
      ? `sentinel master ${topology.masterName ?? '?'}${topology.master ? ` at ${topology.master}` : ''}`
      : topology.kind;
  return `${what}: ${parts.join(', ')}${trouble.length ? `; ${trouble.join(', ')}` : ''}`;
}

/** Results that say the same thing (rule, outcome, words, evidence, fix) about several nodes, once. */
export interface ResultGroup {
  result: RuleResult;
  /** The nodes it is about, in the results' order (none for a standalone server or the topology). */
  nodes: string[];
}

/**
 * The results grouped where they are the same but for their node, in the order of each group's first
 * result. For a standalone server every group has one result and no node.
 */
export function groupResults(results: readonly RuleResult[]): ResultGroup[] {
  const groups = new Map<string, ResultGroup>();
  for (const r of results) {
    const { node, ...rest } = r;
    const key = JSON.stringify(rest);
    const group = groups.get(key) ?? { result: r, nodes: [] };
    if (node) group.nodes.push(node);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** "127.0.0.1:6380", "3 nodes", or "" (standalone, or a topology-wide result). */
export const describeNodes = (nodes: readonly string[]): string =>
  nodes.length === 1 ? (nodes[0] as string) : nodes.length > 1 ? `${nodes.length} nodes` : '';

export function describeSummary(report: Report): string {
  const s = report.summary;
  const parts = [
    s.critical && `${s.critical} critical`,
    s.warning && `${s.warning} warning${s.warning === 1 ? '' : 's'}`,
    s.info && `${s.info} info`,
    `${s.passed} passed`,
    s.skipped && `${s.skipped} skipped`,
    s.crashed && `${s.crashed} crashed`,
  ].filter(Boolean);
  return parts.join(', ');
}

export function describeCause(report: Report): string {
  const cause = report.mostLikelyCause;
  return cause
    ? `Most likely cause of dropped connections: ${cause.ruleId}${cause.node ? ` on ${cause.node}` : ''} — ${cause.title} (confidence ${cause.confidence}).`
    : 'Nothing found that explains dropped connections.';
}
