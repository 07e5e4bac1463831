import { formatBytes } from '../../../core/units.js';
import { defineRule } from '../define-rule.js';
import { config, configSetFix, info, logEvents, recentVictims, whoIs } from '../helpers.js';

export default defineRule({
  id: 'client-eviction',
  title: 'maxmemory-clients evicted client connections',
  category: 'clients',
  severity: 'critical',
  tier: 'observed',
  needs: [],
  check(e) {
    const counter = info(e, 'evicted_clients');
    if (counter === undefined && e.log.status !== 'ok') {
      return { skip: 'neither INFO evicted_clients (Redis 7.0+) nor the server log is available' };
    }
    const { events, count: logCount } = logEvents(e, 'client-evicted');
    if (!counter && logCount === 0) return undefined;

    const setting = config(e, 'maxmemory-clients');
    const victims = recentVictims(events);
    const last = victims.at(-1);
    const count = Math.max(counter ?? 0, logCount);
    return {
      confidence: 'high',
      message: `${count} client connection${count === 1 ? ' was' : 's were'} evicted (evicted_clients=${counter ?? 'n/a'}, maxmemory-clients=${setting ?? 'unknown'}).${last ? ` Last: ${whoIs(last)} using tot-mem=${formatBytes(Number(last['tot-mem'] ?? 0))}${last.at ? ` at ${last.at}` : ''}.` : ''}`,
      explanation:
        'With maxmemory-clients set, Redis closes the connections using the most memory (query and output buffers) whenever all clients together exceed it. ' +
        'The evicted client gets no error, only a closed or reset socket. A single large command is enough: Redis preallocates the query buffer for a declared bulk length, so one big SET can be evicted before its data arrives. ' +
        'Eviction protects the server from client memory growth; it is working as designed if the evicted clients were misbehaving.',
      evidence: {
        evicted_clients: counter ?? null,
        logEvictions: logCount,
        maxmemoryClients: setting ?? null,
        recentVictims: victims,
      },
      fix: [
        {
          command:
            "CLIENT NO-EVICT on   # sent by each connection that must survive, right after it connects (ioredis: redis.client('NO-EVICT', 'on') on 'ready')",
          note: 'it protects only the connection that sends it; running it from redis-cli protects nothing else',
        },
        ...configSetFix(
          e,
          'maxmemory-clients',
          '0',
          'disables client eviction (or raise it, e.g. 10%)',
          'client buffers can then push the server over maxmemory',
        ),
      ],
    };
  },
});
