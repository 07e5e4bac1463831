import { describe, expect, it } from 'vitest';
import { parseClusterNodes } from '../../src/core/parse-cluster-nodes.js';
import { parseInfo } from '../../src/core/parse-info.js';
import type { NodeAddress } from '../../src/core/redis-url.js';
import { fieldsOf } from '../../src/core/reply-fields.js';
import { mostLikelyCause } from '../../src/doctor/evaluate.js';
import { ok, unavailable } from '../../src/doctor/evidence.js';
import type { RuleResult } from '../../src/doctor/report/types.js';
import type { Rule } from '../../src/doctor/rules/define-rule.js';
import {
  defineTopologyRule,
  type TopologyRule,
} from '../../src/doctor/rules/topology/define-topology-rule.js';
import { TOPOLOGY_RULES } from '../../src/doctor/rules/topology/index.js';
import { runTopologyRule, runTopologyRules } from '../../src/doctor/topology/evaluate-topology.js';
import type {
  SentinelView,
  TopologyEvidence,
  TopologyNode,
} from '../../src/doctor/topology/topology-evidence.js';

// The topology rules against evidence built from real replies of Redis 7.0.15 (captures at the end of
// this file: a Sentinel set of a master, 2 replicas and 3 sentinels, and clusters of 3 masters, taken
// with the lab's startSentinel/startCluster while failing them over, freezing nodes with SIGSTOP and
// deleting slots). Each capture is turned into TopologyEvidence the way the collector builds it.

const AT = Date.UTC(2026, 11, 7, 12, 47, 0);
const DAY_S = 86_400;

interface SentinelReplies {
  /** SENTINEL MASTER, REPLICAS and SENTINELS entries flat, as redis-cli prints them: "field value ...". */
  master: string;
  /** GET-MASTER-ADDR-BY-NAME: "ip port". */
  addr: string;
  /** CKQUORUM's reply, or its error without the leading "-". */
  ckquorum: string;
  replicas: string[];
  sentinels: string[];
}
type Failed = { error: string };
/** INFO trimmed to the fields the rules read, in the server's order; CONFIG GET flat. */
type NodeReplies = { config: string; info: string };
interface SentinelCapture {
  sentinels: Record<string, SentinelReplies | Failed>;
  nodes: Record<string, NodeReplies | Failed>;
}
/** The cluster captures read CONFIG GET cluster-*; min-replicas-* are 7.0.15's defaults, as its Sentinel nodes gave them. */
interface ClusterCapture {
  /** The node CLUSTER NODES was read from. */
  seenFrom: string;
  clusterNodes: string;
  nodes: Record<string, (NodeReplies & { clusterInfo: string }) | Failed>;
}

const flat = (text: string): Record<string, string> => fieldsOf(text === '' ? [] : text.split(' '));
const endpoint = (a: NodeAddress): string => `${a.host}:${a.port}`;
const addressOf = (text: string): NodeAddress => {
  const colon = text.lastIndexOf(':');
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
};

/** What a node said about itself; `unreachable` when lifeline could not read it and the topology sees it up. */
function withFacts(
  listed: Omit<TopologyNode, 'info' | 'config'>,
  replies: NodeReplies | Failed | undefined,
): TopologyNode {
  if (!replies || 'error' in replies) {
    const reason = replies?.error ?? 'not captured';
    const status = listed.status === 'ok' ? 'unreachable' : listed.status;
    return { ...listed, status, info: unavailable(reason), config: unavailable(reason) };
  }
  return { ...listed, info: ok(parseInfo(replies.info)), config: ok(flat(replies.config)) };
}

const downStatus = (flags = ''): TopologyNode['status'] =>
  /\bo_down\b/.test(flags) ? 'odown' : /\bs_down\b/.test(flags) ? 'sdown' : 'ok';

function sentinelEvidence(
  capture: SentinelCapture,
  settings: Partial<TopologyEvidence['settings']> = {},
): TopologyEvidence {
  const sentinels = Object.entries(capture.sentinels).map(([where, replies]): SentinelView => {
    const address = addressOf(where);
    if ('error' in replies) return { address, error: replies.error };
    const [host = '', port = ''] = replies.addr.split(' ');
    return {
      address,
      master: flat(replies.master),
      masterAddress: { host, port: Number(port) },
      replicas: replies.replicas.map(flat),
      sentinels: replies.sentinels.map(flat),
      ckquorum: { ok: replies.ckquorum.startsWith('OK'), message: replies.ckquorum },
    };
  });
  // The master most sentinels name, and the replicas they list with how they see each.
  const named = sentinels.flatMap((s) => (s.masterAddress ? [endpoint(s.masterAddress)] : []));
  const masterName = [...new Set(named)].sort(
    (a, b) => named.filter((n) => n === b).length - named.filter((n) => n === a).length,
  )[0];
  const listed = new Map<string, Omit<TopologyNode, 'info' | 'config'>>();
  if (masterName) {
    const flags = sentinels.find((s) => s.masterAddress && endpoint(s.masterAddress) === masterName)?.master
      ?.flags;
    listed.set(masterName, { ...addressOf(masterName), role: 'master', status: downStatus(flags) });
  }
  for (const s of sentinels)
    for (const r of s.replicas ?? []) {
      const where = `${r.ip}:${r.port}`;
      if (listed.has(where)) continue;
      const followed = Number(r['master-port']) > 0 ? `${r['master-host']}:${r['master-port']}` : undefined;
      listed.set(where, {
        ...addressOf(where),
        role: 'replica',
        status: downStatus(r.flags),
        ...(followed ? { master: addressOf(followed) } : {}),
      });
    }
  return {
    kind: 'sentinel',
    masterName: 'mymaster',
    ...(masterName ? { master: addressOf(masterName) } : {}),
    nodes: [...listed].map(([where, node]) => withFacts(node, capture.nodes[where])),
    sentinels,
    at: AT,
    settings: { recentS: DAY_S, ...settings },
  };
}

function clusterEvidence(
  capture: ClusterCapture,
  settings: Partial<TopologyEvidence['settings']> = {},
): TopologyEvidence {
  const lines = parseClusterNodes(capture.clusterNodes);
  const byId = new Map(lines.map((l) => [l.id, l]));
  const nodes = lines.map((l) => {
    const master = l.masterId ? byId.get(l.masterId) : undefined;
    const listed = {
      host: l.host,
      port: l.port,
      id: l.id,
      role: l.role,
      status: l.failing ?? ('ok' as const),
      ...(master ? { master: { host: master.host, port: master.port } } : {}),
    };
    return withFacts(listed, capture.nodes[endpoint(l)]);
  });
  const info = Object.fromEntries(
    Object.entries(capture.nodes).flatMap(([where, n]) =>
      'error' in n ? [] : [[where, parseInfo(n.clusterInfo).fields]],
    ),
  );
  return {
    kind: 'cluster',
    nodes,
    cluster: { info, nodes: lines, seenFrom: capture.seenFrom },
    at: AT,
    settings: { recentS: DAY_S, ...settings },
  };
}

/** A capture with some replies replaced: the edge cases the captures do not show, each edit named. */
function edited<T extends SentinelCapture | ClusterCapture>(capture: T, edit: (copy: T) => void): T {
  const copy = structuredClone(capture);
  edit(copy);
  return copy;
}

const replaceLine = (text: string, field: string, value: string): string =>
  text.replace(new RegExp(`^${field}:.*$`, 'm'), `${field}:${value}`);

