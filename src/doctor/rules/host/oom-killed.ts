import { defineRule } from '../define-rule.js';
import { info } from '../helpers.js';

export default defineRule({
  id: 'oom-killed',
  cause: 'oom-kill',
  title: 'The kernel OOM killer killed a redis-server process',
  category: 'host',
  severity: 'critical',
  tier: 'observed',
  needs: ['host'],
  check(e) {
    if (e.host.status !== 'ok') return undefined;
    const kills = e.host.value.oomKills;
    if (kills.status !== 'ok') return { skip: kills.reason };
    if (kills.value.length === 0) return undefined;
    const runPids = new Set(e.log.status === 'ok' ? e.log.value.runs.map((r) => r.pid) : []);
    const currentPid = info(e, 'process_id');
    const ofServer = kills.value.filter((k) => runPids.has(k.pid));
    const last = kills.value.at(-1);
    // A killed BGSAVE/AOF-rewrite child is also "redis-server", but the server survives it and says so.
    const childKills = e.log.status === 'ok' ? (e.log.value.counts['fork-child-killed'] ?? 0) : 0;
    const onlyChildren = ofServer.length === 0 && childKills > 0;
    return {
      severity: onlyChildren ? 'info' : 'critical',
      confidence: ofServer.length ? 'high' : 'medium',
      message:
        `The kernel log shows ${kills.value.length} OOM kill${kills.value.length === 1 ? '' : 's'} of ${last?.process ?? 'redis-server'}` +
        (ofServer.length
          ? `, including pid ${ofServer.map((k) => k.pid).join(', ')} which the Redis log shows as an earlier server process.`
          : '.') +
        (last?.pid === currentPid ? '' : ` The current server is pid ${currentPid ?? '?'}.`),
      explanation:
        'When the host (or the container cgroup) runs out of memory, the kernel kills the largest process, usually Redis. Every connection drops at once, the Redis log just stops (no shutdown lines), and unsaved data is lost. ' +
        'If the killed pid is a fork child (BGSAVE/AOF rewrite, also named redis-server), the server itself survived and logged "Background saving terminated by signal 9": no connections dropped then.',
      evidence: {
        kills: kills.value.slice(-5),
        serverPidsInLog: [...runPids].filter(Boolean),
        currentPid: currentPid ?? null,
        forkChildKillsInLog: childKills,
      },
      fix: [
        {
          command:
            'CONFIG SET maxmemory <about 75% of the RAM or container limit> and a maxmemory-policy that fits the data',
          note: 'leave room for fork copy-on-write, client buffers and the allocator',
        },
        {
          command: 'sysctl vm.overcommit_memory=1',
          note: 'lets BGSAVE fork without failing; see overcommit-disabled',
        },
      ],
    };
  },
});
