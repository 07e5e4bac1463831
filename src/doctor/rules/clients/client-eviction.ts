import { SERVER_KILLS } from '../../../core/server-kills.js';
import { formatBytes } from '../../../core/units.js';
import type { Advice, AdviceFacts } from '../define-rule.js';
import { config, configSetFix } from '../helpers.js';
import { serverKillRule } from './server-kill-rule.js';

export default serverKillRule({
  id: 'client-eviction',
  cause: 'client-eviction',
  title: SERVER_KILLS.evictedClients.title,
  counter: SERVER_KILLS.evictedClients.field,
  logKind: 'client-evicted',
  noSource: () => 'neither INFO evicted_clients (Redis 7.0+) nor the server log is available',
  describe({ counter, ownKills, logCount }, e) {
    const setting = config(e, 'maxmemory-clients');
    const count = Math.max((counter ?? 0) - ownKills, logCount);
    return {
      message: `${count} client connection${count === 1 ? ' was' : 's were'} evicted (${SERVER_KILLS.evictedClients.field}=${counter ?? 'n/a'}, maxmemory-clients=${setting ?? 'unknown'}).`,
      evidence: { logEvictions: logCount, maxmemoryClients: setting ?? null },
    };
  },
  held: (victim) => `using tot-mem=${formatBytes(Number(victim['tot-mem'] ?? 0))}`,
  advise,
});

function advise(facts: AdviceFacts): Advice {
  return {
    explanation:
      'With maxmemory-clients set, Redis closes the connections using the most memory (query and output buffers) whenever all clients together exceed it. ' +
      'The evicted client gets no error, only a closed or reset socket. A single large command is enough: Redis preallocates the query buffer for a declared bulk length, so one big SET can be evicted before its data arrives. ' +
      'Eviction protects the server from client memory growth; it is working as designed if the evicted clients were misbehaving.',
    fix: [
      {
        command:
          "CLIENT NO-EVICT on   # sent by each connection that must survive, right after it connects (ioredis: redis.client('NO-EVICT', 'on') on 'ready')",
        note: 'it protects only the connection that sends it; running it from redis-cli protects nothing else',
      },
      ...configSetFix(
        facts.target,
        'maxmemory-clients',
        '0',
        'disables client eviction (or raise it, e.g. 10%)',
        'client buffers can then push the server over maxmemory',
      ),
    ],
  };
}