function ruleById(id: string): TopologyRule {
  const rule = TOPOLOGY_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no topology rule ${id}`);
  return rule;
}

const run = (t: TopologyEvidence, id: string): RuleResult => runTopologyRule(ruleById(id), t);

/** The report's answer to "why are my connections dropped?", over the topology rules alone. */
function likelyCause(results: RuleResult[]) {
  // mostLikelyCause reads the id and the tier of the rules, the two fields a topology rule shares with a Rule.
  const ranked: readonly Pick<Rule, 'id' | 'tier'>[] = TOPOLOGY_RULES;
  return mostLikelyCause(results, ranked as readonly Rule[]);
}

const tierOf = (id: string) => ruleById(id).tier;

/** Findings that could answer the question: warning or critical, of tier observed, risk or symptom. */
const answering = (results: RuleResult[]) =>
  results.filter((r) => r.status === 'finding' && r.severity !== 'info' && tierOf(r.ruleId) !== 'hygiene');

const commands = (r: RuleResult): string => r.fix.map((f) => f.command).join('\n');

describe('topology rules: the contract', () => {
  const _DOCS = new URL('../../docs/rules/', import.meta.url);
  const DESIGN_IDS = [
    'failover-recent',
    'node-failed',
    'cluster-state-fail',
    'slots-uncovered',
    'min-replicas-unset',
    'sentinel-quorum-at-risk',
    'sentinels-disagree',
    'stale-master-writes',
  ];

  it('has every rule DESIGN.md names, each id once', () => {
    const ids = TOPOLOGY_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of DESIGN_IDS) expect(ids).toContain(id);
  });

  // Docs pages and README rows: test/doctor/rules-meta.test.ts checks them for every rule.

  it('runTopologyRule reports a throwing rule as crashed and a rule about another kind as skipped', () => {
    const throwing = defineTopologyRule({
      ...ruleById('node-failed'),
      id: 'throws',
      check: () => {
        throw new Error('boom');
      },
    });
    const t = sentinelEvidence(SENTINEL_HEALTHY);
    expect(runTopologyRule(throwing, t)).toMatchObject({
      status: 'crashed',
      reason: 'boom',
      category: 'topology',
    });
    expect(run(t, 'slots-uncovered')).toMatchObject({
      status: 'skipped',
      reason: 'about cluster topologies only',
    });
    expect(runTopologyRules(t).map((r) => r.ruleId)).not.toContain('slots-uncovered');
  });
});

describe('a healthy Sentinel set', () => {
  it('has no finding that could be the most likely cause', () => {
    const results = runTopologyRules(sentinelEvidence(SENTINEL_HEALTHY, { clientTimeoutMs: 5000 }));
    expect(results.filter((r) => r.status === 'crashed')).toEqual([]);
    expect(answering(results)).toEqual([]);
    expect(likelyCause(results)).toBeNull();
  });

  it('only says, as hygiene, that min-replicas-to-write is 0 on the master', () => {
    const results = runTopologyRules(sentinelEvidence(SENTINEL_HEALTHY));
    expect(results.filter((r) => r.status === 'finding').map((r) => r.ruleId)).toEqual([
      'min-replicas-unset',
    ]);
    const r = run(sentinelEvidence(SENTINEL_HEALTHY), 'min-replicas-unset');
    expect(r).toMatchObject({
      severity: 'warning',
      cause: 'failover',
      evidence: { node: '127.0.0.1:43493' },
    });
    expect(r.fix.map((f) => f.command)).toEqual([
      'redis-cli -h 127.0.0.1 -p 43493 CONFIG SET min-replicas-to-write 1',
      'redis-cli -h 127.0.0.1 -p 43493 CONFIG SET min-replicas-max-lag 10',
      'redis-cli -h 127.0.0.1 -p 43493 CONFIG REWRITE',
    ]);
    expect(r.fix[0]?.risk).toMatch(/NOREPLICAS/);
  });
});

describe('a healthy cluster', () => {
  it('has no finding that could be the most likely cause', () => {
    const results = runTopologyRules(clusterEvidence(CLUSTER_HEALTHY, { clientTimeoutMs: 5000 }));
    expect(results.filter((r) => r.status === 'crashed')).toEqual([]);
    expect(answering(results)).toEqual([]);
    expect(likelyCause(results)).toBeNull();
    expect(results.filter((r) => r.status === 'finding').map((r) => r.ruleId)).toEqual([
      'min-replicas-unset',
    ]);
  });

  it('names each master without min-replicas-to-write', () => {
    const r = run(clusterEvidence(CLUSTER_HEALTHY), 'min-replicas-unset');
    expect(r.evidence.nodes).toEqual(['127.0.0.1:44855', '127.0.0.1:38007', '127.0.0.1:35157']);
  });
});

describe('failover-recent', () => {
  it('names the new master, the old one and when, right after SENTINEL FAILOVER', () => {
    const r = run(sentinelEvidence(SENTINEL_AFTER_FAILOVER), 'failover-recent');
    expect(r).toMatchObject({
      status: 'finding',
      severity: 'warning',
      confidence: 'high',
      cause: 'failover',
      evidence: {
        node: '127.0.0.1:45119',
        newMaster: '127.0.0.1:45119',
        oldMaster: '127.0.0.1:43493',
        configEpoch: 1,
        agoMs: 3118,
        at: new Date(AT - 3118).toISOString(),
        master_replid2: 'c09450bb41afa17bce8fee80f7a97bc6aaf1bd5b',
        second_repl_offset: 426,
      },
    });
    expect(r.message).toMatch(
      /127\.0\.0\.1:45119 became the master of mymaster about 3s ago .* replacing 127\.0\.0\.1:43493; config-epoch 1/,
    );
  });

  it('says a failover is in progress while the sentinels fail a frozen master over', () => {
    const r = run(sentinelEvidence(SENTINEL_MASTER_STOPPED), 'failover-recent');
    expect(r).toMatchObject({ severity: 'critical', confidence: 'high' });
    expect(r.message).toContain(
      'failover-state wait_promotion for master 127.0.0.1:45119, promoting 127.0.0.1:35013',
    );
    expect(r.evidence).toMatchObject({
      node: '127.0.0.1:45119',
      oldMaster: '127.0.0.1:45119',
      newMaster: '127.0.0.1:35013',
    });
  });

  it('finds the second failover, the old master gone', () => {
    const r = run(sentinelEvidence(SENTINEL_FAILED_OVER_AGAIN), 'failover-recent');
    expect(r.evidence).toMatchObject({ node: '127.0.0.1:35013', configEpoch: 2, oldMaster: null });
  });

  it('is quiet once the switch is older than --recent', () => {
    expect(run(sentinelEvidence(SENTINEL_AFTER_FAILOVER, { recentS: 2 }), 'failover-recent').status).toBe(
      'pass',
    );
  });

  it('trusts the master over a sentinel clock that restarted: no promotion in INFO is info only', () => {
    const t = sentinelEvidence(
      edited(SENTINEL_AFTER_FAILOVER, (c) => {
        const node = c.nodes['127.0.0.1:45119'] as NodeReplies;
        node.info = replaceLine(
          replaceLine(node.info, 'master_replid2', '0'.repeat(40)),
          'second_repl_offset',
          '-1',
        );
      }),
    );
    expect(run(t, 'failover-recent')).toMatchObject({ severity: 'info', confidence: 'low' });
  });

  it('finds the promoted replica of a cluster, its config epoch and the master it replaced', () => {
    const r = run(clusterEvidence(CLUSTER_FAILED_OVER), 'failover-recent');
    expect(r).toMatchObject({
      severity: 'warning',
      confidence: 'high',
      evidence: {
        node: '127.0.0.1:33065',
        cluster_current_epoch: 7,
        promoted: [
          {
            node: '127.0.0.1:33065',
            configEpoch: 7,
            slots: '0-5460',
            uptime_in_seconds: 18,
            second_repl_offset: 1,
          },
        ],
        replacedMasters: [{ node: '127.0.0.1:38007', status: 'fail' }],
      },
    });
    // Nothing in a cluster tells when, beyond the promoted node's uptime.
    expect(run(clusterEvidence(CLUSTER_FAILED_OVER, { recentS: 10 }), 'failover-recent')).toMatchObject({
      severity: 'info',
      confidence: 'low',
    });
  });
});

describe('stale-master-writes', () => {
  it('fires on the old master still answering role:master after the switch', () => {
    const t = sentinelEvidence(SENTINEL_AFTER_FAILOVER);
    const r = run(t, 'stale-master-writes');
    expect(r).toMatchObject({
      severity: 'critical',
      confidence: 'high',
      evidence: {
        node: '127.0.0.1:43493',
        master: '127.0.0.1:45119',
        stale: [{ seenBy: 'info', connected_slaves: 0 }],
      },
    });
    expect(commands(r)).toContain('redis-cli -h 127.0.0.1 -p 43493 REPLICAOF 127.0.0.1 45119');
    expect(likelyCause(runTopologyRules(t))).toMatchObject({
      ruleId: 'stale-master-writes',
      cause: 'failover',
    });
  });

  it('leaves out the replica a failover under way is promoting', () => {
    // 43493 is still the unconverted master of the first failover; 35013 is being promoted (flags promoted).
    const r = run(sentinelEvidence(SENTINEL_MASTER_STOPPED), 'stale-master-writes');
    expect(r.evidence).toMatchObject({ node: '127.0.0.1:43493' });
  });

  it('takes Sentinel’s role-reported when the node itself cannot be read', () => {
    const t = sentinelEvidence(
      edited(SENTINEL_AFTER_FAILOVER, (c) => {
        c.nodes['127.0.0.1:43493'] = { error: 'connect ETIMEDOUT' };
      }),
    );
    expect(run(t, 'stale-master-writes')).toMatchObject({
      confidence: 'medium',
      evidence: { stale: [{ seenBy: 'sentinel' }] },
    });
  });

  it('fires on a cluster replica that answers as a master', () => {
    const t = clusterEvidence(
      edited(CLUSTER_HEALTHY, (c) => {
        const node = c.nodes['127.0.0.1:33065'] as NodeReplies;
        node.info = replaceLine(node.info, 'role', 'master');
      }),
    );
    expect(run(t, 'stale-master-writes').evidence).toMatchObject({ node: '127.0.0.1:33065' });
  });
});

describe('node-failed', () => {
  it('is critical for the Sentinel master that stopped answering', () => {
    const r = run(sentinelEvidence(SENTINEL_MASTER_STOPPED), 'node-failed');
    expect(r).toMatchObject({
      severity: 'critical',
      confidence: 'high',
      evidence: { node: '127.0.0.1:45119', failed: [{ role: 'master', status: 'sdown' }] },
    });
  });

  it('is a warning for a replica Sentinel sees down', () => {
    const r = run(sentinelEvidence(SENTINEL_FAILED_OVER_AGAIN), 'node-failed');
    expect(r).toMatchObject({
      severity: 'warning',
      evidence: { node: '127.0.0.1:45119', failed: [{ role: 'replica', status: 'sdown' }] },
    });
  });

  it('tells a node only lifeline cannot reach from a node that is down', () => {
    const t = sentinelEvidence(
      edited(SENTINEL_HEALTHY, (c) => {
        c.nodes['127.0.0.1:35013'] = { error: 'connect ECONNREFUSED 127.0.0.1:35013' };
      }),
    );
    expect(run(t, 'node-failed')).toMatchObject({
      severity: 'warning',
      confidence: 'medium',
      evidence: { failed: [{ node: '127.0.0.1:35013', status: 'unreachable', topologySeesItUp: true }] },
    });
  });

  it('is critical for a cluster master with slots, a warning for a failed master whose slots moved', () => {
    const lost = run(clusterEvidence(CLUSTER_MASTER_LOST), 'node-failed');
    expect(lost).toMatchObject({
      severity: 'critical',
      evidence: { failed: [{ node: '127.0.0.1:46163', slots: '5461-10921' }] },
    });
    const moved = run(clusterEvidence(CLUSTER_FAILED_OVER), 'node-failed');
    expect(moved).toMatchObject({ severity: 'warning', evidence: { node: '127.0.0.1:38007' } });
    expect(commands(moved)).toContain(
      'redis-cli -h 127.0.0.1 -p 44855 --cluster call 127.0.0.1:44855 CLUSTER FORGET 0dccaa7ab5651008391c418d3f0bafb2bcda8856',
    );
  });
});

describe('cluster-state-fail and slots-uncovered', () => {
  it('fire when a master without replicas is lost', () => {
    const t = clusterEvidence(CLUSTER_MASTER_LOST);
    expect(run(t, 'cluster-state-fail')).toMatchObject({
      severity: 'critical',
      evidence: { nodes: ['127.0.0.1:34835', '127.0.0.1:46511'] },
    });
    const slots = run(t, 'slots-uncovered');
    expect(slots).toMatchObject({
      severity: 'critical',
      evidence: {
        node: '127.0.0.1:46163',
        unassignedSlots: 0,
        failingMasters: [{ slots: '5461-10921', slotCount: 5461, status: 'fail' }],
      },
    });
    expect(commands(slots)).toContain('redis-cli -h 127.0.0.1 -p 34835 --cluster fix 127.0.0.1:34835');
    expect(likelyCause(runTopologyRules(t))?.ruleId).toMatch(
      /^(node-failed|cluster-state-fail|slots-uncovered)$/,
    );
  });

  it('fire on slots deleted from one node (the others still route them)', () => {
    const t = clusterEvidence(CLUSTER_SLOTS_DELETED);
    const state = run(t, 'cluster-state-fail');
    expect(state).toMatchObject({ evidence: { node: '127.0.0.1:41439' } });
    expect(state.message).toContain('1 of the 3 nodes that answered CLUSTER INFO report cluster_state:fail');
    expect(state.message).toContain('100 slots of 16384 are assigned to no master');
    expect(run(t, 'slots-uncovered')).toMatchObject({
      severity: 'critical',
      evidence: { unassignedSlots: 100, unassignedRanges: '0-99', nodes: ['127.0.0.1:41439'] },
    });
  });

  it('are quiet during a failover once a replica took the slots', () => {
    const t = clusterEvidence(CLUSTER_FAILED_OVER);
    expect(run(t, 'cluster-state-fail').status).toBe('pass');
    expect(run(t, 'slots-uncovered').status).toBe('pass');
  });
});

describe('sentinel-quorum-at-risk', () => {
  it('is critical when CKQUORUM fails and two sentinels are gone', () => {
    const r = run(sentinelEvidence(SENTINEL_TWO_SENTINELS_STOPPED), 'sentinel-quorum-at-risk');
    expect(r).toMatchObject({
      severity: 'critical',
      confidence: 'high',
      evidence: { quorum: 2, knownSentinels: 3, usableSentinels: 1, majority: 2, answered: 1 },
    });
    expect(r.message).toContain('NOQUORUM 1 usable Sentinels');
    expect(r.evidence.unreachable).toHaveLength(2);
    expect(commands(r)).toContain('redis-cli -h 127.0.0.1 -p 39619 SENTINEL CKQUORUM mymaster');
  });

  it('warns with fewer than three sentinels', () => {
    // Two of the three sentinels, each knowing only the other.
    const two = edited(SENTINEL_HEALTHY, (c) => {
      delete c.sentinels['127.0.0.1:45501'];
      for (const s of Object.values(c.sentinels) as SentinelReplies[]) {
        s.sentinels = s.sentinels.filter((line) => !line.includes(' port 45501 '));
        s.master = s.master.replace('num-other-sentinels 2', 'num-other-sentinels 1');
        s.ckquorum = 'OK 2 usable Sentinels. Quorum and failover authorization can be reached';
      }
    });
    const r = run(sentinelEvidence(two), 'sentinel-quorum-at-risk');
    expect(r).toMatchObject({ severity: 'warning', evidence: { knownSentinels: 2, usableSentinels: 2 } });
    expect(r.message).toContain('only 2 sentinels');
  });
});

describe('sentinels-disagree', () => {
  it('is critical when one sentinel still names the old master', () => {
    // One sentinel missed the failover: its replies are the ones it gave before it.
    const split = edited(SENTINEL_AFTER_FAILOVER, (c) => {
      c.sentinels['127.0.0.1:37545'] = SENTINEL_HEALTHY.sentinels['127.0.0.1:37545'] as SentinelReplies;
    });
    const r = run(sentinelEvidence(split), 'sentinels-disagree');
    expect(r).toMatchObject({
      severity: 'critical',
      evidence: {
        newestMaster: '127.0.0.1:45119',
        newestEpoch: 1,
        behind: ['127.0.0.1:37545'],
        byMaster: {
          '127.0.0.1:45119': ['127.0.0.1:39619', '127.0.0.1:45501'],
          '127.0.0.1:43493': ['127.0.0.1:37545'],
        },
      },
    });
    expect(commands(r)).toContain('redis-cli -h 127.0.0.1 -p 37545 SENTINEL SENTINELS mymaster');
  });

  it('is quiet when they agree, even mid-failover', () => {
    expect(run(sentinelEvidence(SENTINEL_MASTER_STOPPED), 'sentinels-disagree').status).toBe('pass');
  });
});

describe('replica-link-down', () => {
  it('names the replica whose link is down', () => {
    const r = run(sentinelEvidence(SENTINEL_REPLICA_LINK_DOWN), 'replica-link-down');
    expect(r).toMatchObject({
      severity: 'warning',
      cause: 'network',
      evidence: {
        node: '127.0.0.1:39451',
        links: [{ master: '127.0.0.1:45003', state: 'down', master_link_down_since_seconds: 12 }],
      },
    });
  });

  it('is critical when no replica of the master is in sync, and suspects a loop when full syncs pile up', () => {
    const looping = edited(SENTINEL_REPLICA_LINK_DOWN, (c) => {
      const master = c.nodes['127.0.0.1:45003'] as NodeReplies;
      master.info = replaceLine(master.info, 'sync_full', '9');
      master.config += ' repl-backlog-size 1048576';
      const other = c.nodes['127.0.0.1:37489'] as NodeReplies;
      other.info = replaceLine(other.info, 'master_sync_in_progress', '1');
    });
    const r = run(sentinelEvidence(looping), 'replica-link-down');
    expect(r.severity).toBe('critical');
    expect(r.message).toContain('resync loop');
    expect(commands(r)).toContain('redis-cli -h 127.0.0.1 -p 45003 CONFIG SET repl-backlog-size 4mb');
  });
});

describe('failover-outlasts-client-timeout', () => {
  it('is skipped without --client-timeout and quiet when the client waits long enough', () => {
    expect(run(sentinelEvidence(SENTINEL_HEALTHY), 'failover-outlasts-client-timeout').status).toBe(
      'skipped',
    );
    expect(
      run(clusterEvidence(CLUSTER_HEALTHY, { clientTimeoutMs: 3000 }), 'failover-outlasts-client-timeout')
        .status,
    ).toBe('pass');
  });

  it('compares down-after-milliseconds with the client timeout and lowers it on every sentinel', () => {
    const slow = edited(SENTINEL_HEALTHY, (c) => {
      for (const s of Object.values(c.sentinels) as SentinelReplies[])
        s.master = s.master.replace('down-after-milliseconds 2000', 'down-after-milliseconds 30000');
    });
    const r = run(sentinelEvidence(slow, { clientTimeoutMs: 10_000 }), 'failover-outlasts-client-timeout');
    expect(r).toMatchObject({
      severity: 'warning',
      evidence: { 'down-after-milliseconds': 30000, estimatedFailoverMs: 31000 },
    });
    expect(
      r.fix.filter((f) => f.command.includes('SENTINEL SET mymaster down-after-milliseconds 9000')),
    ).toHaveLength(3);
  });

  it('compares cluster-node-timeout for a cluster', () => {
    const r = run(
      clusterEvidence(CLUSTER_HEALTHY, { clientTimeoutMs: 2000 }),
      'failover-outlasts-client-timeout',
    );
    expect(r).toMatchObject({ evidence: { 'cluster-node-timeout': 2000, estimatedFailoverMs: 3000 } });
  });
});

describe('fix commands', () => {
  it('address nodes and sentinels with their login, asking for passwords', () => {
    const t = {
      ...sentinelEvidence(SENTINEL_TWO_SENTINELS_STOPPED),
      login: { tls: true, username: 'app', hasAuth: true },
      sentinelLogin: { tls: false, username: undefined, hasAuth: true },
    };
    expect(commands(run(t, 'sentinel-quorum-at-risk'))).toContain(
      'redis-cli -h 127.0.0.1 -p 39619 --askpass SENTINEL CKQUORUM mymaster',
    );
    expect(commands(run(t, 'min-replicas-unset'))).toContain(
      'redis-cli -h 127.0.0.1 -p 35013 --tls --user app --askpass CONFIG SET min-replicas-to-write 1',
    );
  });
});

// --- Captures (Redis 7.0.15) ---
const SENTINEL_HEALTHY: SentinelCapture = {
  sentinels: {
    '127.0.0.1:39619': {
      master:
        'name mymaster ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 31 last-ping-reply 31 down-after-milliseconds 2000 info-refresh 2110 role-reported master role-reported-time 2139 config-epoch 0 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 43493',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:45119 ip 127.0.0.1 port 45119 runid 4b5ee10f78051ffe34fd3319b4759a0c31bda54e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 984 last-ping-reply 984 down-after-milliseconds 2000 info-refresh 2032 role-reported slave role-reported-time 2115 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 43493 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:35013 ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 984 last-ping-reply 984 down-after-milliseconds 2000 info-refresh 2032 role-reported slave role-reported-time 2113 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 43493 slave-priority 100 slave-repl-offset 0 replica-announced 1',
      ],
      sentinels: [
        'name 9ee7174700a4a9da9bd97a837f7844c6422a4943 ip 127.0.0.1 port 45501 runid 9ee7174700a4a9da9bd97a837f7844c6422a4943 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 35 last-ping-reply 35 down-after-milliseconds 2000 last-hello-message 40 voted-leader ? voted-leader-epoch 0',
        'name 66cf8e91a4d79f45d2028033ffb981935cae9795 ip 127.0.0.1 port 37545 runid 66cf8e91a4d79f45d2028033ffb981935cae9795 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 35 last-ping-reply 35 down-after-milliseconds 2000 last-hello-message 65 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:37545': {
      master:
        'name mymaster ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 14 last-ping-reply 14 down-after-milliseconds 2000 info-refresh 2104 role-reported master role-reported-time 2131 config-epoch 0 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 43493',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:35013 ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 988 last-ping-reply 988 down-after-milliseconds 2000 info-refresh 2023 role-reported slave role-reported-time 2109 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 43493 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:45119 ip 127.0.0.1 port 45119 runid 4b5ee10f78051ffe34fd3319b4759a0c31bda54e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 988 last-ping-reply 988 down-after-milliseconds 2000 info-refresh 2023 role-reported slave role-reported-time 2115 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 43493 slave-priority 100 slave-repl-offset 0 replica-announced 1',
      ],
      sentinels: [
        'name 9ee7174700a4a9da9bd97a837f7844c6422a4943 ip 127.0.0.1 port 45501 runid 9ee7174700a4a9da9bd97a837f7844c6422a4943 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 20 last-ping-reply 20 down-after-milliseconds 2000 last-hello-message 48 voted-leader ? voted-leader-epoch 0',
        'name 5f4b3352613230a710e9bfe71597751e8c4a87bc ip 127.0.0.1 port 39619 runid 5f4b3352613230a710e9bfe71597751e8c4a87bc flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 73 last-ping-reply 73 down-after-milliseconds 2000 last-hello-message 105 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:45501': {
      master:
        'name mymaster ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 53 last-ping-reply 53 down-after-milliseconds 2000 info-refresh 2100 role-reported master role-reported-time 2109 config-epoch 0 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 43493',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:45119 ip 127.0.0.1 port 45119 runid 4b5ee10f78051ffe34fd3319b4759a0c31bda54e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 997 last-ping-reply 997 down-after-milliseconds 2000 info-refresh 2041 role-reported slave role-reported-time 2104 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 43493 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:35013 ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 997 last-ping-reply 997 down-after-milliseconds 2000 info-refresh 2041 role-reported slave role-reported-time 2103 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 43493 slave-priority 100 slave-repl-offset 0 replica-announced 1',
      ],
      sentinels: [
        'name 66cf8e91a4d79f45d2028033ffb981935cae9795 ip 127.0.0.1 port 37545 runid 66cf8e91a4d79f45d2028033ffb981935cae9795 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 54 last-ping-reply 54 down-after-milliseconds 2000 last-hello-message 79 voted-leader ? voted-leader-epoch 0',
        'name 5f4b3352613230a710e9bfe71597751e8c4a87bc ip 127.0.0.1 port 39619 runid 5f4b3352613230a710e9bfe71597751e8c4a87bc flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 111 last-ping-reply 111 down-after-milliseconds 2000 last-hello-message 113 voted-leader ? voted-leader-epoch 0',
      ],
    },
  },
  nodes: {
    '127.0.0.1:43493': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:2
connected_clients:7
sync_full:2
sync_partial_err:0
role:master
connected_slaves:2
slave0:ip=127.0.0.1,port=45119,state=online,offset=0,lag=0
slave1:ip=127.0.0.1,port=35013,state=online,offset=0,lag=0
master_replid:c09450bb41afa17bce8fee80f7a97bc6aaf1bd5b
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:425
second_repl_offset:-1`,
    },
    '127.0.0.1:45119': {
      config: 'min-replicas-to-write 0 min-replicas-max-lag 10',
      info: `redis_version:7.0.15
uptime_in_seconds:2
connected_clients:8
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:43493
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:c09450bb41afa17bce8fee80f7a97bc6aaf1bd5b
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:425
second_repl_offset:-1`,
    },
    '127.0.0.1:35013': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:2
