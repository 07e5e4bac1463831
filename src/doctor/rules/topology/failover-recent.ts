import type { NodeAddress } from '../../../core/redis-url.js';
import { formatDuration } from '../../../core/units.js';
import type { TopologyEvidence, TopologyNode } from '../../topology/topology-evidence.js';
import type { RuleFinding } from '../define-rule.js';
import { isoTime } from '../helpers.js';
import { defineTopologyRule } from './define-topology-rule.js';
import {
  about,
  answersAs,
  clusterCli,
  clusterEpoch,
  currentMaster,
  fieldNum,
  flagsOf,
  infoNum,
  lineOf,
  listed,
  type MasterRecord,
  masterAddressOf,
  masterRecords,
  nameOf,
  nodeCli,
  promotedBySentinel,
  promotion,
  sameAddress,
  sentinelCli,
  sentinelReplicaEntries,
  slotText,
} from './topology-facts.js';

export default defineTopologyRule({
  id: 'failover-recent',
  cause: 'failover',
  title: 'A failover happened recently',
  kinds: ['sentinel', 'cluster'],
  severity: 'warning',
  tier: 'observed',
  check: (t) => (t.kind === 'sentinel' ? sentinelFailover(t) : clusterFailover(t)),
});

const RECOVERY =
  'Clients that resolve the master again (through Sentinel, or by refreshing the cluster slots) recover; clients pinned to an address keep failing or write to a replica. ' +
  'Writes the old master acknowledged after its replicas had moved away are lost when it resyncs from the new master (measured: ~500 acknowledged INCRs at 50 writes/s in one SENTINEL FAILOVER, without any client error; see min-replicas-unset).';

const SENTINEL_EXPLANATION =
  'A failover drops connections: Sentinel ends its reconfiguration of each server with CLIENT KILL TYPE normal and TYPE pubsub, so every client of the old master and of the replicas is dropped at once, and the old master, once demoted, answers writes with -READONLY and blocked commands with -UNBLOCKED. ' +
  RECOVERY;

const CLUSTER_EXPLANATION =
  'A failover drops connections: the old master is gone or cut off, so its clients lose their connections, and for its slots the cluster answers -CLUSTERDOWN until a replica wins the election (~0.7 s after the FAIL, measured with cluster-node-timeout 2000). ' +
  RECOVERY;

function sentinelFailover(t: TopologyEvidence): RuleFinding | undefined {
  const records = masterRecords(t);
  const inProgress = records.find((r) => flagsOf(r.fields).includes('failover_in_progress'));
  if (inProgress) return inProgressFinding(t, inProgress);
  const master = currentMaster(t);
  const promoted = master && promotion(master);
  const uptime = master && infoNum(master, 'uptime_in_seconds');
  // role-reported-time restarts when Sentinel switches the master; the longest any sentinel reports is
  // the closest to the switch (a sentinel that restarted since counts from its own start).
  const switched = records.filter(
    (r) => (fieldNum(r.fields, 'config-epoch') ?? 0) > 0 && r.fields['role-reported'] === 'master',
  );
  const ages = switched.flatMap((r) => fieldNum(r.fields, 'role-reported-time') ?? []);
  const agoMs = ages.length > 0 ? Math.max(...ages) : undefined;
  const sentinelsSayRecent = agoMs !== undefined && agoMs <= t.settings.recentS * 1000;
  const promotedRecently = promoted !== undefined && uptime !== undefined && uptime <= t.settings.recentS;
  if (!sentinelsSayRecent && !promotedRecently) return undefined;

  const epoch = Math.max(0, ...records.flatMap((r) => fieldNum(r.fields, 'config-epoch') ?? []));
  const old = oldMaster(t, master);
  const newName = describeAddress(master ?? t.master);
  const replaced = old ? `, replacing ${nameOf(old)}` : '';
  const when = sentinelsSayRecent
    ? `about ${formatDuration(agoMs)} ago (at ${isoTime(t.at - agoMs)}), by the longest role-reported-time of ${switched.length} sentinel(s)`
    : `within the ${formatDuration((uptime ?? 0) * 1000)} since it started (its INFO shows a promotion; the sentinels do not say when)`;
  const evidence = {
    ...(master ? about([master]) : {}),
    masterName: t.masterName ?? null,
    newMaster: newName,
    oldMaster: old ? nameOf(old) : null,
    at: sentinelsSayRecent ? isoTime(t.at - agoMs) : null,
    agoMs: sentinelsSayRecent ? agoMs : null,
    configEpoch: epoch,
    sentinels: records.map((r) => ({
      sentinel: nameOf(r.sentinel.address),
      flags: r.fields.flags ?? null,
      'config-epoch': r.fields['config-epoch'] ?? null,
      'role-reported-time': r.fields['role-reported-time'] ?? null,
      'failover-state': r.fields['failover-state'] ?? null,
    })),
    master_replid2: promoted?.master_replid2 ?? null,
    second_repl_offset: promoted?.second_repl_offset ?? null,
    uptime_in_seconds: uptime ?? null,
  };
  const fix = sentinelFix(t, master, old);
  // The sentinels' clock says recent, but the master's INFO says it was not promoted since it started:
  // a sentinel restarted after an older failover, or the master restarted since.
  const unconfirmed = sentinelsSayRecent && master?.info.status === 'ok' && promoted === undefined;
  return {
    severity: unconfirmed ? 'info' : 'warning',
    confidence: unconfirmed ? 'low' : sentinelsSayRecent && promoted ? 'high' : 'medium',
    message:
      `${newName} became the master of ${t.masterName ?? 'the set'} ${when}${replaced}; config-epoch ${epoch}.` +
      (unconfirmed
        ? ' Its INFO shows no promotion since it started (master_replid2 is zeros): a sentinel restarted after an older failover, or the master restarted since.'
        : ''),
    explanation: SENTINEL_EXPLANATION,
    evidence,
    fix,
  };
}

