import { defineRule } from '../define-rule.js';
import { configNumber, configSetFix } from '../helpers.js';

export default defineRule({
  id: 'tcp-keepalive-off',
  cause: 'half-open',
  title: 'tcp-keepalive is 0: idle connections are never probed',
  category: 'network',
  severity: 'warning',
  tier: 'risk',
  needs: ['config'],
  check(e) {
    const keepalive = configNumber(e, 'tcp-keepalive');
    if (keepalive === undefined || keepalive > 0) return undefined;
    return {
      confidence: 'high',
      message: 'tcp-keepalive is 0, so the server never sends TCP keepalive probes on client connections.',
      explanation:
        'A load balancer, NAT or firewall between app and Redis forgets an idle flow after its idle timeout (Azure Load Balancer 240 s, AWS NLB 350 s) and silently drops or resets it; the next command then hangs or fails with ECONNRESET. ' +
        'Clients that probe themselves (ioredis 6 and node-redis 6 after 30 s idle, by default) keep an L4 middlebox flow alive from their end; other clients are not covered, and without server keepalive dead peers stay forever (ghost connections counting toward maxclients). Redis has defaulted to 300 since 3.2.1.',
      evidence: { 'tcp-keepalive': keepalive },
      fix: configSetFix(
        e.target,
        'tcp-keepalive',
        '60',
        'applies to connections accepted after the change; existing ones keep their setting',
      ),
    };
  },
});