connected_clients:8
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:43493
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:c09450bb41afa17bce8fee80f7a97bc6aaf1bd5b
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:425
second_repl_offset:-1`,
    },
  },
};

const SENTINEL_AFTER_FAILOVER: SentinelCapture = {
  sentinels: {
    '127.0.0.1:39619': {
      master:
        'name mymaster ip 127.0.0.1 port 45119 runid  flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 919 last-ping-reply 919 down-after-milliseconds 2000 info-refresh 6429 role-reported master role-reported-time 2031 config-epoch 1 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 45119',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:43493 ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 923 last-ping-reply 923 down-after-milliseconds 2000 info-refresh 1975 role-reported master role-reported-time 1975 master-link-down-time 0 master-link-status err master-host ? master-port 0 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:35013 ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 923 last-ping-reply 923 down-after-milliseconds 2000 info-refresh 1974 role-reported slave role-reported-time 2035 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 45119 slave-priority 100 slave-repl-offset 850 replica-announced 1',
      ],
      sentinels: [
        'name 9ee7174700a4a9da9bd97a837f7844c6422a4943 ip 127.0.0.1 port 45501 runid 9ee7174700a4a9da9bd97a837f7844c6422a4943 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 243 last-ping-reply 243 down-after-milliseconds 2000 last-hello-message 269 voted-leader ? voted-leader-epoch 0',
        'name 66cf8e91a4d79f45d2028033ffb981935cae9795 ip 127.0.0.1 port 37545 runid 66cf8e91a4d79f45d2028033ffb981935cae9795 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 242 last-ping-reply 242 down-after-milliseconds 2000 last-hello-message 232 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:37545': {
      master:
        'name mymaster ip 127.0.0.1 port 45119 runid  flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 27 last-ping-reply 27 down-after-milliseconds 2000 info-refresh 6438 role-reported master role-reported-time 3114 config-epoch 1 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 45119',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:43493 ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 29 last-ping-reply 29 down-after-milliseconds 2000 info-refresh 3107 role-reported master role-reported-time 3107 master-link-down-time 0 master-link-status err master-host ? master-port 0 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:35013 ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 29 last-ping-reply 29 down-after-milliseconds 2000 info-refresh 3107 role-reported slave role-reported-time 3116 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 45119 slave-priority 100 slave-repl-offset 582 replica-announced 1',
      ],
      sentinels: [
        'name 9ee7174700a4a9da9bd97a837f7844c6422a4943 ip 127.0.0.1 port 45501 runid 9ee7174700a4a9da9bd97a837f7844c6422a4943 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 186 last-ping-reply 186 down-after-milliseconds 2000 last-hello-message 287 voted-leader ? voted-leader-epoch 0',
        'name 5f4b3352613230a710e9bfe71597751e8c4a87bc ip 127.0.0.1 port 39619 runid 5f4b3352613230a710e9bfe71597751e8c4a87bc flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 250 last-ping-reply 250 down-after-milliseconds 2000 last-hello-message 1096 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:45501': {
      master:
        'name mymaster ip 127.0.0.1 port 45119 runid  flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 1001 last-ping-reply 1001 down-after-milliseconds 2000 info-refresh 6430 role-reported master role-reported-time 3118 config-epoch 1 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 45119',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:43493 ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 1003 last-ping-reply 1003 down-after-milliseconds 2000 info-refresh 3067 role-reported master role-reported-time 3067 master-link-down-time 0 master-link-status err master-host ? master-port 0 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:35013 ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 1003 last-ping-reply 1003 down-after-milliseconds 2000 info-refresh 3067 role-reported slave role-reported-time 3120 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 45119 slave-priority 100 slave-repl-offset 582 replica-announced 1',
      ],
      sentinels: [
        'name 66cf8e91a4d79f45d2028033ffb981935cae9795 ip 127.0.0.1 port 37545 runid 66cf8e91a4d79f45d2028033ffb981935cae9795 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 191 last-ping-reply 191 down-after-milliseconds 2000 last-hello-message 255 voted-leader ? voted-leader-epoch 0',
        'name 5f4b3352613230a710e9bfe71597751e8c4a87bc ip 127.0.0.1 port 39619 runid 5f4b3352613230a710e9bfe71597751e8c4a87bc flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 191 last-ping-reply 191 down-after-milliseconds 2000 last-hello-message 1 voted-leader ? voted-leader-epoch 0',
      ],
    },
  },
  nodes: {
    '127.0.0.1:43493': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:7
connected_clients:7
sync_full:2
sync_partial_err:0
role:master
connected_slaves:0
master_replid:c09450bb41afa17bce8fee80f7a97bc6aaf1bd5b
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:961
second_repl_offset:-1`,
    },
    '127.0.0.1:45119': {
      config: 'min-replicas-to-write 0 min-replicas-max-lag 10',
      info: `redis_version:7.0.15
uptime_in_seconds:7
connected_clients:7
sync_full:0
sync_partial_err:0
role:master
connected_slaves:1
slave0:ip=127.0.0.1,port=35013,state=online,offset=984,lag=1
master_replid:72d024e9fcb856091b56bfc7f32d7badae8dd109
master_replid2:c09450bb41afa17bce8fee80f7a97bc6aaf1bd5b
master_repl_offset:1252
second_repl_offset:426`,
    },
    '127.0.0.1:35013': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:7
