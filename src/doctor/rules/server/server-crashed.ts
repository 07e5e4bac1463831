import { crashed, runEnd } from '../../../core/log/run-end.js';
import { formatDuration } from '../../../core/units.js';
import { type Advice, defineRule } from '../define-rule.js';
import { info, isoTime, serverNow } from '../helpers.js';
import { describeEnd, lastRestart } from './last-restart.js';

export default defineRule({
  id: 'server-crashed',
  cause: 'server-crash',
  title: 'The server restarted without a clean shutdown',
  category: 'server',
  severity: 'critical',
  tier: 'observed',
  needs: ['log'],
  check(e) {
    if (e.log.status !== 'ok') return undefined;
    const restart = lastRestart(e);
    const crashedRun = e.log.value.runs.findLast((r) => r.crashReport);
    const previous = restart?.previous;
    const uncleanRestart = previous && crashed(runEnd(previous)) ? previous : undefined;
    const victim = uncleanRestart ?? crashedRun;
    if (!victim) return undefined;
    const uptime = info(e, 'uptime_in_seconds');
    // Recent means the crash itself, not the current run: judged by the dead run's last log line.
    const now = serverNow(e);
    const recent =
      now === undefined || victim.lastLineAt === undefined
        ? uptime === undefined || uptime <= e.settings.recentS
        : now - victim.lastLineAt <= e.settings.recentS * 1000;
    const advice = advise();
    return {
      severity: recent ? 'critical' : 'info',
      confidence: 'high',
      message:
        `The previous server process (pid ${victim.pid ?? '?'}, last log line at ${isoTime(victim.lastLineAt) ?? 'unknown'}) ${describeEnd(victim)}` +
        (restart && uncleanRestart
          ? `; the current one started ${uptime !== undefined ? `${formatDuration(uptime * 1000)} ago` : `at ${isoTime(restart.current.startedAt)}`}.`
          : '.'),
      explanation: advice.explanation,
      evidence: {
        pid: victim.pid ?? null,
        lastLineAt: isoTime(victim.lastLineAt) ?? null,
        shutdownRequested: victim.shutdownRequested,
        crashReport: victim.crashReport,
        currentStartedAt: isoTime(restart?.current.startedAt) ?? null,
        uptime_in_seconds: uptime ?? null,
      },
      fix: advice.fix,
    };
  },
  advise,
});

/** The same advice whatever the facts: find who killed the process. */
function advise(): Advice {
  return {
    explanation:
      'A clean stop always writes "ready to exit, bye bye" to the log. Without it the process was killed: by the kernel OOM killer (see oom-killed and dmesg), kill -9, a container runtime after its grace period, a crash (a bug report is then in the log), or a host failure. ' +
      'Every client connection dropped at once, and writes since the last save are lost unless AOF was on.',
    fix: [
      {
        command: "dmesg -T | grep -i -E 'out of memory|killed process'",
        note: 'an OOM kill names redis-server and its pid here',
      },
      {
        command: 'journalctl -u redis-server -n 200 --no-pager',
        note: 'systemd records "killed by the OOM killer" or status=9/KILL',
      },
      {
        command: 'set maxmemory below the memory the host or container really has',
        note: 'see memory-near-limit',
      },
    ],
  };
}