/** A failover under way: which master is failed over, and the replica being promoted. */
function inProgressFinding(t: TopologyEvidence, record: MasterRecord): RuleFinding {
  const failing = masterAddressOf(record.sentinel) ?? t.master;
  const candidate = t.nodes.find((n) => promotedBySentinel(t, n));
  return {
    severity: 'critical',
    confidence: 'high',
    message:
      `A failover of ${t.masterName ?? 'the master'} is in progress now: sentinel ${nameOf(record.sentinel.address)} reports failover-state ${record.fields['failover-state'] ?? 'unknown'} for master ${describeAddress(failing)}` +
      (candidate ? `, promoting ${nameOf(candidate)}.` : '.'),
    explanation: SENTINEL_EXPLANATION,
    evidence: {
      ...(failing ? about([failing]) : {}),
      masterName: t.masterName ?? null,
      oldMaster: failing ? nameOf(failing) : null,
      newMaster: candidate ? nameOf(candidate) : null,
      sentinel: nameOf(record.sentinel.address),
      flags: record.fields.flags ?? null,
      'failover-state': record.fields['failover-state'] ?? null,
      configEpoch: fieldNum(record.fields, 'config-epoch') ?? null,
    },
    fix: sentinelFix(
      t,
      candidate,
      t.nodes.find((n) => sameAddress(n, failing)),
    ),
  };
}

/** The master Sentinel replaced, when it can be told: a node Sentinel lists as a replica that still answers as a master. */
function oldMaster(t: TopologyEvidence, master: TopologyNode | undefined): TopologyNode | undefined {
  return t.nodes.find(
    (n) =>
      !sameAddress(n, master ?? t.master) &&
      !promotedBySentinel(t, n) &&
      (answersAs(n) === 'master' ||
        sentinelReplicaEntries(t, n).some((r) => r['role-reported'] === 'master')),
  );
}

const describeAddress = (a: NodeAddress | undefined): string => (a ? nameOf(a) : 'unknown');