connected_clients:8
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:45119
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:72d024e9fcb856091b56bfc7f32d7badae8dd109
master_replid2:c09450bb41afa17bce8fee80f7a97bc6aaf1bd5b
master_repl_offset:1252
second_repl_offset:426`,
    },
  },
};

const SENTINEL_MASTER_STOPPED: SentinelCapture = {
  sentinels: {
    '127.0.0.1:39619': {
      master:
        'name mymaster ip 127.0.0.1 port 45119 runid  flags s_down,master link-pending-commands 28 link-refcount 1 last-ping-sent 2554 last-ok-ping-reply 3568 last-ping-reply 3568 s-down-time 521 down-after-milliseconds 2000 info-refresh 9078 role-reported master role-reported-time 4680 config-epoch 1 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 45119',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:43493 ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 525 last-ping-reply 525 down-after-milliseconds 2000 info-refresh 4624 role-reported master role-reported-time 4624 master-link-down-time 0 master-link-status err master-host ? master-port 0 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:35013 ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 245 last-ping-reply 245 down-after-milliseconds 2000 info-refresh 4623 role-reported slave role-reported-time 4684 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 45119 slave-priority 100 slave-repl-offset 850 replica-announced 1',
      ],
      sentinels: [
        'name 9ee7174700a4a9da9bd97a837f7844c6422a4943 ip 127.0.0.1 port 45501 runid 9ee7174700a4a9da9bd97a837f7844c6422a4943 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 812 last-ping-reply 812 down-after-milliseconds 2000 last-hello-message 922 voted-leader ? voted-leader-epoch 0',
        'name 66cf8e91a4d79f45d2028033ffb981935cae9795 ip 127.0.0.1 port 37545 runid 66cf8e91a4d79f45d2028033ffb981935cae9795 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 812 last-ping-reply 812 down-after-milliseconds 2000 last-hello-message 1025 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:37545': {
      master:
        'name mymaster ip 127.0.0.1 port 45119 runid  flags master link-pending-commands 17 link-refcount 1 last-ping-sent 1614 last-ok-ping-reply 2662 last-ping-reply 2662 down-after-milliseconds 2000 info-refresh 9073 role-reported master role-reported-time 5749 config-epoch 1 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 45119',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:43493 ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 612 last-ping-reply 612 down-after-milliseconds 2000 info-refresh 5742 role-reported master role-reported-time 5742 master-link-down-time 0 master-link-status err master-host ? master-port 0 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:35013 ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 260 last-ping-reply 260 down-after-milliseconds 2000 info-refresh 5742 role-reported slave role-reported-time 5751 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 45119 slave-priority 100 slave-repl-offset 582 replica-announced 1',
      ],
      sentinels: [
        'name 9ee7174700a4a9da9bd97a837f7844c6422a4943 ip 127.0.0.1 port 45501 runid 9ee7174700a4a9da9bd97a837f7844c6422a4943 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 795 last-ping-reply 795 down-after-milliseconds 2000 last-hello-message 926 voted-leader ? voted-leader-epoch 0',
        'name 5f4b3352613230a710e9bfe71597751e8c4a87bc ip 127.0.0.1 port 39619 runid 5f4b3352613230a710e9bfe71597751e8c4a87bc flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 795 last-ping-reply 795 down-after-milliseconds 2000 last-hello-message 597 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:45501': {
      master:
        'name mymaster ip 127.0.0.1 port 45119 runid  flags s_down,o_down,master,failover_in_progress link-pending-commands 17 link-refcount 1 failover-state wait_promotion last-ping-sent 2604 last-ok-ping-reply 3636 last-ping-reply 3636 s-down-time 522 o-down-time 454 down-after-milliseconds 2000 info-refresh 9065 role-reported master role-reported-time 5753 config-epoch 1 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 45119',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:43493 ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 524 last-ping-reply 524 down-after-milliseconds 2000 info-refresh 454 role-reported master role-reported-time 5703 master-link-down-time 0 master-link-status err master-host ? master-port 0 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:35013 ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags slave,promoted link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 524 last-ping-reply 524 down-after-milliseconds 2000 info-refresh 454 role-reported slave role-reported-time 5756 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 45119 slave-priority 100 slave-repl-offset 1252 replica-announced 1',
      ],
      sentinels: [
        'name 66cf8e91a4d79f45d2028033ffb981935cae9795 ip 127.0.0.1 port 37545 runid 66cf8e91a4d79f45d2028033ffb981935cae9795 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 772 last-ping-reply 772 down-after-milliseconds 2000 last-hello-message 886 voted-leader 9ee7174700a4a9da9bd97a837f7844c6422a4943 voted-leader-epoch 2',
        'name 5f4b3352613230a710e9bfe71597751e8c4a87bc ip 127.0.0.1 port 39619 runid 5f4b3352613230a710e9bfe71597751e8c4a87bc flags sentinel,master_down link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 772 last-ping-reply 772 down-after-milliseconds 2000 last-hello-message 604 voted-leader 9ee7174700a4a9da9bd97a837f7844c6422a4943 voted-leader-epoch 2',
      ],
    },
  },
  nodes: {
    '127.0.0.1:43493': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:9
connected_clients:7
sync_full:2
sync_partial_err:0
role:master
connected_slaves:0
master_replid:c09450bb41afa17bce8fee80f7a97bc6aaf1bd5b
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:1363
second_repl_offset:-1`,
    },
    '127.0.0.1:45119': { error: 'Connection is closed.' },
    '127.0.0.1:35013': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:21
