import { SERVER_KILLS } from '../../../core/server-kills.js';
import { formatBytes, formatBytesExact, parseBytes } from '../../../core/units.js';
import type { Advice, AdviceFacts } from '../define-rule.js';
import { config, configSetFix, plural } from '../helpers.js';
import { serverKillRule } from './server-kill-rule.js';

export default serverKillRule({
  id: 'query-buffer-kills',
  cause: 'query-buffer-limit',
  title: SERVER_KILLS.queryBufferKills.title,
  counter: SERVER_KILLS.queryBufferKills.field,
  logKind: 'query-buffer-kill',
  noSource: (reason) =>
    `this server has no query-buffer counter (added in Redis 7.4 / Valkey 8.0) and its log is unavailable (${reason}); pass --log`,
  describe({ counter, logCount }, e) {
    const limit = queryBufferLimit(config(e, 'client-query-buffer-limit'));
    const parts = [];
    if (counter !== undefined) parts.push(`${SERVER_KILLS.queryBufferKills.field} is ${counter} since start`);
    if (logCount > 0) parts.push(`the log shows ${plural(logCount, 'kill')}`);
    return {
      message: `${parts.join('; ')} (limit ${formatBytes(limit)}).`,
      evidence: { logKills: logCount, limitBytes: limit },
    };
  },
  held: (victim) => `with qbuf=${victim.qbuf ?? '?'} bytes`,
  advise,
});

/** client-query-buffer-limit, 1 GB (the default) when CONFIG does not say. */
const queryBufferLimit = (value: string | undefined): number => parseBytes(value ?? '') ?? 1024 ** 3;

function advise(facts: AdviceFacts): Advice {
  const limit = queryBufferLimit(facts.config?.['client-query-buffer-limit']);
  return {
    explanation:
      'A client sent a command (or a MULTI block, counted together since Redis 7.4) whose unread input grew past client-query-buffer-limit, so Redis closed the connection while the client was still writing. ' +
      'The client sees "Connection reset by peer" (ECONNRESET) or EPIPE; ioredis then resends the same command on every reconnect, forever. ' +
      'It is a bug in the writer (an unexpectedly huge value) far more often than a limit that is too small.',
    fix: [
      {
        command: 'find the writer by the name/lib-name/addr above and split or cap the values it writes',
        note: 'values of hundreds of MB in one command also block the server while they are parsed',
      },
      ...configSetFix(
        facts.target,
        'client-query-buffer-limit',
        formatBytesExact(limit * 2),
        'only if such large commands are intended',
        'lets one client use that much memory before it is cut',
      ),
    ],
  };
}
