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

export default defineRule({
  id: 'client-keepalive-not-armed',
  cause: 'half-open',
  title: 'Idle connections from this host have no TCP keepalive timer',
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
    if (unarmed.length === 0) return undefined;
    const armed = established.filter((s) => s.keepalive === true).length;
    const who = ownersOf(unarmed);
    const remote = remoteOf(facts, unarmed);
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
    return {
      severity,
      confidence: 'high',
      message: `${unarmed.length} idle connection${unarmed.length === 1 ? '' : 's'} from this host to ${remote} ${unarmed.length === 1 ? 'has' : 'have'} no keepalive timer armed (SO_KEEPALIVE off)${who.text ? ` — ${who.text}` : ''}; ${armed} of ${established.length} established ${established.length === 1 ? 'has' : 'have'} one.`,
      explanation:
        'Without SO_KEEPALIVE the client never learns that an idle connection died: after a NAT or load balancer dropped the flow, a server host crashed or a failover moved the address, the socket stays ESTABLISHED here and the next command waits for the retransmission timeout (about 15 minutes with net.ipv4.tcp_retries2=15) unless the library times it out. ' +
        serverSide +
        (loopback
          ? ' On loopback there is no middlebox and a dead server is closed by this kernel, so the risk is low here.'
          : ''),
      evidence: {
        unarmedIdle: unarmed.length,
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
        {
          command: `ss -tno state established dst ${remote}`,
          note: 'a socket with keepalive shows timer:(keepalive,…); run it again after the change',
        },
      ],
    };
  },
});
