import type { Fix } from '../../report/types.js';
import type { TopologyEvidence } from '../../topology/topology-evidence.js';
import type { RuleFinding } from '../define-rule.js';
import { plural } from '../helpers.js';
import { defineTopologyRule } from './define-topology-rule.js';
import {
  answeredSentinels,
  fieldNum,
  flagsOf,
  listed,
  masterRecords,
  nameOf,
  onEachSentinel,
  sentinelCli,
} from './topology-facts.js';

export default defineTopologyRule({
  id: 'sentinel-quorum-at-risk',
  cause: 'failover',
  title: 'The sentinels may not be able to fail the master over',
  kinds: ['sentinel'],
  severity: 'critical',
  tier: 'risk',
  check(t) {
    const s = standing(t);
    const name = t.masterName ?? '<master-name>';
    if (s.answered === 0) {
      return finding(t, s, 'critical', 'high', [
        `none of the ${plural(s.asked, 'sentinel')} lifeline asked answered (${s.unreachable.map((u) => `${u.sentinel}: ${u.error}`).join('; ')})`,
      ]);
    }
    const problems: string[] = [];
    let severity: 'critical' | 'warning' = 'warning';
    let confidence: 'high' | 'medium' | 'low' = 'high';
    for (const [sentinel, message] of s.ckquorumFailed) {
      problems.push(`SENTINEL CKQUORUM ${name} on ${sentinel}: ${message}`);
      severity = 'critical';
    }
    if (s.ckquorumFailed.length === 0 && s.usable < s.needed) {
      problems.push(
        `only ${s.usable} of ${s.known} sentinels are up as the sentinels see each other; a failover needs ${s.needed} (quorum ${s.quorum}, majority ${s.majority})`,
      );
      severity = 'critical';
    }
    if (s.quorum !== undefined && s.quorum > s.known) {
      problems.push(
        `the quorum ${s.quorum} is more than the ${s.known} sentinels that exist: it can never be reached`,
      );
      severity = 'critical';
    }
    if (s.known < 3) {
      problems.push(
        `only ${plural(s.known, 'sentinel')}: losing ${s.known === 1 ? 'it' : 'one'} leaves no majority to authorise a failover`,
      );
    }
    if (s.answered < s.needed && s.usable >= s.needed && s.ckquorumFailed.length === 0) {
      // The sentinels reach each other; lifeline (and maybe the application) does not reach them all.
      problems.push(
        `lifeline reached only ${s.answered} of the ${s.asked} sentinels it asked (${s.unreachable.map((u) => u.sentinel).join(', ')}); clients given the same list may not find the master either`,
      );
      confidence = problems.length === 1 ? 'low' : confidence;
    }
    if (problems.length === 0) return undefined;
    return finding(t, s, severity, confidence, problems);
  },
});

interface Standing {
  asked: number;
  answered: number;
  unreachable: { sentinel: string; error: string }[];
  /** Sentinels that exist, as far as any of them knows (num-other-sentinels + 1, or the addresses seen). */
  known: number;
  /** The most sentinels any one of them sees up, itself included (what CKQUORUM counts). */
  usable: number;
  quorum: number | undefined;
  majority: number;
  /** Sentinels that must agree: the quorum to call the master down, the majority to authorise the failover. */
  needed: number;
  ckquorumFailed: [string, string][];
}

function standing(t: TopologyEvidence): Standing {
  const views = t.sentinels ?? [];
  const answered = answeredSentinels(t);
  const records = masterRecords(t);
  const addresses = new Set(views.map((v) => nameOf(v.address)));
  for (const v of answered)
    for (const other of v.sentinels ?? []) {
      const port = fieldNum(other, 'port');
      if (other.ip && port !== undefined) addresses.add(nameOf({ host: other.ip, port }));
    }
  const others = records.flatMap((r) => fieldNum(r.fields, 'num-other-sentinels') ?? []);
  const known = Math.max(addresses.size, ...others.map((n) => n + 1));
  const up = (flags: string[]) => !flags.includes('s_down') && !flags.includes('o_down');
  const usable = Math.max(
    0,
    ...answered.map((v) => 1 + (v.sentinels ?? []).filter((o) => up(flagsOf(o))).length),
  );
  const quorums = records.flatMap((r) => fieldNum(r.fields, 'quorum') ?? []);
  const quorum = quorums.length > 0 ? Math.max(...quorums) : undefined;
  const majority = Math.floor(known / 2) + 1;
  return {
    asked: views.length,
    answered: answered.length,
    unreachable: views.flatMap((v) =>
      v.error !== undefined ? [{ sentinel: nameOf(v.address), error: v.error }] : [],
    ),
    known,
    usable,
    quorum,
    majority,
    needed: Math.max(quorum ?? 0, majority),
    ckquorumFailed: answered.flatMap((v) =>
      v.ckquorum && !v.ckquorum.ok ? [[nameOf(v.address), v.ckquorum.message] as [string, string]] : [],
    ),
  };
}

function finding(
  t: TopologyEvidence,
  s: Standing,
  severity: 'critical' | 'warning',
  confidence: 'high' | 'medium' | 'low',
  problems: string[],
): RuleFinding {
  return {
    severity,
    confidence,
    message: `Sentinel may not fail ${t.masterName ?? 'the master'} over: ${problems.join('; ')}.`,
    explanation:
      'A failover needs two votes: `quorum` sentinels must agree the master is down (+odown), and a majority of all the sentinels that ever joined must elect a leader to carry it out. ' +
      'Without them a master that dies stays down: every write and every connection to it fails until it comes back by itself, and clients asking Sentinel keep getting the dead address. ' +
      'Sentinels forget no peer on their own: one that was removed still counts in the majority until SENTINEL RESET. Run at least three, on hosts that fail independently of each other and of the master.',
    evidence: {
      quorum: s.quorum ?? null,
      knownSentinels: s.known,
      usableSentinels: s.usable,
      majority: s.majority,
      answered: s.answered,
      unreachable: s.unreachable,
      ckquorum: Object.fromEntries(
        (t.sentinels ?? []).flatMap((v) => (v.ckquorum ? [[nameOf(v.address), v.ckquorum.message]] : [])),
      ),
    },
    fix: fixes(t, s),
  };
}

function fixes(t: TopologyEvidence, s: Standing): Fix[] {
  const name = t.masterName ?? '<master-name>';
  const first = answeredSentinels(t)[0];
  const out: Fix[] = first
    ? [
        {
          command: sentinelCli(t, first.address, 'SENTINEL', 'CKQUORUM', name),
          note: 'OK once enough sentinels are back',
        },
      ]
    : [];
  if (s.unreachable.length > 0)
    out.push({
      command: `start or reach the sentinels ${listed(s.unreachable.map((u) => u.sentinel))}`,
      note: 'systemctl status redis-sentinel, kubectl get pods; from the application hosts too',
    });
  if (s.quorum !== undefined && s.quorum > s.known)
    out.push(
      ...onEachSentinel(t, ['SENTINEL', 'SET', name, 'quorum', String(s.majority)], 'on every sentinel'),
    );
  if (s.known < 3)
    out.push({
      command: `add sentinels until there are at least 3 (sentinel monitor ${name} <master-host> <master-port> 2 in each new sentinel.conf)`,
      note: 'on hosts that fail independently; they discover each other through the master',
    });
  if (first)
    out.push({
      command: sentinelCli(t, first.address, 'SENTINEL', 'RESET', name),
      note: 'after removing a sentinel for good: the others forget it and the majority shrinks (one sentinel at a time, 30 s apart)',
    });
  return out;
}
