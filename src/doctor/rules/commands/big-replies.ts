import { replyUnbounded } from '../../../core/command-facts.js';
import { commandCalls } from '../../../core/parse-info.js';
import { formatBytes } from '../../../core/units.js';
import { defineRule } from '../define-rule.js';
import { bufferLimits, info } from '../helpers.js';

/** A slowlog entry whose reply had no bound (the collector keeps a range read's bounds: `LRANGE key 0 -1`). */
const isUnboundedRead = (command: string): boolean => {
  const [name = '', ...args] = command.split(' ');
  return replyUnbounded(name, args);
};
// A recent reply buffer of 1 MB is large for a cache; with a normal-class limit set, half of it is the line.
const RECENT_BUFFER_FLOOR = 1024 ** 2;

export default defineRule({
  id: 'big-replies',
  cause: 'output-buffer-limit',
  title: 'Commands with unbounded replies are in use',
  category: 'commands',
  severity: 'warning',
  tier: 'risk',
  needs: ['info'],
  check(e) {
    if (e.info.status !== 'ok') return undefined;
    const keysCalls = commandCalls(e.info.value, 'keys');
    const recentMax = info(e, 'client_recent_max_output_buffer') ?? 0;
    const slow = e.slowlog.status === 'ok' ? e.slowlog.value.filter((s) => isUnboundedRead(s.command)) : [];
    const normal = bufferLimits(e).limits.normal;
    const normalLimit = Math.min(
      ...[normal.hardBytes, normal.softBytes].filter((n) => n > 0),
      Number.POSITIVE_INFINITY,
    );
    // Only where a normal-class limit makes a big reply a drop; without one, the peak is often just
    // a CLIENT LIST of a large server (the doctor's own, or a dashboard's).
    const bigBuffer =
      Number.isFinite(normalLimit) && recentMax >= Math.min(RECENT_BUFFER_FLOOR, normalLimit / 2);
    if (keysCalls === 0 && slow.length === 0 && !bigBuffer) return undefined;
    const limited = Number.isFinite(normalLimit);
    return {
      severity: limited || keysCalls > 0 ? 'warning' : 'info',
      confidence: keysCalls > 0 || slow.length ? 'high' : 'medium',
      message: [
        keysCalls ? `KEYS was called ${keysCalls} time${keysCalls === 1 ? '' : 's'}` : '',
        slow.length
          ? `the slowlog holds ${slow.length} unbounded read${slow.length === 1 ? '' : 's'} (${[...new Set(slow.map((s) => s.command.split(' ')[0]))].join(', ')})`
          : '',
        bigBuffer ? `a client recently had a ${formatBytes(recentMax)} reply buffer` : '',
      ]
        .filter(Boolean)
        .join('; ')
        .replace(/^./, (c) => c.toUpperCase())
        .concat('.'),
      explanation:
        'A reply that lists a whole keyspace or a whole big collection blocks the server while it is built (every other client waits, and client-side timeouts fire) and sits in server memory until read. ' +
        (limited
          ? `This server limits normal clients' output buffers (${formatBytes(normalLimit)}), so such a reply kills the connection outright, and clients that resend it loop.`
          : 'With the default normal-class limit (none) the connection survives, but memory and latency do not.'),
      evidence: {
        keysCalls,
        client_recent_max_output_buffer: recentMax,
        unboundedSlowlogEntries: slow.slice(0, 10),
        normalLimitBytes: limited ? normalLimit : null,
      },
      fix: [
        {
          command: 'SCAN / SSCAN / HSCAN / ZSCAN with COUNT instead of KEYS, SMEMBERS, HGETALL',
          note: 'incremental, bounded replies',
        },
        { command: 'LRANGE key <start> <start+999> in pages instead of LRANGE key 0 -1' },
        {
          command: 'rename-command KEYS "" in redis.conf, or ACL SETUSER <app-user> -keys',
          note: 'stops it coming back',
        },
      ],
    };
  },
});
