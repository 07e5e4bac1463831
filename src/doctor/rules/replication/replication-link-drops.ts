import { defineRule } from '../define-rule.js';
import { configSetFix, info, isoTime } from '../helpers.js';

export default defineRule({
  id: 'replication-link-drops',
  cause: 'network',
  title: 'The replication link timed out or dropped',
  category: 'replication',
  severity: 'warning',
  tier: 'observed',
  needs: [],
  check(e) {
    const linkDown = e.info.status === 'ok' && e.info.value.fields.master_link_status === 'down';
    const downFor = info(e, 'master_link_down_since_seconds');
    if (e.log.status !== 'ok' && !linkDown) {
      return e.info.status === 'ok' ? undefined : { skip: 'neither INFO nor the server log is available' };
    }
    const events =
      e.log.status === 'ok'
        ? e.log.value.events.filter(
            (ev) => ev.kind === 'replication-timeout' || ev.kind === 'replication-link-lost',
          )
        : [];
    const timeouts = e.log.status === 'ok' ? (e.log.value.counts['replication-timeout'] ?? 0) : 0;
    const lost = e.log.status === 'ok' ? (e.log.value.counts['replication-link-lost'] ?? 0) : 0;
    if (!linkDown && timeouts === 0 && lost === 0) return undefined;
    const replTimeout = Number(e.config.status === 'ok' ? e.config.value['repl-timeout'] : 60) || 60;
    return {
      severity: linkDown ? 'critical' : 'warning',
      confidence: 'high',
      message: (
        (linkDown
          ? // master_link_down_since_seconds is -1 when the link never came up.
            `This replica's link to its master is down${downFor !== undefined && downFor >= 0 ? ` (for ${downFor} s)` : ' (it never came up)'}. `
          : '') +
        (timeouts || lost
          ? `The log shows ${timeouts} replication timeout(s) and ${lost} lost link(s); last at ${isoTime(events.at(-1)?.at) ?? 'unknown'}.`
          : '')
      ).trim(),
      explanation:
        'A replica that loses its master resyncs (partially if the backlog still covers the gap, fully otherwise); clients reading from it may get stale data or -MASTERDOWN, and full syncs load the master. ' +
        'Timeouts come from network trouble, a master blocked by a slow command or fork, or a replica too slow to load the RDB within repl-timeout.',
      evidence: {
        master_link_status: linkDown
          ? 'down'
          : ((e.info.status === 'ok' ? e.info.value.fields.master_link_status : undefined) ?? null),
        master_link_down_since_seconds: downFor ?? null,
        logTimeouts: timeouts,
        logLinkLost: lost,
        'repl-timeout': replTimeout,
      },
      fix: [
        ...configSetFix(
          e.target,
          'repl-timeout',
          String(replTimeout * 2),
          'run on master and replicas; gives slow syncs more time',
        ),
        {
          command: 'CONFIG SET repl-backlog-size 256mb (on the master)',
          note: 'lets a replica that reconnects resync partially instead of fully',
        },
      ],
    };
  },
});
