import { defineRule } from '../define-rule.js';
import { configNumber } from '../helpers.js';

export default defineRule({
  id: 'somaxconn-below-backlog',
  cause: 'network',
  title: 'net.core.somaxconn caps the server tcp-backlog',
  category: 'host',
  severity: 'warning',
  tier: 'hygiene',
  needs: ['host', 'config'],
  check(e) {
    if (e.host.status !== 'ok') return undefined;
    const somaxconn = e.host.value.somaxconn;
    const backlog = configNumber(e, 'tcp-backlog');
    if (somaxconn === undefined || backlog === undefined || somaxconn >= backlog) return undefined;
    return {
      confidence: 'high',
      message: `tcp-backlog is ${backlog} but net.core.somaxconn is ${somaxconn}, so the kernel accept queue holds only ${somaxconn}.`,
      explanation:
        'During a reconnect storm (after a restart or failover) connection attempts beyond the accept queue are dropped or refused, which stretches the outage for clients. Redis logs this at start.',
      evidence: { 'tcp-backlog': backlog, 'net.core.somaxconn': somaxconn },
      fix: [
        {
          command: `sysctl net.core.somaxconn=${backlog}`,
          note: 'add it to /etc/sysctl.conf to keep it; restart Redis to apply',
        },
      ],
    };
  },
});