connected_clients:7
sync_full:1
sync_partial_err:1
role:master
connected_slaves:1
slave0:ip=127.0.0.1,port=43493,state=online,offset=4006,lag=0
master_replid:45caa2b50076e2867d62619be6482c4d954918fb
master_replid2:72d024e9fcb856091b56bfc7f32d7badae8dd109
master_repl_offset:4140
second_repl_offset:1253`,
    },
  },
};

const SENTINEL_FAILED_OVER_AGAIN: SentinelCapture = {
  sentinels: {
    '127.0.0.1:39619': {
      master:
        'name mymaster ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 832 last-ping-reply 832 down-after-milliseconds 2000 info-refresh 7014 role-reported master role-reported-time 17395 config-epoch 2 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 35013',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:45119 ip 127.0.0.1 port 45119 runid  flags s_down,slave link-pending-commands 71 link-refcount 1 last-ping-sent 17399 last-ok-ping-reply 17399 last-ping-reply 17399 s-down-time 15380 down-after-milliseconds 2000 info-refresh 0 role-reported slave role-reported-time 17399 master-link-down-time 0 master-link-status err master-host ? master-port 0 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:43493 ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 836 last-ping-reply 836 down-after-milliseconds 2000 info-refresh 7252 role-reported slave role-reported-time 17399 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 35013 slave-priority 100 slave-repl-offset 3724 replica-announced 1',
      ],
      sentinels: [
        'name 9ee7174700a4a9da9bd97a837f7844c6422a4943 ip 127.0.0.1 port 45501 runid 9ee7174700a4a9da9bd97a837f7844c6422a4943 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 169 last-ping-reply 169 down-after-milliseconds 2000 last-hello-message 55 voted-leader ? voted-leader-epoch 0',
        'name 66cf8e91a4d79f45d2028033ffb981935cae9795 ip 127.0.0.1 port 37545 runid 66cf8e91a4d79f45d2028033ffb981935cae9795 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 164 last-ping-reply 164 down-after-milliseconds 2000 last-hello-message 651 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:37545': {
      master:
        'name mymaster ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 744 last-ping-reply 744 down-after-milliseconds 2000 info-refresh 7087 role-reported master role-reported-time 17410 config-epoch 2 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 35013',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:43493 ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 747 last-ping-reply 747 down-after-milliseconds 2000 info-refresh 7355 role-reported slave role-reported-time 17413 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 35013 slave-priority 100 slave-repl-offset 3724 replica-announced 1',
        'name 127.0.0.1:45119 ip 127.0.0.1 port 45119 runid  flags s_down,slave link-pending-commands 71 link-refcount 1 last-ping-sent 17413 last-ok-ping-reply 17413 last-ping-reply 17413 s-down-time 15387 down-after-milliseconds 2000 info-refresh 0 role-reported slave role-reported-time 17413 master-link-down-time 0 master-link-status err master-host ? master-port 0 slave-priority 100 slave-repl-offset 0 replica-announced 1',
      ],
      sentinels: [
        'name 9ee7174700a4a9da9bd97a837f7844c6422a4943 ip 127.0.0.1 port 45501 runid 9ee7174700a4a9da9bd97a837f7844c6422a4943 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 177 last-ping-reply 177 down-after-milliseconds 2000 last-hello-message 69 voted-leader ? voted-leader-epoch 0',
        'name 5f4b3352613230a710e9bfe71597751e8c4a87bc ip 127.0.0.1 port 39619 runid 5f4b3352613230a710e9bfe71597751e8c4a87bc flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 177 last-ping-reply 177 down-after-milliseconds 2000 last-hello-message 1114 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:45501': {
      master:
        'name mymaster ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 702 last-ping-reply 702 down-after-milliseconds 2000 info-refresh 6275 role-reported master role-reported-time 16385 config-epoch 2 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 35013',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:45119 ip 127.0.0.1 port 45119 runid  flags s_down,slave link-pending-commands 39 link-refcount 1 last-ping-sent 16390 last-ok-ping-reply 16390 last-ping-reply 16390 s-down-time 14379 down-after-milliseconds 2000 info-refresh 0 role-reported slave role-reported-time 16390 master-link-down-time 0 master-link-status err master-host ? master-port 0 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:43493 ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 707 last-ping-reply 707 down-after-milliseconds 2000 info-refresh 6279 role-reported slave role-reported-time 16390 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 35013 slave-priority 100 slave-repl-offset 4006 replica-announced 1',
      ],
      sentinels: [
        'name 66cf8e91a4d79f45d2028033ffb981935cae9795 ip 127.0.0.1 port 37545 runid 66cf8e91a4d79f45d2028033ffb981935cae9795 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 80 last-ping-reply 80 down-after-milliseconds 2000 last-hello-message 676 voted-leader ? voted-leader-epoch 2',
        'name 5f4b3352613230a710e9bfe71597751e8c4a87bc ip 127.0.0.1 port 39619 runid 5f4b3352613230a710e9bfe71597751e8c4a87bc flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 80 last-ping-reply 80 down-after-milliseconds 2000 last-hello-message 1125 voted-leader ? voted-leader-epoch 2',
      ],
    },
  },
  nodes: {
    '127.0.0.1:43493': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:27
connected_clients:8
sync_full:2
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:35013
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:45caa2b50076e2867d62619be6482c4d954918fb
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:5346
second_repl_offset:-1`,
    },
    '127.0.0.1:45119': { error: 'Connection is closed.' },
    '127.0.0.1:35013': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:39
