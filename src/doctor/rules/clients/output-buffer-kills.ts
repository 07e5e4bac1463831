import { type ClientClass, clientClass } from '../../../core/parse-client-list.js';
import { DOCTOR_CONNECTION_NAME } from '../../connect.js';
import { defineRule } from '../define-rule.js';
import { info, logEvents, plural, recentVictims, whoIs } from '../helpers.js';
import { outputBufferFixes } from './output-buffer-fix.js';

export default defineRule({
  id: 'output-buffer-kills',
  title: 'Clients were closed for exceeding client-output-buffer-limit',
  category: 'clients',
  severity: 'critical',
  tier: 'observed',
  needs: [],
  check(e) {
    const counter = info(e, 'client_output_buffer_limit_disconnections');
    if (counter === undefined && e.log.status !== 'ok') {
      return {
        skip: `this server has no output-buffer counter (added in Redis 7.4 / Valkey 8.0) and its log is unavailable (${e.log.reason}); pass --log`,
      };
    }
    const all = logEvents(e, 'output-buffer-kill');
    // A doctor run against a tiny normal-class limit may have been cut off itself: not the app's drop.
    const events = all.events.filter((ev) => ev.client?.name !== DOCTOR_CONNECTION_NAME);
    const ownKills = all.events.length - events.length;
    const logCount = all.count - ownKills;
    // The counter includes the doctor's own kills too; only the app's count.
    if (!(counter !== undefined && counter > ownKills) && logCount === 0) return undefined;

    const byClass: Partial<Record<ClientClass, number>> = {};
    for (const ev of events) {
      const cls = ev.client ? clientClass(ev.client) : 'normal';
      byClass[cls] = (byClass[cls] ?? 0) + 1;
    }
    const victims = recentVictims(events);
    const last = victims.at(-1);
    const classes = Object.keys(byClass) as ClientClass[];
    const counted =
      counter !== undefined ? `client_output_buffer_limit_disconnections is ${counter} since start` : '';
    const logged =
      logCount > 0
        ? `the log shows ${plural(logCount, 'kill')}${classes.length ? ` (${classes.map((c) => `${byClass[c]} ${c}`).join(', ')})` : ''}`
        : '';
    return {
      confidence: 'high',
      message: `${capitalize([counted, logged].filter(Boolean).join('; '))}.${last ? ` Last: ${whoIs(last)} with omem=${last.omem ?? '?'} bytes${last.at ? ` at ${last.at}` : ''}.` : ''}`,
      explanation: explain(classes),
      evidence: {
        client_output_buffer_limit_disconnections: counter ?? null,
        logKills: logCount,
        byClass,
        recentVictims: victims,
      },
      fix: outputBufferFixes(e, classes.length ? classes : ['pubsub']),
    };
  },
});

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
