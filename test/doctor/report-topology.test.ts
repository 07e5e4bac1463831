/**
 * How a Sentinel or Cluster report reads in text, markdown and JSON: the topology in the header and
 * under it, each result with its node, the same result on several nodes once; a standalone report
 * keeps exactly its old shape.
 */
import { describe, expect, it } from 'vitest';
import { describeTarget } from '../../src/doctor/report/headline.js';
import { renderJson } from '../../src/doctor/report/render-json.js';
import { renderMarkdown } from '../../src/doctor/report/render-markdown.js';
import { renderText } from '../../src/doctor/report/render-text.js';
import type { Report, RuleResult, TopologySummary } from '../../src/doctor/report/types.js';

const result = (over: Partial<RuleResult>): RuleResult => ({
  ruleId: 'tcp-keepalive-off',
  cause: 'idle-timeout',
  category: 'network',
  status: 'finding',
  severity: 'warning',
  confidence: 'high',
  title: 'tcp-keepalive is off',
  message: 'tcp-keepalive is 0.',
  explanation: 'Dead peers are never noticed.',
  evidence: { 'tcp-keepalive': 0 },
  fix: [{ command: 'redis-cli CONFIG SET tcp-keepalive 60' }],
  docs: '/docs/rules/tcp-keepalive-off.md',
  ...over,
});

const A = '127.0.0.1:7001';
const B = '127.0.0.1:7002';

const SENTINEL: TopologySummary = {
  kind: 'sentinel',
  masterName: 'mymaster',
  master: B,
  nodes: [
    { host: '127.0.0.1', port: 7002, role: 'master', status: 'ok' },
    { host: '127.0.0.1', port: 7001, role: 'replica', status: 'ok' },
    {
      host: '127.0.0.1',
      port: 7003,
      role: 'replica',
      status: 'unreachable',
      error: '127.0.0.1:7003: connection refused',
    },
  ],
  sentinels: [
    { host: '127.0.0.1', port: 26379, reachable: true },
    { host: '127.0.0.1', port: 26380, reachable: false, error: 'connection refused' },
  ],
};

function report(topology: TopologySummary | undefined, results: RuleResult[]): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'redis-lifeline', version: '0.1.0' },
    target: {
      url: 'redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/mymaster',
      host: '127.0.0.1',
      port: 7002,
      product: 'redis',
      version: '7.0.15',
      mode: topology?.kind ?? 'standalone',
      role: 'master',
    },
    ...(topology ? { topology } : {}),
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 42,
    summary: { critical: 0, warning: 3, info: 0, passed: 1, skipped: 2, crashed: 0 },
    mostLikelyCause: {
      ruleId: 'failover-recent',
      cause: 'failover',
      title: 'A failover happened recently',
      confidence: 'high',
      node: B,
    } as Report['mostLikelyCause'],
    results,
    unavailable: {},
  };
}

const RESULTS: RuleResult[] = [
  result({
    ruleId: 'failover-recent',
    category: 'topology',
    title: 'A failover happened recently',
    message: 'mymaster failed over to 127.0.0.1:7002 40 s ago.',
    explanation: 'Clients of the old master were disconnected.',
    fix: [],
    docs: '/docs/rules/failover-recent.md',
    node: B,
  }),
  result({ node: A }),
  result({ node: B }),
  result({ ruleId: 'sentinels-disagree', category: 'topology', status: 'pass', severity: undefined }),
  result({
    ruleId: 'connection-churn',
    category: 'clients',
    status: 'skipped',
    reason: 'too early',
    node: A,
  }),
  result({
    ruleId: 'connection-churn',
    category: 'clients',
    status: 'skipped',
    reason: 'too early',
    node: B,
  }),
];

