import { protectedModeRefuses } from '../../../core/protected-mode.js';
import { type Advice, type AdviceFacts, defineRule } from '../define-rule.js';
import { adviceFacts, configSetFix, info } from '../helpers.js';
import { connectionLoadIn, topHolders } from './connected-total.js';

export default defineRule({
  id: 'maxclients-reached',
  cause: 'maxclients',
  title: 'Connections were rejected at maxclients',
  category: 'clients',
  severity: 'critical',
  tier: 'observed',
  needs: ['info'],
  check(e) {
    const rejected = info(e, 'rejected_connections') ?? 0;
    if (rejected === 0) return undefined;
    const facts = adviceFacts(e);
    const { connected, maxclients, atLimit, protectedMode, reduced, fdErrors, likelyProtected } =
      situation(facts);
    const openFiles = e.host.status === 'ok' ? e.host.value.openFilesLimit : undefined;
    const advice = advise(facts);
    return {
      severity: atLimit ? 'critical' : likelyProtected ? 'info' : 'warning',
      confidence: atLimit ? 'high' : likelyProtected ? 'low' : 'medium',
      message:
        `${rejected} connection${rejected === 1 ? ' was' : 's were'} rejected since the server started; now ${connected} of maxclients ${maxclients ?? '?'} are in use` +
        (atLimit ? ' (at the limit: new connections fail right now).' : '.') +
        (likelyProtected
          ? ' protected-mode is on without a password, so these may be protected-mode denials of non-loopback clients instead.'
          : ''),
      explanation: advice.explanation,
      evidence: {
        rejected_connections: rejected,
        connected,
        maxclients: maxclients ?? null,
        protectedModeWithoutPassword: protectedMode,
        maxclientsReducedTo: reduced ?? null,
        acceptFailures: fdErrors,
        openFilesLimit: openFiles ?? null,
        topHolders: topHolders(e),
      },
      fix: advice.fix,
    };
  },
  advise,
});

/** How full the server is, and whether protected mode may be what refused the connections. */
function situation(f: AdviceFacts) {
  const { connected, maxclients } = connectionLoadIn(f);
  const atLimit = maxclients !== undefined && connected >= maxclients;
  const nearLimit = maxclients !== undefined && connected >= maxclients * 0.9;
  // rejected_connections also counts protected-mode denials (no password, non-loopback peer).
  const protectedMode = protectedModeRefuses(f.config, f.target);
  const reduced = f.log?.events.find((ev) => ev.kind === 'maxclients-reduced')?.detail?.maxclients;
  const fdErrors = f.log?.counts['accept-failed'] ?? 0;
  const likelyProtected = protectedMode && !nearLimit;
  return { connected, maxclients, atLimit, protectedMode, reduced, fdErrors, likelyProtected };
}

function advise(facts: AdviceFacts): Advice {
  const { connected, maxclients, reduced, fdErrors, likelyProtected } = situation(facts);
  const target = Math.max((maxclients ?? 10000) * 2, connected + 1000);
  return {
    explanation:
      'At maxclients Redis answers a new connection with "-ERR max number of clients reached" and closes it (over TLS it just closes). ' +
      'node-redis 6 shows that text; ioredis shows only "write EPIPE"/"ECONNRESET" and keeps retrying. Existing connections are not dropped: reconnecting clients are the ones that fail, so a restart or failover of an app fleet can lock itself out. ' +
      'The counter is cumulative since start, so old rejections stay counted.' +
      (reduced
        ? ` The log says maxclients was reduced to ${reduced} at startup because of the open-files limit.`
        : '') +
      (fdErrors ? ` The log shows ${fdErrors} accept() failures (out of file descriptors).` : ''),
    fix: [
      {
        command:
          'find who holds the connections (`lifeline doctor` lists the top holders; or CLIENT LIST counted by name and address) and cap their pool sizes; look for connection leaks',
        note: 'a fleet of N processes × pool size P needs N×P connections plus headroom for deploys',
      },
      ...configSetFix(
        facts.target,
        'maxclients',
        String(target),
        'Redis needs maxclients + 32 open files: raise LimitNOFILE / ulimit -n first, or the value is capped',
      ),
      ...(likelyProtected
        ? [
            {
              command: 'set a password (requirepass or ACL) or bind to the intended interfaces',
              note: 'ends protected-mode denials',
            },
          ]
        : []),
    ],
  };
}
