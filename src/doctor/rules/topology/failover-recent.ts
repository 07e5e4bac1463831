import { slotText } from '../../../core/cluster-slots.js';
import type { RoleChange } from '../../../core/log/role-changes.js';
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
  loggedDemotion,
  loggedPromotion,
  logOf,
  type MasterRecord,
  masterAddressOf,
  masterRecords,
  nameOf,
  nodeCli,
  noLogReason,
  promotedBySentinel,
  promotion,
  sameAddress,
  sentinelCli,
  sentinelReplicaEntries,
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
  const named = currentMaster(t);
  // A promotion Sentinel did not make (the FAILOVER command, REPLICAOF NO ONE by hand): the master the
  // sentinels name answers as a replica, and the node that answers as a promoted master is the new one.
  const behindSentinel =
    named && answersAs(named) === 'replica'
      ? t.nodes.find((n) => !sameAddress(n, named) && promotion(n) !== undefined)
      : undefined;
  const master = behindSentinel ?? named;
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
  // The new master's own log: "MASTER MODE enabled (user request …)", the exact time it was promoted.
  const logged = master ? loggedPromotion(master) : undefined;
  const loggedAt = logged?.at;
  const logAgoMs = loggedAt === undefined ? undefined : Math.max(0, t.at - loggedAt);
  const logSaysRecent = logAgoMs !== undefined && logAgoMs <= t.settings.recentS * 1000;
  if (!sentinelsSayRecent && !promotedRecently && !logSaysRecent) return undefined;

  const epoch = Math.max(0, ...records.flatMap((r) => fieldNum(r.fields, 'config-epoch') ?? []));
  // The log line is the promotion itself; role-reported-time is when a sentinel next saw it (~1 s later).
  const switchAt = loggedAt ?? (sentinelsSayRecent ? t.at - agoMs : undefined);
  const demoted = oldMasterInLog(t, master, switchAt);
  const old = oldMaster(t, master) ?? demoted?.node;
  const newName = describeAddress(master ?? t.master);
  const replaced = old ? `, replacing ${nameOf(old)}` : '';
  const when = sentinelsSayRecent
    ? `about ${formatDuration(agoMs)} ago (at ${isoTime(t.at - agoMs)}), by the longest role-reported-time of ${switched.length} sentinel(s)`
    : logSaysRecent
      ? `${formatDuration(logAgoMs)} ago (at ${isoTime(loggedAt)}), by its log (${promotionWords(logged)})`
      : `within the ${formatDuration((uptime ?? 0) * 1000)} since it started (its INFO shows a promotion; the sentinels do not say when)`;
  const logSentence =
    logged && loggedAt !== undefined && sentinelsSayRecent
      ? ` Its log: "${logged.line}" at ${isoTime(loggedAt)} (${promotionWords(logged)}).`
      : '';
  const staleSentence = demoted
    ? ` ${nameOf(demoted.node)} stayed a master ${demoted.staleMs === undefined ? 'for a while' : `for ${formatDuration(demoted.staleMs)}`} after the switch: its log shows "${demoted.change.line}" at ${isoTime(demoted.change.at)}.`
    : '';
  const evidence = {
    ...(master ? about([master]) : {}),
    masterName: t.masterName ?? null,
    newMaster: newName,
    sentinelsName: named ? nameOf(named) : null,
    oldMaster: old ? nameOf(old) : null,
    at: sentinelsSayRecent ? isoTime(t.at - agoMs) : logSaysRecent ? isoTime(loggedAt) : null,
    agoMs: sentinelsSayRecent ? agoMs : logSaysRecent ? logAgoMs : null,
    atSource: sentinelsSayRecent ? 'sentinels' : logSaysRecent ? 'log' : null,
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
    log: master
      ? logged
        ? { ...loggedChange(logged), node: nameOf(master), path: logOf(master)?.path ?? null }
        : { node: nameOf(master), unavailable: noLogReason(master) }
      : null,
    oldMasterLog: demoted
      ? {
          ...loggedChange(demoted.change),
          node: nameOf(demoted.node),
          staleMs: demoted.staleMs ?? null,
          path: logOf(demoted.node)?.path ?? null,
        }
      : null,
  };
  const fix = sentinelFix(t, master, old);
  // The sentinels' clock says recent, but the master's INFO says it was not promoted since it started:
  // a sentinel restarted after an older failover, or the master restarted since.
  const unconfirmed =
    sentinelsSayRecent && master?.info.status === 'ok' && promoted === undefined && !logSaysRecent;
  const confirmed = promoted !== undefined || logSaysRecent;
  return {
    severity: unconfirmed ? 'info' : 'warning',
    confidence: unconfirmed ? 'low' : (sentinelsSayRecent || logSaysRecent) && confirmed ? 'high' : 'medium',
    message:
      `${newName} became the master of ${t.masterName ?? 'the set'} ${when}${replaced}; config-epoch ${epoch}.` +
      logSentence +
      staleSentence +
      (behindSentinel && named
        ? ` The sentinels did not make this switch and still name ${nameOf(named)} the master, which answers as a replica: clients that ask Sentinel are sent to it and get -READONLY on writes.`
        : '') +
      (unconfirmed
        ? ' Its INFO shows no promotion since it started (master_replid2 is zeros): a sentinel restarted after an older failover, or the master restarted since.'
        : ''),
    explanation: SENTINEL_EXPLANATION,
    evidence,
    fix,
  };
}

