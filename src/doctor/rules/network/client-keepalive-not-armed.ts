import { isLoopback } from '../../../core/local-server.js';
import { defineRule } from '../define-rule.js';
import { configNumber } from '../helpers.js';
import { ownersOf, remoteOf, sample } from './host-socket-facts.js';

/**
 * A socket counts as idle when nothing is queued either way and, when ss could say, it has not sent or
 * received for a second: a socket busy with a command cannot show that its keepalive is missing.
 * One such socket is enough: the kernel's timer column is a fact, not a sample, and every socket of a
 * client without SO_KEEPALIVE is alike.
 */
const IDLE_MS = 1_000;
/**
 * The kernel arms the keepalive timer at most tcp_keepalive_time (TCP_KEEPIDLE) ahead, so a timer due
 * later than the idle the app set (plus 1 s of tick rounding) proves the socket has a longer one, such
 * as Linux's default 7200 s when setKeepAlive(true) was given no delay. A shorter one cannot be proved
 * from one read, and is the safe direction.
 */
const SLACK_MS = 1_000;

export default defineRule({
  id: 'client-keepalive-not-armed',
  cause: 'half-open',
  title: 'Idle connections from this host have no TCP keepalive timer (or a longer one than the app set)',
  category: 'network',
  severity: 'warning',
  tier: 'risk',
  needs: ['hostSockets'],
  check(e) {
    if (e.hostSockets.status !== 'ok') return undefined;
    const facts = e.hostSockets.value;
    const established = facts.sockets.filter((s) => s.state === 'ESTABLISHED');
    const idle = established.filter(
      (s) => s.txQueue === 0 && s.rxQueue === 0 && (s.idleMs === undefined || s.idleMs >= IDLE_MS),
    );
    const unarmed = idle.filter((s) => s.keepalive === false);
    const believed = e.settings.appKeepaliveS;
    // Armed and due later than the app's idle; with a probe out the timer counts the probe interval instead.
    const longer =
      believed === undefined
        ? []
        : established.filter(
            (s) =>
              s.keepalive === true &&
              s.probesOut === 0 &&
              s.timerMs !== undefined &&
              s.timerMs > believed * 1000 + SLACK_MS,
          );
    if (unarmed.length === 0 && longer.length === 0) return undefined;
    const armed = established.filter((s) => s.keepalive === true).length;
    const flagged = [...unarmed, ...longer];
    const who = ownersOf(flagged);
    const remote = remoteOf(facts, flagged);
    const serverKeepalive = configNumber(e, 'tcp-keepalive');
    const lbIdle = e.settings.lbIdleTimeoutS;
    const loopback = isLoopback(e.target.host);
    // Nobody probes the flow: the server does not, or not before a middlebox forgets it.
    const uncovered =
      serverKeepalive === undefined ||
      serverKeepalive === 0 ||
      (lbIdle !== undefined && serverKeepalive >= lbIdle);
    // On loopback there is no middlebox, and a dead server's kernel closes the sockets itself.
    const severity = loopback || !uncovered ? 'info' : 'warning';
    const serverSide =
      serverKeepalive === undefined
        ? 'The server tcp-keepalive is not known (CONFIG unavailable).'
        : serverKeepalive === 0
          ? 'The server does not probe either (tcp-keepalive 0): nothing refreshes an idle flow through a NAT or load balancer.'
          : lbIdle !== undefined && serverKeepalive >= lbIdle
            ? `The server probes after ${serverKeepalive} s idle, not before the ${lbIdle} s load balancer idle timeout.`
            : `The server probes after ${serverKeepalive} s idle, which keeps a middlebox flow alive, but only the server learns when the other end is gone.`;
    const longestS = Math.round(Math.max(0, ...longer.map((s) => s.timerMs ?? 0)) / 1000);
    const parts: string[] = [];
    if (unarmed.length > 0)
      parts.push(
        `${unarmed.length} idle connection${unarmed.length === 1 ? '' : 's'} from this host to ${remote} ${unarmed.length === 1 ? 'has' : 'have'} no keepalive timer armed (SO_KEEPALIVE off${believed !== undefined ? `, though the app believes it set ${believed} s` : ''})`,
      );
    if (longer.length > 0)
      parts.push(
        `${longer.length} connection${longer.length === 1 ? ' has its' : 's have their'} keepalive timer due later than the ${believed} s the app set (up to ${longestS} s: a longer keepalive idle${longestS > 3600 ? ", likely the kernel's default tcp_keepalive_time" : ''})`,
      );
    return {
      severity,
      confidence: 'high',
      message: `${parts.join('; ')}${who.text ? ` — ${who.text}` : ''}; ${armed} of ${established.length} established ${established.length === 1 ? 'has' : 'have'} a keepalive timer.`,
      explanation:
        (longer.length > 0
          ? `The application believes its connections probe after ${believed} s idle, but the kernel will not probe these before ${longestS} s: the keepalive option was set without its delay (Node: setKeepAlive(true) with no initialDelay keeps net.ipv4.tcp_keepalive_time, 7200 s by default), or a different library default applies. A NAT or load balancer that forgets idle flows sooner drops them unseen. `
          : '') +
        'Without SO_KEEPALIVE the client never learns that an idle connection died: after a NAT or load balancer dropped the flow, a server host crashed or a failover moved the address, the socket stays ESTABLISHED here and the next command waits for the retransmission timeout (about 15 minutes with net.ipv4.tcp_retries2=15) unless the library times it out. ' +
        serverSide +
        (loopback
          ? ' On loopback there is no middlebox and a dead server is closed by this kernel, so the risk is low here.'
          : ''),
      evidence: {
        unarmedIdle: unarmed.length,
        ...(believed !== undefined
          ? {
              appKeepaliveSeconds: believed,
              armedLonger: longer.length,
              armedLongerSockets: longer.slice(0, 10).map((s) => ({
                local: s.local,
                timerSeconds: Math.round((s.timerMs ?? 0) / 1000),
                pid: s.pid,
                comm: s.comm,
              })),
            }
          : {}),
        keepaliveArmed: armed,
        established: established.length,
        processes: who.owners,
        ...(who.unowned > 0 ? { ownerNotVisible: who.unowned } : {}),
        ...(serverKeepalive !== undefined ? { 'tcp-keepalive': serverKeepalive } : {}),
        ...(lbIdle !== undefined ? { lbIdleTimeoutSeconds: lbIdle } : {}),
        sockets: sample(unarmed).map((s) => ({ local: s.local, pid: s.pid, comm: s.comm, idleMs: s.idleMs })),
      },
      fix: [
        {
          command:
            'ioredis: new Redis({ keepAlive: 30000 }); node-redis: createClient({ socket: { keepAlive: true, keepAliveInitialDelay: 30000 } }); Node net: socket.setKeepAlive(true, 30000)',
          note: `enable SO_KEEPALIVE in the client, with a first probe well below any idle timeout on the path${lbIdle !== undefined ? ` (${lbIdle} s)` : ''}; other languages: the library's keepalive / TCP keepalive socket option`,
        },
        ...(longer.length > 0
          ? [
              {
                command: `Node: socket.setKeepAlive(true, ${(believed ?? 0) * 1000}) (the delay is what sets TCP_KEEPIDLE); other languages: set TCP_KEEPIDLE to ${believed}, or sysctl -w net.ipv4.tcp_keepalive_time=${believed} for every socket of this host`,
                note: 'give the keepalive its idle explicitly; the kernel default is 7200 s',
              },
            ]
          : []),
        {
          command: `ss -tno state established dst ${remote}`,
          note: 'a socket with keepalive shows timer:(keepalive,<due>,<probes>); the due time never exceeds its keepalive idle; run it again after the change',
        },
      ],
    };
  },
});
