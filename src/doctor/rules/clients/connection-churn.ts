import { type Advice, type AdviceFacts, defineRule } from '../define-rule.js';
import { adviceFacts, info, redisCli } from '../helpers.js';

// Little's law: average connection lifetime = uptime × connected / accepted. A pool keeps connections
// for hours; under a minute on average, with at least 500 accepted and 0.5/s, something reconnects.
const MIN_ACCEPTED = 500;
const MIN_RATE_PER_S = 0.5;
const MAX_AVG_LIFETIME_S = 60;

export default defineRule({
  id: 'connection-churn',
  cause: 'unknown',
  title: 'Connections are opened and closed far more often than a pool would',
  category: 'clients',
  severity: 'warning',
  tier: 'symptom',
  needs: ['info'],
  check(e) {
    const uptime = info(e, 'uptime_in_seconds') ?? 0;
    // Our own connection is one of them.
    const accepted = (info(e, 'total_connections_received') ?? 0) - 1;
    const connected = Math.max(info(e, 'connected_clients') ?? 1, 1);
    if (uptime < 10) return { skip: 'the server started less than 10 s ago; too early to judge churn' };
    const rate = accepted / uptime;
    const avgLifetime = (uptime * connected) / Math.max(accepted, 1);
    if (accepted < MIN_ACCEPTED || rate < MIN_RATE_PER_S || avgLifetime > MAX_AVG_LIFETIME_S)
      return undefined;
    const errors = info(e, 'total_error_replies');
    const advice = advise(adviceFacts(e));
    return {
      confidence: 'medium',
      message: `${accepted} connections accepted in ${uptime} s (${rate.toFixed(1)}/s) for ${connected} connected: an average connection lives about ${avgLifetime.toFixed(1)} s.`,
      explanation: advice.explanation,
      evidence: {
        total_connections_received: accepted + 1,
        uptime_in_seconds: uptime,
        connected_clients: connected,
        ratePerSecond: rate,
        avgLifetimeSeconds: avgLifetime,
        total_error_replies: errors ?? null,
      },
      fix: advice.fix,
    };
  },
  advise,
});

function advise(facts: AdviceFacts): Advice {
  return {
    explanation:
      'Either connections are being dropped and re-established (a reconnect storm: look at the other findings for the cause), or an application opens a connection per request. ' +
      'On Redis before 7.2 each reconnect of ioredis or node-redis also adds 2–3 errors (CLIENT SETINFO is unknown there), so total_error_replies growing in step points at reconnects. ' +
      'Monitoring agents that connect per scrape (redis_exporter) add a little steady churn and are harmless.',
    fix: [
      {
        command: redisCli(facts.target, 'CLIENT', 'LIST'),
        note: 'young connections (small age=) by addr / lib-name / name show which application reconnects',
      },
      {
        command: 'keep one long-lived client (or a pool) per process instead of connecting per request',
        note: 'a new connection costs a TCP (and TLS) handshake plus the client handshake on every request',
      },
    ],
  };
}
