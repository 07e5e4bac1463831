import { reapedByTimeout } from '../../../core/timeout-reaping.js';
import { type Advice, type AdviceFacts, defineRule } from '../define-rule.js';
import { adviceFacts, configNumber, configSetFix, plural, settingNumber } from '../helpers.js';

export default defineRule({
  id: 'idle-timeout-reaping',
  cause: 'idle-timeout',
  title: 'The server closes idle connections (timeout > 0)',
  category: 'clients',
  severity: 'warning',
  tier: 'risk',
  needs: ['config'],
  check(e) {
    const timeout = configNumber(e, 'timeout') ?? 0;
    if (timeout <= 0) return undefined;
    const poolIdle = e.settings.clientIdleTimeoutS;
    const closeToReap =
      e.clients.status === 'ok'
        ? e.clients.value.topIdle.filter((c) => reapedByTimeout(c) && c.idleS >= timeout * 0.5)
        : [];
    const harmless = poolIdle !== undefined && poolIdle < timeout;
    const advice = advise(adviceFacts(e));
    return {
      severity: harmless ? 'info' : 'warning',
      confidence: harmless ? 'high' : closeToReap.length ? 'high' : 'medium',
      message:
        `timeout is ${timeout} s: the server closes any normal connection idle for longer.` +
        (closeToReap.length
          ? ` ${plural(closeToReap.length, 'connection')} ${closeToReap.length === 1 ? 'is' : 'are'} already idle ${closeToReap[0]?.idleS} s or more.`
          : '') +
        (harmless ? ` Your pool drops idle connections after ${poolIdle} s, before the server does.` : ''),
      explanation: advice.explanation,
      evidence: {
        timeoutSeconds: timeout,
        clientIdleTimeoutSeconds: poolIdle ?? null,
        idleConnectionsNearTimeout: closeToReap.map((c) => ({
          id: c.id,
          addr: c.addr,
          name: c.name,
          libName: c.libName,
          idle: c.idleS,
        })),
      },
      fix: advice.fix,
    };
  },
  advise,
});

function advise(facts: AdviceFacts): Advice {
  const timeout = settingNumber(facts.config?.timeout) ?? 0;
  return {
    explanation:
      'Redis closes idle clients silently (logged only at verbose level as "Closing idle client", with no client info; no counter). ' +
      'A pooled or quiet connection then fails on its next use with "Socket closed unexpectedly", EPIPE or ECONNRESET, or the client silently reconnects and may resend a command. ' +
      'Subscribers, blocked clients (BLPOP) and replicas are exempt. Harmless when every client either keeps its connections busier than the timeout or drops idle ones first (--client-idle-timeout).',
    fix: [
      ...configSetFix(
        facts.target,
        'timeout',
        '0',
        'stops idle reaping (the Redis default); keep tcp-keepalive on to clean up dead peers',
      ),
      {
        command: `node-redis: createClient({ pingInterval: ${Math.max(1000, Math.floor((timeout * 1000) / 2))} }); ioredis: send PING on idle connections every ${Math.max(1, Math.floor(timeout / 2))} s; pools: idle timeout below ${timeout} s`,
        note: 'or keep the timeout and make clients ping or recycle connections before it',
      },
    ],
  };
}