connected_clients:7
sync_full:1
sync_partial_err:1
role:master
connected_slaves:1
slave0:ip=127.0.0.1,port=43493,state=online,offset=7638,lag=0
master_replid:45caa2b50076e2867d62619be6482c4d954918fb
master_replid2:72d024e9fcb856091b56bfc7f32d7badae8dd109
master_repl_offset:7638
second_repl_offset:1253`,
    },
  },
};

const SENTINEL_TWO_SENTINELS_STOPPED: SentinelCapture = {
  sentinels: {
    '127.0.0.1:39619': {
      master:
        'name mymaster ip 127.0.0.1 port 35013 runid e4dc957d1ee9767a972822a8fe98e18976ee0a02 flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 34 last-ping-reply 34 down-after-milliseconds 2000 info-refresh 9067 role-reported master role-reported-time 39504 config-epoch 2 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 35013',
      ckquorum:
        'NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master. Not enough available Sentinels to reach the majority and authorize a failover',
      replicas: [
        'name 127.0.0.1:45119 ip 127.0.0.1 port 45119 runid 4b5ee10f78051ffe34fd3319b4759a0c31bda54e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 655 last-ping-reply 655 down-after-milliseconds 2000 info-refresh 10020 role-reported master role-reported-time 10033 master-link-down-time 0 master-link-status err master-host ? master-port 0 slave-priority 100 slave-repl-offset 0 replica-announced 1',
        'name 127.0.0.1:43493 ip 127.0.0.1 port 43493 runid 4b70592ba3297afc37d48bf6dedb11a207c3d46e flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 39 last-ping-reply 39 down-after-milliseconds 2000 info-refresh 9259 role-reported slave role-reported-time 39509 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 35013 slave-priority 100 slave-repl-offset 7772 replica-announced 1',
      ],
      sentinels: [
        'name 9ee7174700a4a9da9bd97a837f7844c6422a4943 ip 127.0.0.1 port 45501 runid 9ee7174700a4a9da9bd97a837f7844c6422a4943 flags s_down,sentinel link-pending-commands 51 link-refcount 1 last-ping-sent 4596 last-ok-ping-reply 5633 last-ping-reply 5633 s-down-time 2536 down-after-milliseconds 2000 last-hello-message 5030 voted-leader ? voted-leader-epoch 0',
        'name 66cf8e91a4d79f45d2028033ffb981935cae9795 ip 127.0.0.1 port 37545 runid 66cf8e91a4d79f45d2028033ffb981935cae9795 flags s_down,sentinel link-pending-commands 51 link-refcount 1 last-ping-sent 4596 last-ok-ping-reply 5633 last-ping-reply 5633 s-down-time 2536 down-after-milliseconds 2000 last-hello-message 5962 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:37545': { error: 'Connection is closed.' },
    '127.0.0.1:45501': { error: 'Connection is closed.' },
  },
  nodes: {
    '127.0.0.1:43493': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:89
connected_clients:8
sync_full:2
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:35013
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:45caa2b50076e2867d62619be6482c4d954918fb
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:11751
second_repl_offset:-1`,
    },
    '127.0.0.1:45119': {
      config: 'min-replicas-to-write 0 min-replicas-max-lag 10',
      info: `redis_version:7.0.15
uptime_in_seconds:89
connected_clients:4
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:35013
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:45caa2b50076e2867d62619be6482c4d954918fb
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:11751
second_repl_offset:-1`,
    },
    '127.0.0.1:35013': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:89
