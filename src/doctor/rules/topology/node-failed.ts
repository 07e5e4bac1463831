import { slotText } from '../../../core/cluster-slots.js';
import type { NodeAddress } from '../../../core/redis-url.js';
import type { Fix } from '../../report/types.js';
import type { TopologyEvidence, TopologyNode } from '../../topology/topology-evidence.js';
import { defineTopologyRule } from './define-topology-rule.js';
import {
  about,
  answeredSentinels,
  clusterCli,
  flagsOf,
  lineOf,
  nameOf,
  nodeCli,
  sameAddress,
  seenFrom,
  sentinelCli,
  sentinelReplicaEntries,
} from './topology-facts.js';

type Status = Exclude<TopologyNode['status'], 'ok'>;

interface Failed {
  address: NodeAddress;
  id?: string;
  role: 'master' | 'replica';
  status: Status;
  /** Slots it serves (Cluster). */
  slots?: string;
  /** The topology itself sees it up: only lifeline could not reach it. */
  topologySeesItUp: boolean;
  reason?: string;
}

const MEANING: Record<Status, string> = {
  sdown: 'subjectively down: a sentinel got no valid reply to PING for down-after-milliseconds',
  odown: 'objectively down: a quorum of sentinels agree it does not answer',
  pfail: 'possibly failing: a node got no reply from it within cluster-node-timeout',
  fail: 'failing: a majority of the masters agreed it does not answer',
  unreachable: 'lifeline could not read it',
};

export default defineTopologyRule({
  id: 'node-failed',
  cause: 'unknown',
  title: 'A node of the topology is down',
  kinds: ['sentinel', 'cluster'],
  severity: 'critical',
  tier: 'observed',
  check(t) {
    const failed = failedNodes(t);
    if (failed.length === 0) return undefined;
    // A master whose loss leaves data unserved: the Sentinel master, or a cluster master with slots.
    const servingMaster = (f: Failed) =>
      f.role === 'master' && !f.topologySeesItUp && (t.kind === 'sentinel' || f.slots !== undefined);
    const critical = failed.some(servingMaster);
    const onlyLifeline = failed.every((f) => f.topologySeesItUp);
    const describe = (f: Failed) =>
      `${nameOf(f.address)} (${f.role}${f.slots ? `, slots ${f.slots}` : ''}) is ${f.status} (${MEANING[f.status]}${f.reason ? `: ${f.reason}` : ''})` +
      (f.topologySeesItUp ? `, though ${t.kind === 'sentinel' ? 'Sentinel' : 'the cluster'} sees it up` : '');
    return {
      severity: critical ? 'critical' : 'warning',
      confidence: onlyLifeline ? 'medium' : 'high',
      message: `${failed.length === 1 ? 'A node is' : `${failed.length} nodes are`} down: ${failed.map(describe).join('; ')}.`,
      explanation:
        'Every connection to a node that stops answering is lost: clients see ECONNREFUSED, ECONNRESET or a timeout, depending on whether the process died, the host went away or the network path broke. ' +
        (critical
          ? t.kind === 'sentinel'
            ? 'The master is down: writes fail until Sentinel promotes a replica (down-after-milliseconds plus the election), and not at all if the sentinels cannot reach their quorum. '
            : 'A master with slots is down: keys in its slots fail (-CLUSTERDOWN on every key while cluster-require-full-coverage is yes) until one of its replicas is elected, and for good if it has none. '
          : 'A replica that is down (or a master whose slots already moved to its replica) leaves fewer copies of the data and the next failover with fewer candidates. ') +
        (onlyLifeline
          ? 'Here the topology itself sees the node up and only lifeline could not reach it: the address the node announces (NAT, containers, cluster-announce-ip / replica-announce-ip) or a firewall, TLS or ACL in lifeline’s path is the likelier problem, and clients using that address have it too.'
          : 'The topology says why it thinks so; the node’s own log and its host say why it stopped.'),
      evidence: {
        ...about(failed.map((f) => f.address)),
        failed: failed.map((f) => ({
          node: nameOf(f.address),
          id: f.id ?? null,
          role: f.role,
          status: f.status,
          slots: f.slots ?? null,
          topologySeesItUp: f.topologySeesItUp,
          reason: f.reason ?? null,
        })),
      },
      fix: failed.slice(0, 3).flatMap((f) => fixesFor(t, f)),
    };
  },
});

