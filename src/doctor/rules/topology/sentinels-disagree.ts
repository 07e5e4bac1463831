import { defineTopologyRule } from './define-topology-rule.js';
import {
  answeredSentinels,
  fieldNum,
  listed,
  masterAddressOf,
  nameOf,
  sentinelCli,
} from './topology-facts.js';

export default defineTopologyRule({
  id: 'sentinels-disagree',
  cause: 'failover',
  title: 'The sentinels give different masters or config epochs',
  kinds: ['sentinel'],
  severity: 'critical',
  tier: 'risk',
  check(t) {
    const views = answeredSentinels(t).flatMap((s) => {
      const master = masterAddressOf(s);
      return master
        ? [{ sentinel: s, master: nameOf(master), epoch: fieldNum(s.master, 'config-epoch') }]
        : [];
    });
    if (views.length < 2) return undefined;
    const byMaster = groupBy(views, (v) => v.master);
    const byEpoch = groupBy(
      views.filter((v) => v.epoch !== undefined),
      (v) => String(v.epoch),
    );
    if (byMaster.size < 2 && byEpoch.size < 2) return undefined;
    // Sentinel's own rule: the configuration with the highest epoch wins and spreads to the others.
    const newest = views.reduce((a, v) => ((v.epoch ?? -1) > (a.epoch ?? -1) ? v : a));
    const behind = views.filter((v) => v.master !== newest.master || v.epoch !== newest.epoch);
    const name = t.masterName ?? '<master-name>';
    const describe = (group: Map<string, typeof views>, what: string) =>
      [...group].map(
        ([key, vs]) => `${what} ${key} from ${listed(vs.map((v) => nameOf(v.sentinel.address)))}`,
      );
    return {
      severity: byMaster.size > 1 ? 'critical' : 'warning',
      confidence: 'high',
      message:
        (byMaster.size > 1
          ? `The sentinels name different masters for ${name}: ${describe(byMaster, 'master').join('; ')}.`
          : `The sentinels agree on the master ${newest.master} but not on the config epoch: ${describe(byEpoch, 'config-epoch').join('; ')}.`) +
        ` The newest configuration (config-epoch ${newest.epoch ?? '?'}) names ${newest.master}.`,
      explanation:
        'Clients ask one sentinel for the master: while the sentinels disagree, clients that ask different sentinels write to different servers, and whatever is written to the one that is not the master is lost when it is made a replica. ' +
        'After a failover the new configuration spreads to the other sentinels within seconds through the hello messages they publish on the servers (every 2 s), so a short disagreement while failing over is normal. ' +
        'One that lasts means a sentinel that cannot reach the new master or the other sentinels (a partition, a firewall, a wrong announce-ip), or sentinels monitoring the name with different settings.',
      evidence: {
        masterName: t.masterName ?? null,
        newestMaster: newest.master,
        newestEpoch: newest.epoch ?? null,
        byMaster: Object.fromEntries(
          [...byMaster].map(([k, vs]) => [k, vs.map((v) => nameOf(v.sentinel.address))]),
        ),
        byEpoch: Object.fromEntries(
          [...byEpoch].map(([k, vs]) => [k, vs.map((v) => nameOf(v.sentinel.address))]),
        ),
        behind: behind.map((v) => nameOf(v.sentinel.address)),
      },
      fix: [
        ...behind.slice(0, 3).map((v) => ({
          command: sentinelCli(t, v.sentinel.address, 'SENTINEL', 'SENTINELS', name),
          note: `${nameOf(v.sentinel.address)} is behind: does it see the other sentinels (flags without s_down, a recent last-hello-message)?`,
        })),
        {
          command:
            'check that every sentinel reaches every server and every other sentinel, on the addresses they announce',
          note: 'a sentinel learns a new configuration from hello messages published on the servers it monitors',
        },
      ],
    };
  },
});

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
