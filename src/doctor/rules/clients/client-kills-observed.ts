import { commandCalls } from '../../../core/parse-info.js';
import { type Advice, defineRule } from '../define-rule.js';

export default defineRule({
  id: 'client-kills-observed',
  cause: 'client-kill',
  title: 'CLIENT KILL was used on this server',
  category: 'clients',
  severity: 'warning',
  tier: 'observed',
  needs: ['info'],
  check(e) {
    if (e.info.status !== 'ok') return undefined;
    const calls = commandCalls(e.info.value, 'client|kill');
    if (calls === 0) return undefined;
    const roleChanges =
      e.log.status === 'ok' ? e.log.value.events.filter((ev) => ev.kind === 'role-change') : [];
    const bySentinel = roleChanges.filter((ev) => ev.detail?.sentinel === 'true').length;
    const advice = advise();
    return {
      confidence: 'medium',
      message:
        `CLIENT KILL was called ${calls} time${calls === 1 ? '' : 's'} since the server started.` +
        (bySentinel
          ? ` The log shows ${bySentinel} role change(s) made in a MULTI/EXEC, as Sentinel does.`
          : ''),
      explanation: advice.explanation,
      evidence: { 'cmdstat_client|kill_calls': calls, sentinelRoleChanges: bySentinel },
      fix: advice.fix,
    };
  },
  advise,
});

/** The same advice whatever the facts: find who sends CLIENT KILL. */
function advise(): Advice {
  return {
    explanation:
      'CLIENT KILL closes connections without sending anything: the victim sees a clean close ("Socket closed unexpectedly", or ECONNRESET on its next write). ' +
      'Redis logs nothing and counts nothing per victim, so commandstats is the only trace. Sentinel kills every normal and pub/sub client on each failover reconfiguration; operators and scripts use it to clean up idle connections. ' +
      'Harmless when it is deliberate housekeeping of leaked connections and clients reconnect cleanly.',
    fix: [
      {
        command:
          'find who sends it: Sentinel (failover), an operator, a cron job or a "kill idle clients" script',
        note: 'restrict it with ACL where it should not be used: ACL SETUSER <app-user> -client|kill',
      },
    ],
  };
}