function sentinelFix(t: TopologyEvidence, master: TopologyNode | undefined, old: TopologyNode | undefined) {
  const sentinel = masterRecords(t)[0]?.sentinel.address;
  return [
    {
      command:
        "grep -E '\\+sdown|\\+odown|\\+try-failover|user requested FAILOVER|\\+switch-master' <sentinel log file>",
      note: '+sdown/+odown before +try-failover: the master stopped answering for down-after-milliseconds (crash, restart, network, or a stall: fork, slow command, VM pause); "Executing user requested FAILOVER": someone ran SENTINEL FAILOVER',
    },
    ...(sentinel && t.masterName
      ? [
          {
            command: sentinelCli(t, sentinel, 'SENTINEL', 'MASTER', t.masterName),
            note: 'config-epoch and role-reported-time: when it switched',
          },
        ]
      : []),
    ...(old
      ? [
          {
            command: nodeCli(t, old, 'INFO', 'replication'),
            note: 'the old master: role:slave once Sentinel has converted it',
          },
        ]
      : []),
    ...(master
      ? [{ command: nodeCli(t, master, 'INFO', 'server'), note: 'the new master: uptime, version' }]
      : []),
    {
      command:
        'have clients ask Sentinel for the master on every reconnect (ioredis `sentinels` + `name`, node-redis `createSentinel`), never a fixed address',
      note: 'a client pinned to the old master gets -READONLY once it is demoted, and its writes until then are lost',
    },
  ];
}

function clusterFailover(t: TopologyEvidence): RuleFinding | undefined {
  const promoted = t.nodes.flatMap((n) => {
    const p = promotion(n);
    return p ? [{ node: n, promotion: p, uptime: infoNum(n, 'uptime_in_seconds') }] : [];
  });
  if (promoted.length === 0) return undefined;
  const recent = promoted.filter((p) => p.uptime !== undefined && p.uptime <= t.settings.recentS);
  const shown = recent.length > 0 ? recent : promoted;
  // A master that failed and lost its slots to the failover; once back it rejoins as a replica.
  const replaced = (t.cluster?.nodes ?? []).filter(
    (l) => l.role === 'master' && l.failing !== undefined && l.slotCount === 0,
  );
  const described = shown.map((p) => {
    const line = lineOf(t, p.node);
    return {
      node: nameOf(p.node),
      id: p.node.id ?? line?.id ?? null,
      configEpoch: line?.configEpoch ?? null,
      slots: line ? slotText(line.slots) : null,
      uptime_in_seconds: p.uptime ?? null,
      ...p.promotion,
    };
  });
  const names = described.map((d) => `${d.node}${d.slots ? ` (slots ${d.slots})` : ''}`);
  const epoch = clusterEpoch(t);
  const since = Math.max(...shown.map((p) => p.uptime ?? 0));
  return {
    severity: recent.length > 0 ? 'warning' : 'info',
    confidence: recent.length > 0 ? 'high' : 'low',
    message:
      `${listed(names)} ${shown.length === 1 ? 'was a replica and became a master' : 'were replicas and became masters'} ` +
      (recent.length > 0
        ? `within the last ${formatDuration(since * 1000)} (since ${shown.length === 1 ? 'it' : 'they'} started)`
        : `at some point in the ${formatDuration(since * 1000)} since ${shown.length === 1 ? 'it' : 'they'} started (nothing tells when)`) +
      (replaced.length > 0 ? `, replacing the failed ${listed(replaced.map(nameOf))}` : '') +
      `; cluster_current_epoch ${epoch ?? 'unknown'}.`,
    explanation: CLUSTER_EXPLANATION,
    evidence: {
      ...about(shown.map((p) => p.node)),
      promoted: described,
      replacedMasters: replaced.map((l) => ({ node: nameOf(l), id: l.id, status: l.failing })),
      cluster_current_epoch: epoch ?? null,
    },
    fix: [
      {
        command: `grep -E 'Marking node .* as failing|FAIL message received|Failover election won|Manual failover' <log of ${described[0]?.node}>`,
        note: 'the FAIL comes cluster-node-timeout after the old master stopped answering; "Manual failover" means someone ran CLUSTER FAILOVER',
      },
      {
        command: clusterCli(t, (shown[0] as (typeof shown)[number]).node, 'check'),
        note: 'slots, masters and replicas as the cluster sees them now',
      },
      {
        command:
          'let cluster clients refresh the slot map on MOVED and on connection errors (ioredis Cluster, node-redis createCluster do) and retry for longer than a failover',
        note: 'to move the master role back once the old master is a synced replica again: CLUSTER FAILOVER on it (no data loss)',
      },
    ],
  };
}