connected_clients:7
sync_full:2
sync_partial_err:2
role:master
connected_slaves:2
slave0:ip=127.0.0.1,port=43493,state=online,offset=11617,lag=0
slave1:ip=127.0.0.1,port=45119,state=online,offset=11617,lag=0
master_replid:45caa2b50076e2867d62619be6482c4d954918fb
master_replid2:72d024e9fcb856091b56bfc7f32d7badae8dd109
master_repl_offset:11751
second_repl_offset:1253`,
    },
  },
};

const SENTINEL_REPLICA_LINK_DOWN: SentinelCapture = {
  sentinels: {
    '127.0.0.1:33593': {
      master:
        'name mymaster ip 127.0.0.1 port 45003 runid f7c7d1dc3d986c610836fd8f0d4d0686547f4201 flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 728 last-ping-reply 728 down-after-milliseconds 2000 info-refresh 4165 role-reported master role-reported-time 14223 config-epoch 0 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 45003',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:37489 ip 127.0.0.1 port 37489 runid 6cab9e1a526d67749761f949bd5f37231b12eed7 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 602 last-ping-reply 602 down-after-milliseconds 2000 info-refresh 4079 role-reported slave role-reported-time 14186 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 45003 slave-priority 100 slave-repl-offset 1645 replica-announced 1',
        'name 127.0.0.1:39451 ip 127.0.0.1 port 39451 runid 5ca79075436d8589e2b8887b7b47bf77cbb3266c flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 602 last-ping-reply 602 down-after-milliseconds 2000 info-refresh 936 role-reported slave role-reported-time 14182 master-link-down-time 11000 master-link-status err master-host 127.0.0.1 master-port 45003 slave-priority 100 slave-repl-offset 425 replica-announced 1',
      ],
      sentinels: [
        'name 86e7fa50337ca25ca7a8930cf18cd08d21b49975 ip 127.0.0.1 port 43709 runid 86e7fa50337ca25ca7a8930cf18cd08d21b49975 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 736 last-ping-reply 736 down-after-milliseconds 2000 last-hello-message 46 voted-leader ? voted-leader-epoch 0',
        'name 6295f012a9cf7104d019cca82268cbd047b9f3f1 ip 127.0.0.1 port 44561 runid 6295f012a9cf7104d019cca82268cbd047b9f3f1 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 736 last-ping-reply 736 down-after-milliseconds 2000 last-hello-message 2016 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:44561': {
      master:
        'name mymaster ip 127.0.0.1 port 45003 runid f7c7d1dc3d986c610836fd8f0d4d0686547f4201 flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 707 last-ping-reply 707 down-after-milliseconds 2000 info-refresh 4166 role-reported master role-reported-time 14248 config-epoch 0 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 45003',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:39451 ip 127.0.0.1 port 39451 runid 5ca79075436d8589e2b8887b7b47bf77cbb3266c flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 710 last-ping-reply 710 down-after-milliseconds 2000 info-refresh 1017 role-reported slave role-reported-time 14209 master-link-down-time 11000 master-link-status err master-host 127.0.0.1 master-port 45003 slave-priority 100 slave-repl-offset 425 replica-announced 1',
        'name 127.0.0.1:37489 ip 127.0.0.1 port 37489 runid 6cab9e1a526d67749761f949bd5f37231b12eed7 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 710 last-ping-reply 710 down-after-milliseconds 2000 info-refresh 4114 role-reported slave role-reported-time 14212 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 45003 slave-priority 100 slave-repl-offset 1645 replica-announced 1',
      ],
      sentinels: [
        'name 86e7fa50337ca25ca7a8930cf18cd08d21b49975 ip 127.0.0.1 port 43709 runid 86e7fa50337ca25ca7a8930cf18cd08d21b49975 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 712 last-ping-reply 712 down-after-milliseconds 2000 last-hello-message 1914 voted-leader ? voted-leader-epoch 0',
        'name 7fcab398f4255175a4223e4a7fba289c5955f0ad ip 127.0.0.1 port 33593 runid 7fcab398f4255175a4223e4a7fba289c5955f0ad flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 793 last-ping-reply 793 down-after-milliseconds 2000 last-hello-message 1879 voted-leader ? voted-leader-epoch 0',
      ],
    },
    '127.0.0.1:43709': {
      master:
        'name mymaster ip 127.0.0.1 port 45003 runid f7c7d1dc3d986c610836fd8f0d4d0686547f4201 flags master link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 791 last-ping-reply 791 down-after-milliseconds 2000 info-refresh 4148 role-reported master role-reported-time 14202 config-epoch 0 num-slaves 2 num-other-sentinels 2 quorum 2 failover-timeout 10000 parallel-syncs 1',
      addr: '127.0.0.1 45003',
      ckquorum: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      replicas: [
        'name 127.0.0.1:39451 ip 127.0.0.1 port 39451 runid 5ca79075436d8589e2b8887b7b47bf77cbb3266c flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 526 last-ping-reply 526 down-after-milliseconds 2000 info-refresh 993 role-reported slave role-reported-time 14186 master-link-down-time 11000 master-link-status err master-host 127.0.0.1 master-port 45003 slave-priority 100 slave-repl-offset 425 replica-announced 1',
        'name 127.0.0.1:37489 ip 127.0.0.1 port 37489 runid 6cab9e1a526d67749761f949bd5f37231b12eed7 flags slave link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 526 last-ping-reply 526 down-after-milliseconds 2000 info-refresh 4092 role-reported slave role-reported-time 14190 master-link-down-time 0 master-link-status ok master-host 127.0.0.1 master-port 45003 slave-priority 100 slave-repl-offset 1645 replica-announced 1',
      ],
      sentinels: [
        'name 7fcab398f4255175a4223e4a7fba289c5955f0ad ip 127.0.0.1 port 33593 runid 7fcab398f4255175a4223e4a7fba289c5955f0ad flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 797 last-ping-reply 797 down-after-milliseconds 2000 last-hello-message 1889 voted-leader ? voted-leader-epoch 0',
        'name 6295f012a9cf7104d019cca82268cbd047b9f3f1 ip 127.0.0.1 port 44561 runid 6295f012a9cf7104d019cca82268cbd047b9f3f1 flags sentinel link-pending-commands 0 link-refcount 1 last-ping-sent 0 last-ok-ping-reply 797 last-ping-reply 797 down-after-milliseconds 2000 last-hello-message 2037 voted-leader ? voted-leader-epoch 0',
      ],
    },
  },
  nodes: {
    '127.0.0.1:45003': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:15
connected_clients:7
sync_full:2
sync_partial_err:0
role:master
connected_slaves:1
slave0:ip=127.0.0.1,port=37489,state=online,offset=2449,lag=1
master_replid:18c179f2e5abcf3b1b7c7c823f08a9a608501913
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:2449
second_repl_offset:-1`,
    },
    '127.0.0.1:37489': {
      config: 'min-replicas-max-lag 10 min-replicas-to-write 0',
      info: `redis_version:7.0.15
uptime_in_seconds:15
connected_clients:8
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:45003
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:18c179f2e5abcf3b1b7c7c823f08a9a608501913
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:2449
second_repl_offset:-1`,
    },
    '127.0.0.1:39451': {
      config: 'min-replicas-to-write 0 min-replicas-max-lag 10',
      info: `redis_version:7.0.15
uptime_in_seconds:15
connected_clients:7
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:45003
master_link_status:down
master_sync_in_progress:0
master_link_down_since_seconds:12
connected_slaves:0
master_replid:18c179f2e5abcf3b1b7c7c823f08a9a608501913
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:425
second_repl_offset:-1`,
    },
  },
};

const CLUSTER_HEALTHY: ClusterCapture = {
  seenFrom: '127.0.0.1:38007',
  clusterNodes: `c269aedffd65244044d498ef1a65377ddc74a4c3 127.0.0.1:44855@38391 master - 0 1796647446908 2 connected 5461-10921
3cd8885b9029e2100cfe6d6a26fd7ad6861c341d 127.0.0.1:40917@40667 slave d5d38545d50da14b69c7ed62f2d6b5e9c1e8f97e 0 1796647446908 3 connected
0dccaa7ab5651008391c418d3f0bafb2bcda8856 127.0.0.1:38007@34679 myself,master - 0 1796647447000 1 connected 0-5460
5564b6cfc5963a7772e08e4dd05df89e77c9b597 127.0.0.1:33845@38305 slave c269aedffd65244044d498ef1a65377ddc74a4c3 0 1796647446908 2 connected
310ba8c718508e36efb2b5884a8c4884b9fe8b02 127.0.0.1:33065@37745 slave 0dccaa7ab5651008391c418d3f0bafb2bcda8856 0 1796647446908 1 connected
d5d38545d50da14b69c7ed62f2d6b5e9c1e8f97e 127.0.0.1:35157@38527 master - 0 1796647447613 3 connected 10922-16383`,
  nodes: {
    '127.0.0.1:38007': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-require-full-coverage yes cluster-node-timeout 2000',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:6
cluster_my_epoch:1`,
      info: `redis_version:7.0.15
uptime_in_seconds:3
connected_clients:1
sync_full:1
sync_partial_err:1
role:master
connected_slaves:1
slave0:ip=127.0.0.1,port=33065,state=online,offset=0,lag=0
master_replid:6763762008565708dadd4a28e92e6bba58d4430f
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
    '127.0.0.1:44855': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-require-full-coverage yes cluster-node-timeout 2000',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:6
cluster_my_epoch:2`,
      info: `redis_version:7.0.15
uptime_in_seconds:3
connected_clients:1
sync_full:1
sync_partial_err:1
role:master
connected_slaves:1
slave0:ip=127.0.0.1,port=33845,state=online,offset=0,lag=0
master_replid:a5e5aba6d0f752e477542a1d05da627370e618f5
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
    '127.0.0.1:35157': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-node-timeout 2000 cluster-require-full-coverage yes',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:6
cluster_my_epoch:3`,
      info: `redis_version:7.0.15
uptime_in_seconds:3
connected_clients:1
sync_full:1
sync_partial_err:1
role:master
connected_slaves:1
slave0:ip=127.0.0.1,port=40917,state=online,offset=0,lag=0
master_replid:3d5ef3f05206cdff91b6059ecf3ea8d983c2de0b
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
    '127.0.0.1:33065': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-node-timeout 2000 cluster-require-full-coverage yes',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:6
cluster_my_epoch:1`,
      info: `redis_version:7.0.15
uptime_in_seconds:3
connected_clients:2
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:38007
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:6763762008565708dadd4a28e92e6bba58d4430f
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
    '127.0.0.1:33845': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-require-full-coverage yes cluster-node-timeout 2000',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:6
cluster_my_epoch:2`,
      info: `redis_version:7.0.15
uptime_in_seconds:3
connected_clients:2
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:44855
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:a5e5aba6d0f752e477542a1d05da627370e618f5
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
    '127.0.0.1:40917': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-require-full-coverage yes cluster-node-timeout 2000',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:6
cluster_my_epoch:3`,
      info: `redis_version:7.0.15
uptime_in_seconds:3
connected_clients:2
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:35157
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:3d5ef3f05206cdff91b6059ecf3ea8d983c2de0b
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
  },
};