describe('topology reports', () => {
  it('the header names the topology, counting nodes and sentinels not ok', () => {
    const r = report(SENTINEL, []);
    expect(describeTarget(r)).toBe(
      'Redis 7.0.15 sentinel master mymaster at 127.0.0.1:7002: 1 master, 2 replicas, 2 sentinels; 1 node unreachable, 1 sentinel unreachable',
    );
    const cluster: TopologySummary = {
      kind: 'cluster',
      state: 'ok',
      nodes: [1, 2, 3, 4, 5, 6].map((i) => ({
        host: '127.0.0.1',
        port: 7000 + i,
        role: i <= 3 ? ('master' as const) : ('replica' as const),
        status: 'ok' as const,
      })),
    };
    expect(describeTarget(report(cluster, []))).toBe('Redis 7.0.15 cluster: 3 masters, 3 replicas, state ok');
  });

  it('text: the nodes under the header, each line with its node, the same finding once with its nodes', () => {
    const text = renderText(report(SENTINEL, RESULTS), { color: false, verbose: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'lifeline doctor — Redis 7.0.15 sentinel master mymaster at 127.0.0.1:7002: 1 master, 2 replicas, 2 sentinels; 1 node unreachable, 1 sentinel unreachable (collected in 42 ms)',
    );
    expect(lines.slice(1, 6)).toEqual([
      '    master   127.0.0.1:7002   ok',
      '    replica  127.0.0.1:7001   ok',
      '    replica  127.0.0.1:7003   unreachable: 127.0.0.1:7003: connection refused',
      '    sentinel 127.0.0.1:26379  ok',
      '    sentinel 127.0.0.1:26380  unreachable: connection refused',
    ]);
    expect(lines[6]).toBe(
      'Most likely cause of dropped connections: failover-recent on 127.0.0.1:7002 — A failover happened recently (confidence high).',
    );
    expect(text).toContain(
      '[!] 127.0.0.1:7002  topology  failover-recent  (warning, confidence high)\n    mymaster failed over',
    );
    // The same finding on two nodes: once, with both nodes.
    expect(text).toContain(
      `[!] 2 nodes         network   tcp-keepalive-off  (warning, confidence high)\n    on ${A}, ${B}\n`,
    );
    expect(text.match(/^\[!\] .*tcp-keepalive-off/gm)).toHaveLength(1);
    expect(text).toContain('[-] 2 nodes         clients   connection-churn  skipped: too early');
    expect(text).toContain('[✓] 1 check passed (-v lists them)');
    const verbose = renderText(report(SENTINEL, RESULTS), { color: false, verbose: true });
    expect(verbose).toContain('[✓] topology        topology  sentinels-disagree');
  });

  it('text: past 12 nodes only those not ok are listed, unless -v', () => {
    const many: TopologySummary = {
      kind: 'cluster',
      state: 'fail',
      nodes: Array.from({ length: 20 }, (_, i) => ({
        host: '10.0.0.1',
        port: 7000 + i,
        role: 'master' as const,
        status: i === 5 ? ('fail' as const) : ('ok' as const),
      })),
    };
    const text = renderText(report(many, []), { color: false, verbose: false });
    expect(text).toContain('    master   10.0.0.1:7005  fail\n    19 more ok (-v lists them)\n');
    const verbose = renderText(report(many, []), { color: false, verbose: true });
    expect(verbose.match(/^ {4}master {3}10\.0\.0\.1:\d+/gm)).toHaveLength(20);
  });

  it('markdown: a table of the nodes, and the node(s) in each finding', () => {
    const md = renderMarkdown(report(SENTINEL, RESULTS));
    expect(md).toMatch(/^## lifeline doctor: Redis 7\.0\.15 sentinel master mymaster at 127\.0\.0\.1:7002: /);
    expect(md).toContain('| role | node | status | error |');
    expect(md).toContain('| replica | 127.0.0.1:7003 | unreachable | 127.0.0.1:7003: connection refused |');
    expect(md).toContain('| sentinel | 127.0.0.1:26380 | unreachable | connection refused |');
    expect(md).toContain(
      '### 🟠 warning: `failover-recent` on `127.0.0.1:7002` — A failover happened recently',
    );
    expect(md).toContain(
      `### 🟠 warning: \`tcp-keepalive-off\` on 2 nodes — tcp-keepalive is off\n\nOn \`${A}\`, \`${B}\`.`,
    );
    expect(md).toContain('- `connection-churn` on 2 nodes (skipped): too early');
    expect(md).toContain('Passed: `sentinels-disagree`.');
  });

  it('JSON: `topology` after `target`, `node` on results; a standalone report has neither', () => {
    const json = JSON.parse(renderJson(report(SENTINEL, RESULTS)));
    expect(Object.keys(json)).toEqual([
      'schemaVersion',
      'tool',
      'target',
      'topology',
      'startedAt',
      'durationMs',
      'summary',
      'mostLikelyCause',
      'results',
    ]);
    expect(json.topology).toEqual(SENTINEL);
    expect(json.mostLikelyCause.node).toBe(B);
    expect(json.results.map((r: RuleResult) => r.node ?? null)).toEqual([B, A, B, null, A, B]);

    const standalone = report(
      undefined,
      RESULTS.map(({ node: _, ...r }) => r),
    );
    standalone.mostLikelyCause = null;
    const plain = JSON.parse(renderJson(standalone));
    expect(Object.keys(plain)).not.toContain('topology');
    expect(JSON.stringify(plain)).not.toContain('"node"');
  });
});