/** The nodes the topology or lifeline sees down, each once (t.nodes first, then CLUSTER NODES lines). */
function failedNodes(t: TopologyEvidence): Failed[] {
  const failed: Failed[] = [];
  for (const n of t.nodes) {
    if (n.status === 'ok') continue;
    const line = lineOf(t, n);
    failed.push({
      address: n,
      ...((n.id ?? line?.id) ? { id: n.id ?? line?.id } : {}),
      role: n.role,
      status: n.status,
      ...(line && line.slotCount > 0 ? { slots: slotText(line.slots) } : {}),
      topologySeesItUp: n.status === 'unreachable' && topologySeesUp(t, n),
      ...(n.info.status === 'unavailable' ? { reason: `lifeline: ${n.info.reason}` } : {}),
    });
  }
  for (const line of t.cluster?.nodes ?? []) {
    if (line.failing === undefined || failed.some((f) => sameAddress(f.address, line))) continue;
    failed.push({
      address: line,
      id: line.id,
      role: line.role,
      status: line.failing,
      ...(line.slotCount > 0 ? { slots: slotText(line.slots) } : {}),
      topologySeesItUp: false,
    });
  }
  return failed;
}

/** Sentinel or CLUSTER NODES has the node up (no down or failing flag) while lifeline could not read it. */
function topologySeesUp(t: TopologyEvidence, n: TopologyNode): boolean {
  if (t.kind === 'cluster') {
    const line = lineOf(t, n);
    return line !== undefined && line.failing === undefined && line.linkState === 'connected';
  }
  const down = (flags: string[]) => flags.includes('s_down') || flags.includes('o_down');
  if (sameAddress(n, t.master))
    return (t.sentinels ?? []).some((s) => s.master !== undefined && !down(flagsOf(s.master)));
  const entries = sentinelReplicaEntries(t, n);
  return entries.length > 0 && entries.every((r) => !down(flagsOf(r)));
}

function fixesFor(t: TopologyEvidence, f: Failed): Fix[] {
  const fixes: Fix[] = [
    {
      command: nodeCli(t, f.address, 'PING'),
      note: `${nameOf(f.address)}: then its log and host (systemctl status redis-server, kubectl describe pod, dmesg for the OOM killer)`,
    },
  ];
  if (t.kind === 'cluster' && f.role === 'master' && f.slots && !f.topologySeesItUp) {
    fixes.push({
      command: clusterCli(t, seenFrom(t) ?? f.address, 'check'),
      note: 'whether a replica took its slots over; if it has none, start it again (its keys come back only from its own RDB/AOF)',
    });
  }
  const live = seenFrom(t);
  if (f.status === 'fail' && f.id && live && (f.role === 'replica' || !f.slots)) {
    fixes.push({
      command: clusterCli(t, live, 'call', 'CLUSTER', 'FORGET', f.id),
      note: 'only if it was removed on purpose: every node must forget it within 60 s (the failed node itself errors)',
    });
  }
  const sentinel = answeredSentinels(t)[0];
  if (t.kind === 'sentinel' && f.role === 'replica' && t.masterName && sentinel) {
    fixes.push({
      command: sentinelCli(t, sentinel.address, 'SENTINEL', 'RESET', t.masterName),
      note: 'only if the replica was removed on purpose: the sentinel forgets replicas and sentinels that are gone; then on each other sentinel, 30 s apart',
    });
  }
  return fixes;
}
