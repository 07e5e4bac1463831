import { formatDuration } from '../../../core/units.js';
import { type Advice, type AdviceFacts, defineRule } from '../define-rule.js';
import { adviceFacts, info, isoTime, redisCli } from '../helpers.js';
import { describeEnd, lastRestart } from './last-restart.js';

export default defineRule({
  id: 'server-restarted',
  cause: 'server-restart',
  title: 'The server started recently, not after a crash',
  category: 'server',
  severity: 'warning',
  tier: 'observed',
  needs: ['info'],
  check(e) {
    const uptime = info(e, 'uptime_in_seconds');
    if (uptime === undefined || uptime > e.settings.recentS) return undefined;
    const restart = lastRestart(e);
    const ago = formatDuration(uptime * 1000);
    const common = advise(adviceFacts(e));
    if (restart?.previous) {
      if (!restart.previous.endedCleanly) return undefined; // server-crashed reports this one
      return {
        confidence: 'high',
        message: `The server restarted ${ago} ago (at ${isoTime(restart.current.startedAt) ?? 'unknown'}); the previous process (pid ${restart.previous.pid ?? '?'}) ${describeEnd(restart.previous)}.`,
        evidence: {
          uptime_in_seconds: uptime,
          startedAt: isoTime(restart.current.startedAt) ?? null,
          previousPid: restart.previous.pid ?? null,
          currentPid: restart.current.pid ?? null,
          previousEnd: describeEnd(restart.previous),
        },
        ...common,
      };
    }
    if (restart) {
      return {
        severity: 'info',
        confidence: 'low',
        message: `The server started ${ago} ago; the log shows no earlier run (a first start, or the log was rotated).`,
        evidence: { uptime_in_seconds: uptime, startedAt: isoTime(restart.current.startedAt) ?? null },
        ...common,
      };
    }
    return {
      confidence: 'medium',
      message: `The server started ${ago} ago (uptime_in_seconds=${uptime}); without its log it cannot be told whether it shut down cleanly or crashed.`,
      evidence: {
        uptime_in_seconds: uptime,
        log: e.log.status === 'ok' ? 'start not in the tail' : e.log.reason,
      },
      ...common,
    };
  },
  advise,
});

function advise(facts: AdviceFacts): Advice {
  return {
    explanation:
      'Every connection closed when the process exited: clients saw "Socket closed unexpectedly" or ECONNRESET, then ECONNREFUSED until the server was back, then -LOADING while it read its data. ' +
      'Commands in flight at that moment may or may not have run, and data not persisted is gone. A planned restart (upgrade, config change, container reschedule) is harmless when clients reconnect with backoff and do not resend non-idempotent commands blindly.',
    fix: [
      {
        command: 'journalctl -u redis-server --since "-1h"   # or: kubectl describe pod <redis-pod>',
        note: 'who stopped it: an operator, a deploy, the orchestrator',
      },
      {
        command: redisCli(facts.target, 'INFO', 'server'),
        note: 'run_id and uptime_in_seconds change on every restart; watch them',
      },
    ],
  };
}