/** A promotion in words: "REPLICAOF NO ONE, from Sentinel", "CLUSTER FAILOVER (manual)"… */
function promotionWords(c: RoleChange | undefined): string {
  if (!c) return '';
  switch (c.how) {
    case 'replicaof-no-one':
      return c.bySentinel ? 'REPLICAOF NO ONE in a MULTI/EXEC, as Sentinel sends it' : 'REPLICAOF NO ONE';
    case 'failover-command':
      return 'the FAILOVER command of its master';
    case 'cluster-manual':
      return 'CLUSTER FAILOVER, manual';
    case 'cluster-forced':
      return 'CLUSTER FAILOVER FORCE, manual';
    case 'cluster-takeover':
      return 'CLUSTER FAILOVER TAKEOVER, manual, no election';
    default:
      return 'an election after its master failed';
  }
}

/** A logged change of role as evidence: times as ISO strings, the line that says it. */
function loggedChange(c: RoleChange) {
  return {
    at: isoTime(c.at) ?? null,
    how: c.how,
    manual: c.manual ?? null,
    bySentinel: c.bySentinel ?? null,
    requestedAt: isoTime(c.requestedAt) ?? null,
    configEpoch: c.configEpoch ?? null,
    master: c.master ?? null,
    masterId: c.masterId ?? null,
    line: c.line,
  };
}

/**
 * The old master by its log: a node other than the master whose latest change of role is a master
 * turned replica (REPLICAOF from Sentinel) at or after the switch, following the new master. How long
 * it stayed a master after the switch is the time between the two lines.
 */
function oldMasterInLog(
  t: TopologyEvidence,
  master: TopologyNode | undefined,
  switchAt: number | undefined,
): { node: TopologyNode; change: RoleChange; staleMs: number | undefined } | undefined {
  if (!master) return undefined;
  for (const node of t.nodes) {
    if (sameAddress(node, master)) continue;
    const change = loggedDemotion(node);
    if (!change || (change.master !== undefined && change.master !== nameOf(master))) continue;
    // A demotion from before this failover (a node demoted earlier and never promoted since) is not it.
    if (switchAt !== undefined && change.at !== undefined && change.at < switchAt - SAME_FAILOVER_SLACK_MS)
      continue;
    const staleMs =
      switchAt !== undefined && change.at !== undefined ? Math.max(0, change.at - switchAt) : undefined;
    return { node, change, staleMs };
  }
  return undefined;
}

