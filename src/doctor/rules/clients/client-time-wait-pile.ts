import { isLoopback } from '../../../core/local-server.js';
import { defineRule } from '../define-rule.js';
import { ownersOf, remoteOf } from '../network/host-socket-facts.js';

/**
 * TIME_WAIT is held by the side that closed first, for 60 s on Linux: a pool that keeps its connections
 * leaves none, a reconnect now and then a handful. 50 is at least 0.8 closes a second for a whole
 * minute, the pace of connection-churn (0.5/s) seen from the application's side.
 */
const PILE = 50;
/** Half the ephemeral port range in TIME_WAIT to one destination: connect() is close to EADDRNOTAVAIL. */
const PORTS_SHARE = 0.5;

export default defineRule({
  id: 'client-time-wait-pile',
  // TIME_WAIT says this host closed the connections, not why it reconnected: like connection-churn,
  // the cause is whatever the other findings name, or a connection opened per request.
  cause: 'unknown',
  title: 'This host closes connections to the server at a high rate (TIME_WAIT pile): churn',
  category: 'clients',
  severity: 'warning',
  tier: 'symptom',
  needs: ['hostSockets'],
  check(e) {
    if (e.hostSockets.status !== 'ok') return undefined;
    const facts = e.hostSockets.value;
    const tw = facts.timeWait;
    const count = tw?.count ?? facts.byState.TIME_WAIT ?? 0;
    if (count < PILE) return undefined;
    const remote = remoteOf(
      facts,
      facts.sockets.filter((s) => s.state === 'TIME_WAIT'),
    );
    const established = facts.sockets.filter((s) => s.state === 'ESTABLISHED');
    const who = ownersOf(established);
    const ports = tw?.localPorts ? tw.localPorts.high - tw.localPorts.low + 1 : undefined;
    // tcp_tw_reuse lets connect() take a TIME_WAIT port: 1 everywhere, 2 (the default) on loopback.
    const reuse = tw?.twReuse === 1 || (tw?.twReuse === 2 && isLoopback(e.target.host));
    const exhausting = ports !== undefined && !reuse && count >= ports * PORTS_SHARE;
    const rate =
      tw === undefined
        ? ''
        : ` — about ${tw.perSecondLastMinute}/s over the last minute, ${tw.perSecondLast10s}/s over the last 10 s`;
    return {
      severity: exhausting ? 'critical' : 'warning',
      confidence: 'high',
      message: `${count} connections from this host to ${remote} are in TIME_WAIT: this host closed them within the last 60 s${rate}.${exhausting ? ` That is ${Math.round((count / (ports ?? 1)) * 100)}% of the ${ports} local ports: new connections are about to fail with EADDRNOTAVAIL.` : ''}`,
      explanation:
        'A socket enters TIME_WAIT on the side that closes first and stays there 60 s (Linux, fixed). A pool keeps its connections open for hours; a pile of TIME_WAIT on the application host means its clients are closing and reopening connections: a client created per request, a pool with a short max lifetime, or reconnects after errors (the other findings name those). Every new connection costs a TCP handshake (plus TLS and AUTH) and the commands queued on a closing client may fail. ' +
        'Each TIME_WAIT socket to the same server also holds a local port, and without tcp_tw_reuse a host that churns faster than its port range allows gets EADDRNOTAVAIL ("Cannot assign requested address") on connect.',
      evidence: {
        timeWait: count,
        ...(tw
          ? {
              closedLast10s: tw.closedLast10s,
              perSecondLastMinute: tw.perSecondLastMinute,
              perSecondLast10s: tw.perSecondLast10s,
              ...(tw.localPorts ? { localPortRange: `${tw.localPorts.low}-${tw.localPorts.high}` } : {}),
              ...(tw.twReuse !== undefined ? { tcp_tw_reuse: tw.twReuse } : {}),
            }
          : {}),
        byState: facts.byState,
        // TIME_WAIT has no owner left; the processes connected now are where to look.
        connectedNow: who.owners,
      },
      fix: [
        {
          command: `ss -tn state time-wait dst ${remote} | wc -l`,
          note: 'run it twice a few seconds apart: a steady or growing count is ongoing churn',
        },
        {
          command: `ss -tnpo state established dst ${remote}`,
          note: 'the processes connected now; a connection with a young timer or a changing local port is a reconnecting one (run as root to see every process)',
        },
        {
          command:
            'create one client (or pool) per process at start-up and reuse it; do not connect and quit() per request; give pools a max lifetime of minutes, not seconds',
          note: 'ioredis and node-redis multiplex every command over one connection',
        },
        ...(exhausting
          ? [
              {
                command: 'sysctl -w net.ipv4.tcp_tw_reuse=1',
                note: 'lets connect() reuse TIME_WAIT ports (needs TCP timestamps, on by default); a stopgap until the churn is fixed',
              },
            ]
          : []),
      ],
    };
  },
});
