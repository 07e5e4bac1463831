import { formatBytes, formatBytesExact, parseBytes } from '../../../core/units.js';
import { defineRule } from '../define-rule.js';
import { config, configSetFix, info, logEvents, plural, recentVictims, whoIs } from '../helpers.js';

export default defineRule({
  id: 'query-buffer-kills',
  title: 'Clients were closed for exceeding client-query-buffer-limit',
  category: 'clients',
  severity: 'critical',
  tier: 'observed',
  needs: [],
  check(e) {
    const counter = info(e, 'client_query_buffer_limit_disconnections');
    if (counter === undefined && e.log.status !== 'ok') {
      return {
        skip: `this server has no query-buffer counter (added in Redis 7.4 / Valkey 8.0) and its log is unavailable (${e.log.reason}); pass --log`,
      };
    }
    const { events, count: logCount } = logEvents(e, 'query-buffer-kill');
    if (!counter && logCount === 0) return undefined;

    const limit = parseBytes(config(e, 'client-query-buffer-limit') ?? '') ?? 1024 ** 3;
    const victims = recentVictims(events);
    const last = victims.at(-1);
    const parts = [];
    if (counter !== undefined)
      parts.push(`client_query_buffer_limit_disconnections is ${counter} since start`);
    if (logCount > 0) parts.push(`the log shows ${plural(logCount, 'kill')}`);
    return {
      confidence: 'high',
      message: `${parts.join('; ')} (limit ${formatBytes(limit)}).${last ? ` Last: ${whoIs(last)} with qbuf=${last.qbuf ?? '?'} bytes${last.at ? ` at ${last.at}` : ''}.` : ''}`,
      explanation:
        'A client sent a command (or a MULTI block, counted together since Redis 7.4) whose unread input grew past client-query-buffer-limit, so Redis closed the connection while the client was still writing. ' +
        'The client sees "Connection reset by peer" (ECONNRESET) or EPIPE; ioredis then resends the same command on every reconnect, forever. ' +
        'It is a bug in the writer (an unexpectedly huge value) far more often than a limit that is too small.',
      evidence: {
        client_query_buffer_limit_disconnections: counter ?? null,
        logKills: logCount,
        limitBytes: limit,
        recentVictims: victims,
      },
      fix: [
        {
          command: 'find the writer by the name/lib-name/addr above and split or cap the values it writes',
          note: 'values of hundreds of MB in one command also block the server while they are parsed',
        },
        ...configSetFix(
          e,
          'client-query-buffer-limit',
          formatBytesExact(limit * 2),
          'only if such large commands are intended',
          'lets one client use that much memory before it is cut',
        ),
      ],
    };
  },
});