/** Lines of one failover on different nodes and a sentinel's clock agree within this much. */
const SAME_FAILOVER_SLACK_MS = 2000;

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
  // A master promoted since it started (INFO), or whose log shows its promotion (its latest change of role).
  const promoted = t.nodes.flatMap((n) => {
    const p = promotion(n);
    const logged = answersAs(n) === 'master' ? loggedPromotion(n) : undefined;
    return p || logged ? [{ node: n, promotion: p, logged, uptime: infoNum(n, 'uptime_in_seconds') }] : [];
  });
  if (promoted.length === 0) return undefined;
  // The log tells when; without it, uptime bounds it.
  const recentMs = t.settings.recentS * 1000;
  const isRecent = (p: (typeof promoted)[number]) =>
    p.logged?.at !== undefined
      ? t.at - p.logged.at <= recentMs
      : p.uptime !== undefined && p.uptime <= t.settings.recentS;
  const recent = promoted.filter(isRecent);
  const shown = recent.length > 0 ? recent : promoted;
  const timed = shown.filter((p) => p.logged?.at !== undefined);
  const untimed = shown.filter((p) => p.logged?.at === undefined);
  // A master that failed and lost its slots to the failover; once back it rejoins as a replica.
  const replaced = (t.cluster?.nodes ?? []).filter(
    (l) => l.role === 'master' && l.failing !== undefined && l.slotCount === 0,
  );
  const described = shown.map((p) => {
    const line = lineOf(t, p.node);
    const id = p.node.id ?? line?.id;
    const demoted = id ? demotedBy(t, id) : [];
    return {
      node: nameOf(p.node),
      id: id ?? null,
      configEpoch: line?.configEpoch ?? null,
      slots: line ? slotText(line.slots) : null,
      uptime_in_seconds: p.uptime ?? null,
      master_replid2: p.promotion?.master_replid2 ?? null,
      second_repl_offset: p.promotion?.second_repl_offset ?? null,
      log: p.logged
        ? {
            ...loggedChange(p.logged),
            agoMs: p.logged.at === undefined ? null : Math.max(0, t.at - p.logged.at),
            failed: p.logged.failed ? failedNode(t, p.logged.failed) : null,
            path: logOf(p.node)?.path ?? null,
          }
        : { unavailable: noLogReason(p.node) },
      demoted: demoted.map((d) => ({
        node: nameOf(d.node),
        at: isoTime(d.change.at) ?? null,
        manual: d.change.manual ?? false,
        line: d.change.line,
      })),
    };
  });
  const named = (p: (typeof shown)[number]) => {
    const slots = described.find((d) => d.node === nameOf(p.node))?.slots;
    return `${nameOf(p.node)}${slots ? ` (slots ${slots})` : ''}`;
  };
  const stories = timed.slice(0, 3).map((p) => clusterStory(t, p.node, p.logged as RoleChange, named(p)));
  const epoch = clusterEpoch(t);
  const since = Math.max(...untimed.map((p) => p.uptime ?? 0), 0);
  const untimedText =
    untimed.length === 0
      ? ''
      : `${listed(untimed.map(named))} ${untimed.length === 1 ? 'was a replica and became a master' : 'were replicas and became masters'} ` +
        (recent.length > 0
          ? `within the last ${formatDuration(since * 1000)} (since ${untimed.length === 1 ? 'it' : 'they'} started)`
          : `at some point in the ${formatDuration(since * 1000)} since ${untimed.length === 1 ? 'it' : 'they'} started (nothing tells when: ${noLogReason(untimed[0]?.node as TopologyNode)})`) +
        (replaced.length > 0 && timed.length === 0
          ? `, replacing the failed ${listed(replaced.map(nameOf))}`
          : '');
  const more =
    timed.length > stories.length ? [`and ${timed.length - stories.length} more (see evidence)`] : [];
  const first = (timed[0] ?? shown[0]) as (typeof shown)[number];
  const logPath = logOf(first.node)?.path;
  return {
    severity: recent.length > 0 ? 'warning' : 'info',
    confidence: recent.length > 0 || timed.length > 0 ? 'high' : 'low',
    message: `${[...stories, ...more, ...(untimedText ? [untimedText] : [])].join('; ')}; cluster_current_epoch ${epoch ?? 'unknown'}.`,
    explanation: CLUSTER_EXPLANATION,
    evidence: {
      ...about(shown.map((p) => p.node)),
      promoted: described,
      replacedMasters: replaced.map((l) => ({ node: nameOf(l), id: l.id, status: l.failing })),
      cluster_current_epoch: epoch ?? null,
    },
    fix: [
      {
        command: `grep -E 'Marking node .* as failing|FAIL message received|Failover election won|Manual failover|configEpoch set to' ${logPath ?? `<log of ${nameOf(first.node)}>`}`,
        note: 'the FAIL comes cluster-node-timeout after the old master stopped answering; "Manual failover user request accepted" means someone ran CLUSTER FAILOVER',
      },
      {
        command: clusterCli(t, first.node, 'check'),
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

/** "host:port (slots …) became a master at <time> (<ago> ago) after a failure: <old> was marked FAIL at <time> …" */
function clusterStory(t: TopologyEvidence, node: TopologyNode, c: RoleChange, named: string): string {
  const at = c.at as number;
  const when = `became a master at ${isoTime(at)} (${formatDuration(Math.max(0, t.at - at))} ago, its log: "${c.line}"${c.configEpoch === undefined ? '' : `, configEpoch ${c.configEpoch}`})`;
  const failed = c.failed ? failedNode(t, c.failed) : undefined;
  const why =
    c.how === 'cluster-election'
      ? failed
        ? `after a failure: ${failed.node ?? `node ${failed.id}`} was marked FAIL at ${failed.at ?? 'an unknown time'} (${failed.at && c.failed?.at !== undefined ? `${formatDuration(Math.max(0, at - c.failed.at))} before` : 'before'} the election)`
        : 'after a failure of its master (an election without CLUSTER FAILOVER)'
      : `by ${promotionWords(c)}${c.requestedAt === undefined ? '' : ` (accepted at ${isoTime(c.requestedAt)})`}`;
  const id = node.id ?? lineOf(t, node)?.id;
  const demoted = id ? demotedBy(t, id)[0] : undefined;
  const rejoined = demoted
    ? `; ${nameOf(demoted.node)} became its replica at ${isoTime(demoted.change.at)}${demoted.change.at !== undefined && demoted.change.at >= at ? ` (${formatDuration(demoted.change.at - at)} later)` : ''}`
    : '';
  return `${named} ${when} ${why}${rejoined}`;
}

/** The FAIL a cluster election followed: the failed node's address when the cluster still lists it. */
function failedNode(t: TopologyEvidence, failed: NonNullable<RoleChange['failed']>) {
  const line = t.cluster?.nodes.find((l) => l.id === failed.node);
  return { node: line ? nameOf(line) : null, id: failed.node, at: isoTime(failed.at) ?? null };
}

/** Masters turned replicas of the node with this id, by their own logs ("Configuration change detected"). */
function demotedBy(t: TopologyEvidence, id: string): { node: TopologyNode; change: RoleChange }[] {
  return t.nodes.flatMap((node) => {
    const change = loggedDemotion(node);
    return change?.masterId === id ? [{ node, change }] : [];
  });
}
