import { formatBytesExact, parseBytes } from '../../../core/units.js';
import type { Fix } from '../../report/types.js';
import type { TopologyEvidence, TopologyNode } from '../../topology/topology-evidence.js';
import { configSetFix } from '../helpers.js';
import { defineTopologyRule } from './define-topology-rule.js';
import {
  about,
  answersAs,
  configOf,
  infoField,
  infoNum,
  nameOf,
  nodeCli,
  nodeTarget,
  sameAddress,
  sentinelReplicaEntries,
} from './topology-facts.js';

interface Link {
  replica: TopologyNode;
  master: TopologyNode | undefined;
  state: 'down' | 'syncing';
  /** master_link_down_since_seconds; -1: the link never came up. */
  downS?: number;
  /** Read from the replica's INFO, or only from Sentinel's replica list. */
  seenBy: 'info' | 'sentinel';
}

export default defineTopologyRule({
  id: 'replica-link-down',
  cause: 'network',
  title: 'A replica is not replicating from its master',
  kinds: ['sentinel', 'cluster'],
  severity: 'warning',
  tier: 'symptom',
  check(t) {
    const links = brokenLinks(t);
    if (links.length === 0) return undefined;
    // A master whose every replica is down or resyncing has no copy to fail over to.
    const orphaned = masters(t).filter((m) => {
      const mine = replicasFollowing(t, m);
      return mine.length > 0 && mine.every((r) => links.some((l) => l.replica === r));
    });
    const looping = links.filter((l) => resyncLoop(t, l));
    const fullSyncs = looping[0]?.master ? infoNum(looping[0].master, 'sync_full') : undefined;
    const onlySyncing = links.every((l) => l.state === 'syncing') && looping.length === 0;
    const describe = (l: Link) =>
      `${nameOf(l.replica)} → ${l.master ? nameOf(l.master) : (infoField(l.replica, 'master_host') ?? '?')}: ` +
      (l.state === 'syncing'
        ? 'a full sync is in progress'
        : `link down${l.downS === undefined ? '' : l.downS < 0 ? ' (it never came up)' : ` for ${l.downS} s`}`) +
      (l.seenBy === 'sentinel' ? ' (as Sentinel sees it)' : '');
    return {
      severity: onlySyncing ? 'info' : orphaned.length > 0 ? 'critical' : 'warning',
      confidence: 'high',
      message:
        `${links.map(describe).join('; ')}.` +
        (orphaned.length > 0
          ? ` ${orphaned.map(nameOf).join(', ')} ${orphaned.length === 1 ? 'has' : 'have'} no replica in sync: a failover now would lose data or find no candidate.`
          : '') +
        (looping.length > 0
          ? ` Its master has done ${fullSyncs} full syncs since it started, more than three per replica: a resync loop is likely.`
          : ''),
      explanation:
        'A replica whose link is down serves stale reads (or -MASTERDOWN with replica-serve-stale-data no) and cannot be promoted with current data; Sentinel and the cluster skip replicas that were disconnected too long. ' +
        'A full sync makes the master fork and stream its whole data set; a replica that loses the link during it starts over. A loop of full syncs (sync_full climbing) comes from a replica output buffer limit or repl-timeout too small for the data set, or a backlog (repl-backlog-size) too small for a partial resync after short drops.',
      evidence: {
        ...about(links.map((l) => l.replica)),
        links: links.map((l) => ({
          node: nameOf(l.replica),
          master: l.master ? nameOf(l.master) : null,
          state: l.state,
          seenBy: l.seenBy,
          master_link_status: infoField(l.replica, 'master_link_status') ?? null,
          master_link_down_since_seconds: l.downS ?? null,
          master_sync_in_progress: infoNum(l.replica, 'master_sync_in_progress') ?? null,
          master_sync_left_bytes: infoNum(l.replica, 'master_sync_left_bytes') ?? null,
          sync_full_on_master: l.master ? (infoNum(l.master, 'sync_full') ?? null) : null,
          sync_partial_err_on_master: l.master ? (infoNum(l.master, 'sync_partial_err') ?? null) : null,
        })),
        mastersWithoutReplicaInSync: orphaned.map(nameOf),
      },
      fix: fixes(t, links, looping),
    };
  },
});

/** Replicas whose link is down or resyncing: from their INFO, else from Sentinel's replica list. */
function brokenLinks(t: TopologyEvidence): Link[] {
  const links: Link[] = [];
  for (const n of t.nodes) {
    if (n.role !== 'replica' || n.status !== 'ok') continue; // a node that is down is node-failed's
    const master = masterOf(t, n);
    if (answersAs(n) === 'replica') {
      const syncing = infoNum(n, 'master_sync_in_progress') === 1;
      if (!syncing && infoField(n, 'master_link_status') !== 'down') continue;
      const downS = infoNum(n, 'master_link_down_since_seconds');
      links.push({
        replica: n,
        master,
        state: syncing ? 'syncing' : 'down',
        ...(downS !== undefined ? { downS } : {}),
        seenBy: 'info',
      });
    } else if (
      answersAs(n) === undefined &&
      sentinelReplicaEntries(t, n).some((r) => r['master-link-status'] === 'err')
    ) {
      links.push({ replica: n, master, state: 'down', seenBy: 'sentinel' });
    }
  }
  return links;
}

const masters = (t: TopologyEvidence): TopologyNode[] => t.nodes.filter((n) => n.role === 'master');

function masterOf(t: TopologyEvidence, replica: TopologyNode): TopologyNode | undefined {
  const host = infoField(replica, 'master_host');
  const port = infoNum(replica, 'master_port');
  const address = replica.master ?? (host && port !== undefined ? { host, port } : t.master);
  return t.nodes.find((n) => sameAddress(n, address));
}

const replicasFollowing = (t: TopologyEvidence, master: TopologyNode): TopologyNode[] =>
  t.nodes.filter((n) => n.role === 'replica' && masterOf(t, n) === master);

/** More full syncs on the master than three per replica it has, while one is down or resyncing. */
function resyncLoop(t: TopologyEvidence, l: Link): boolean {
  const full = l.master ? infoNum(l.master, 'sync_full') : undefined;
  return (
    full !== undefined &&
    l.master !== undefined &&
    full > 3 * Math.max(1, replicasFollowing(t, l.master).length)
  );
}

function fixes(t: TopologyEvidence, links: Link[], looping: Link[]): Fix[] {
  const out: Fix[] = links.slice(0, 3).map((l) => ({
    command: nodeCli(t, l.replica, 'INFO', 'replication'),
    note: 'master_link_status, master_sync_in_progress, master_link_down_since_seconds; its log says why the link dropped',
  }));
  const master = looping[0]?.master;
  if (master) {
    out.push({
      command: `grep -E 'overcoming of output buffer limits|Partial resynchronization not accepted|Disconnecting timedout replica' <log of ${nameOf(master)}>`,
      note: 'why the syncs restart: the replica output buffer limit, a backlog too small to resync partially, or repl-timeout',
    });
    const backlog = parseBytes(configOf(master, 'repl-backlog-size') ?? '');
    if (backlog !== undefined)
      out.push(
        ...configSetFix(
          nodeTarget(t, master),
          'repl-backlog-size',
          formatBytesExact(backlog * 4),
          'a larger backlog lets a replica that reconnects resync partially instead of fully',
        ),
      );
  }
  return out;
}
