import { defineRule } from '../define-rule.js';
import { configNumber } from '../helpers.js';
import { ownersOf, remoteOf, sample } from '../network/host-socket-facts.js';

/**
 * CLOSE_WAIT lasts from the peer's FIN until the application closes its socket: a client that reads
 * its sockets notices within milliseconds, and a pool that checks a connection before use within one
 * borrow. One or two at an instant are that moment; five or more to one server are sockets nobody is
 * reading, and the pool will hand them out (the next command fails with EPIPE/ECONNRESET).
 */
const PILE = 5;

export default defineRule({
  id: 'client-close-wait-pile',
  cause: 'idle-timeout',
  title: 'Connections from this host sit in CLOSE_WAIT: the app never noticed they were closed',
  category: 'clients',
  severity: 'warning',
  tier: 'observed',
  needs: ['hostSockets'],
  check(e) {
    if (e.hostSockets.status !== 'ok') return undefined;
    const facts = e.hostSockets.value;
    const count = facts.byState.CLOSE_WAIT ?? 0;
    if (count < PILE) return undefined;
    const closeWait = facts.sockets.filter((s) => s.state === 'CLOSE_WAIT');
    const who = ownersOf(closeWait);
    const remote = remoteOf(facts, closeWait);
    const timeout = configNumber(e, 'timeout');
    const reaped =
      timeout !== undefined && timeout > 0
        ? ` The server closes clients idle for ${timeout} s (CONFIG timeout), which is the likely closer.`
        : '';
    return {
      confidence: 'high',
      message: `${count} connections from this host to ${remote} are in CLOSE_WAIT: the server (or a middlebox) closed them and the application never closed its end${who.text ? ` — ${who.text}` : ''}.`,
      explanation:
        'CLOSE_WAIT means the peer sent FIN and the socket owner has not closed the socket. The client library did not notice: the socket is idle in a pool that does not read it, or the connection was leaked. The next command on one of them fails with EPIPE or ECONNRESET (or hangs until a timeout), and each holds a file descriptor.' +
        reaped,
      evidence: {
        closeWait: count,
        byState: facts.byState,
        processes: who.owners,
        ...(who.unowned > 0 ? { ownerNotVisible: who.unowned } : {}),
        ...(timeout !== undefined ? { timeout } : {}),
        sockets: sample(closeWait).map((s) => ({ local: s.local, pid: s.pid, comm: s.comm })),
      },
      fix: [
        {
          command: `ss -tnp state close-wait dst ${remote}`,
          note: 'lists them with their process (run as root to see every process)',
        },
        {
          command:
            'pools (generic-pool, custom pools, other languages): test a connection on borrow (PING) and evict idle ones before the server closes them; a client kept idle outside a pool: keep reading its socket and reconnect on "end"',
          note: 'a client that reads its socket, or checks it before use, sees the FIN, closes its end and reconnects',
        },
        {
          command:
            'close clients you stop using (ioredis quit()/disconnect(), node-redis close()/destroy()); create one client per process, not one per request',
          note: 'ioredis and node-redis read every socket and close on FIN: a pile under them means sockets leaked past the client, or an event loop blocked',
        },
        ...(timeout !== undefined && timeout > 0
          ? [
              {
                command: `set the pool's idle timeout below the server's timeout (${timeout} s), or raise the server's`,
              },
            ]
          : []),
      ],
    };
  },
});
