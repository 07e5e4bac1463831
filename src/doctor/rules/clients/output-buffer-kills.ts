import type { LogEvent } from '../../../core/log/summarize-log.js';
import { type ClientClass, clientClass } from '../../../core/parse-client-list.js';
import { SERVER_KILLS } from '../../../core/server-kills.js';
import type { Advice, AdviceFacts } from '../define-rule.js';
import { plural } from '../helpers.js';
import { outputBufferFixes } from './output-buffer-fix.js';
import { killedIn, serverKillRule } from './server-kill-rule.js';

export default serverKillRule({
  id: 'output-buffer-kills',
  cause: 'output-buffer-limit',
  title: SERVER_KILLS.outputBufferKills.title,
  counter: SERVER_KILLS.outputBufferKills.field,
  logKind: 'output-buffer-kill',
  noSource: (reason) =>
    `this server has no output-buffer counter (added in Redis 7.4 / Valkey 8.0) and its log is unavailable (${reason}); pass --log`,
  describe({ counter, logCount, events }) {
    const byClass = killsByClass(events);
    const classes = Object.keys(byClass) as ClientClass[];
    const counted =
      counter !== undefined ? `${SERVER_KILLS.outputBufferKills.field} is ${counter} since start` : '';
    const logged =
      logCount > 0
        ? `the log shows ${plural(logCount, 'kill')}${classes.length ? ` (${classes.map((c) => `${byClass[c]} ${c}`).join(', ')})` : ''}`
        : '';
    return {
      message: `${capitalize([counted, logged].filter(Boolean).join('; '))}.`,
      evidence: { logKills: logCount, byClass },
    };
  },
  held: (victim) => `with omem=${victim.omem ?? '?'} bytes`,
  advise,
});

/** Advice for the classes of the clients killed (pubsub's when the log does not say). */
function advise(facts: AdviceFacts): Advice {
  const classes = Object.keys(killsByClass(killedIn(facts, 'output-buffer-kill'))) as ClientClass[];
  return {
    explanation: explain(classes),
    fix: outputBufferFixes(facts, classes.length ? classes : ['pubsub']),
  };
}

function killsByClass(events: LogEvent[]): Partial<Record<ClientClass, number>> {
  const byClass: Partial<Record<ClientClass, number>> = {};
  for (const ev of events) {
    const cls = ev.client ? clientClass(ev.client) : 'normal';
    byClass[cls] = (byClass[cls] ?? 0) + 1;
  }
  return byClass;
}

const BY_CLASS: Record<ClientClass, string> = {
  pubsub:
    'pubsub: the subscriber read more slowly than messages were published (a blocked event loop, a slow handler), and every message queued for it was lost with the connection.',
  normal:
    'normal: a single reply (KEYS, LRANGE 0 -1, HGETALL of a big key) was larger than the limit; it is killed however fast the client reads, and ioredis resends it on every reconnect, forever.',
  replica:
    'replica: the replica could not keep up during a sync, so it will resync (fully, if the backlog is too small).',
  master: '',
};

function explain(classes: ClientClass[]): string {
  return [
    'Redis closed these connections because the replies queued for them grew past client-output-buffer-limit for their class. The client gets no error, only a closed socket ("Socket closed unexpectedly", ECONNRESET).',
    ...(classes.length ? classes : (['pubsub', 'normal', 'replica'] as ClientClass[])).map(
      (c) => BY_CLASS[c],
    ),
    'It is harmless only when the killed client was a one-off tool (redis-cli MONITOR, a debugging session).',
  ]
    .filter(Boolean)
    .join(' ');
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