const CLUSTER_FAILED_OVER: ClusterCapture = {
  seenFrom: '127.0.0.1:44855',
  clusterNodes: `c269aedffd65244044d498ef1a65377ddc74a4c3 127.0.0.1:44855@38391 myself,master - 0 1796647461000 2 connected 5461-10921
3cd8885b9029e2100cfe6d6a26fd7ad6861c341d 127.0.0.1:40917@40667 slave d5d38545d50da14b69c7ed62f2d6b5e9c1e8f97e 0 1796647462138 3 connected
d5d38545d50da14b69c7ed62f2d6b5e9c1e8f97e 127.0.0.1:35157@38527 master - 0 1796647461739 3 connected 10922-16383
0dccaa7ab5651008391c418d3f0bafb2bcda8856 127.0.0.1:38007@34679 master,fail - 1796647448649 1796647447643 1 connected
310ba8c718508e36efb2b5884a8c4884b9fe8b02 127.0.0.1:33065@37745 master - 0 1796647462138 7 connected 0-5460
5564b6cfc5963a7772e08e4dd05df89e77c9b597 127.0.0.1:33845@38305 slave c269aedffd65244044d498ef1a65377ddc74a4c3 0 1796647462039 2 connected`,
  nodes: {
    '127.0.0.1:38007': { error: 'Connection is closed.' },
    '127.0.0.1:44855': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-require-full-coverage yes cluster-node-timeout 2000',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:7
cluster_my_epoch:2`,
      info: `redis_version:7.0.15
uptime_in_seconds:18
connected_clients:1
sync_full:1
sync_partial_err:1
role:master
connected_slaves:1
slave0:ip=127.0.0.1,port=33845,state=online,offset=14,lag=1
master_replid:a5e5aba6d0f752e477542a1d05da627370e618f5
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:14
second_repl_offset:-1`,
    },
    '127.0.0.1:35157': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-node-timeout 2000 cluster-require-full-coverage yes',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:7
cluster_my_epoch:3`,
      info: `redis_version:7.0.15
uptime_in_seconds:18
connected_clients:1
sync_full:1
sync_partial_err:1
role:master
connected_slaves:1
slave0:ip=127.0.0.1,port=40917,state=online,offset=14,lag=1
master_replid:3d5ef3f05206cdff91b6059ecf3ea8d983c2de0b
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:14
second_repl_offset:-1`,
    },
    '127.0.0.1:33065': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-node-timeout 2000 cluster-require-full-coverage yes',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:7
cluster_my_epoch:7`,
      info: `redis_version:7.0.15
uptime_in_seconds:18
connected_clients:1
sync_full:0
sync_partial_err:0
role:master
connected_slaves:0
master_replid:f2ce51e6d0859d58e8d70d50acabbb3f8421c2e8
master_replid2:6763762008565708dadd4a28e92e6bba58d4430f
master_repl_offset:0
second_repl_offset:1`,
    },
    '127.0.0.1:33845': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-require-full-coverage yes cluster-node-timeout 2000',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:7
cluster_my_epoch:2`,
      info: `redis_version:7.0.15
uptime_in_seconds:18
connected_clients:2
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:44855
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:a5e5aba6d0f752e477542a1d05da627370e618f5
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:14
second_repl_offset:-1`,
    },
    '127.0.0.1:40917': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-require-full-coverage yes cluster-node-timeout 2000',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:6
cluster_size:3
cluster_current_epoch:7
cluster_my_epoch:3`,
      info: `redis_version:7.0.15
uptime_in_seconds:18
connected_clients:2
sync_full:0
sync_partial_err:0
role:slave
master_host:127.0.0.1
master_port:35157
master_link_status:up
master_sync_in_progress:0
connected_slaves:0
master_replid:3d5ef3f05206cdff91b6059ecf3ea8d983c2de0b
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:14
second_repl_offset:-1`,
    },
  },
};

const CLUSTER_MASTER_LOST: ClusterCapture = {
  seenFrom: '127.0.0.1:34835',
  clusterNodes: `58ca99033b5e09706064b825adc9e9098a73d121 127.0.0.1:46163@33131 master,fail - 1796647485951 1796647484946 2 connected 5461-10921
5a4c641cfb3c2d79083e127a557f6c101063a382 127.0.0.1:46511@43491 master - 0 1796647490792 3 connected 10922-16383
50fc96dd9a0b70f3a76efa4d672722f61fa19faf 127.0.0.1:34835@38537 myself,master - 0 1796647490000 1 connected 0-5460`,
  nodes: {
    '127.0.0.1:34835': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-node-timeout 2000 cluster-require-full-coverage yes',
      clusterInfo: `cluster_state:fail
cluster_slots_assigned:16384
cluster_slots_ok:10923
cluster_slots_pfail:0
cluster_slots_fail:5461
cluster_known_nodes:3
cluster_size:3
cluster_current_epoch:3
cluster_my_epoch:1`,
      info: `redis_version:7.0.15
uptime_in_seconds:9
connected_clients:1
sync_full:0
sync_partial_err:0
role:master
connected_slaves:0
master_replid:cfbb9f80a69ed9fe0d70659a53c0f36b0eaee89e
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
    '127.0.0.1:46163': { error: 'Connection is closed.' },
    '127.0.0.1:46511': {
      config:
        'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-require-full-coverage yes cluster-node-timeout 2000',
      clusterInfo: `cluster_state:fail
cluster_slots_assigned:16384
cluster_slots_ok:10923
cluster_slots_pfail:0
cluster_slots_fail:5461
cluster_known_nodes:3
cluster_size:3
cluster_current_epoch:3
cluster_my_epoch:3`,
      info: `redis_version:7.0.15
uptime_in_seconds:21
connected_clients:1
sync_full:0
sync_partial_err:0
role:master
connected_slaves:0
master_replid:30873d04f1ee17337d604f2bcd853f45abd9bce3
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
  },
};

const CLUSTER_SLOTS_DELETED: ClusterCapture = {
  seenFrom: '127.0.0.1:41439',
  clusterNodes: `c56bdb3604eb824e01fc41b379895f34b424d9d5 127.0.0.1:38453@33107 master - 0 1796648168804 2 connected 5461-10921
8055929266ceb0d540a19afad93ee09b68a41fec 127.0.0.1:36609@45315 master - 0 1796648168600 3 connected 10922-16383
b4dbe6bfa670c772c5cadce8922844d17efbdc15 127.0.0.1:41439@36843 myself,master - 0 1796648168000 1 connected 100-5460`,
  nodes: {
    '127.0.0.1:41439': {
      config: 'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-node-timeout 2000',
      clusterInfo: `cluster_state:fail
cluster_slots_assigned:16284
cluster_slots_ok:16284
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:3
cluster_size:3
cluster_current_epoch:3
cluster_my_epoch:1`,
      info: `redis_version:7.0.15
uptime_in_seconds:5
connected_clients:1
sync_full:0
sync_partial_err:0
role:master
connected_slaves:0
master_replid:780fae3e9cbca20f0eea4a04ace59efb430ca38a
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
    '127.0.0.1:38453': {
      config: 'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-node-timeout 2000',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:3
cluster_size:3
cluster_current_epoch:3
cluster_my_epoch:2`,
      info: `redis_version:7.0.15
uptime_in_seconds:5
connected_clients:1
sync_full:0
sync_partial_err:0
role:master
connected_slaves:0
master_replid:d9b1c07da33b65ba6abdd7c5afa96233e89b3525
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
    '127.0.0.1:36609': {
      config: 'min-replicas-to-write 0 min-replicas-max-lag 10 cluster-node-timeout 2000',
      clusterInfo: `cluster_state:ok
cluster_slots_assigned:16384
cluster_slots_ok:16384
cluster_slots_pfail:0
cluster_slots_fail:0
cluster_known_nodes:3
cluster_size:3
cluster_current_epoch:3
cluster_my_epoch:3`,
      info: `redis_version:7.0.15
uptime_in_seconds:5
connected_clients:1
sync_full:0
sync_partial_err:0
role:master
connected_slaves:0
master_replid:4bdf443369b444fa8c752433ab350faf4a2d2368
master_replid2:0000000000000000000000000000000000000000
master_repl_offset:0
second_repl_offset:-1`,
    },
  },
};
