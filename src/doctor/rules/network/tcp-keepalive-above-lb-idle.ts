import { defineRule } from '../define-rule.js';
import { configNumber, configSetFix } from '../helpers.js';

/** Idle timeouts of common middleboxes, seconds (vendor documentation). */
const KNOWN_LB_IDLE = { 'Azure Load Balancer': 240, 'AWS NLB': 350 } as const;
const SMALLEST_KNOWN = Math.min(...Object.values(KNOWN_LB_IDLE));
/** keepAlive (ioredis 6) and keepAliveInitialDelay (node-redis 6) defaults. */
const CLIENT_DEFAULT_KEEPALIVE_MS = 30_000;

export default defineRule({
  id: 'tcp-keepalive-above-lb-idle',
  cause: 'lb-idle-reset',
  title: 'tcp-keepalive fires later than the load balancer idle timeout',
  category: 'network',
  severity: 'warning',
  tier: 'risk',
  needs: ['config'],
  check(e) {
    const keepalive = configNumber(e, 'tcp-keepalive');
    if (keepalive === undefined || keepalive === 0) return undefined; // tcp-keepalive-off covers 0
    const given = e.settings.lbIdleTimeoutS;
    const lbIdle = given ?? SMALLEST_KNOWN;
    if (keepalive < lbIdle) return undefined;
    const suggested = Math.max(10, Math.floor(lbIdle / 2));
    return {
      // Without --lb-idle-timeout we only know the common defaults, not that a middlebox exists.
      severity: given === undefined ? 'info' : 'warning',
      confidence: given === undefined ? 'low' : 'high',
      message:
        given === undefined
          ? `tcp-keepalive is ${keepalive} s: if a load balancer or NAT sits between clients and Redis (Azure Load Balancer idles out at 240 s, AWS NLB at 350 s), idle connections are dropped before the first probe.`
          : `tcp-keepalive is ${keepalive} s but the load balancer idle timeout is ${given} s: idle connections are dropped before the first probe.`,
      explanation:
        'A middlebox that sees no packets for its idle timeout forgets the flow; the next command then fails with ECONNRESET or hangs until a timeout, and the server keeps a ghost connection. ' +
        'Keepalive probes from either end refresh an L4 middlebox (an L7 proxy needs application traffic, such as a heartbeat PING). Pass --lb-idle-timeout to check against yours; harmless when there is no middlebox on the path.',
      evidence: {
        'tcp-keepalive': keepalive,
        lbIdleTimeoutSeconds: lbIdle,
        lbIdleTimeoutGiven: given !== undefined,
        knownDefaults: KNOWN_LB_IDLE,
      },
      fix: [
        ...configSetFix(
          e.target,
          'tcp-keepalive',
          String(suggested),
          'half the idle timeout; applies to new connections',
        ),
        // ioredis 6 and node-redis 6 already probe after 30 s idle; only advise a shorter delay.
        ...(suggested * 1000 < CLIENT_DEFAULT_KEEPALIVE_MS
          ? [
              {
                command: `ioredis: new Redis({ keepAlive: ${suggested * 1000} }); node-redis: createClient({ socket: { keepAliveInitialDelay: ${suggested * 1000} } })`,
                note: 'client-side keepalive protects the flow from the app end too',
              },
            ]
          : [
              {
                command:
                  'keep client-side TCP keepalive on (ioredis keepAlive, node-redis socket.keepAliveInitialDelay: 30000 by default)',
                note: 'clients that probe every 30 s keep an L4 middlebox flow alive from their end; an L7 proxy needs a heartbeat PING',
              },
            ]),
      ],
    };
  },
});
