import type { Detection } from './detect-context.js';

/** The first failed round after a successful one: watch keeps trying every interval. */
export function detectTargetUnreachable(
  error: string,
  lastUp: { at: number; connectedClients: number } | undefined,
  cli: (...args: string[]) => string,
): Detection {
  const full = /max number of clients|SERVER_FULL/i.test(error);
  return {
    kind: full ? 'maxclients-reached' : 'target-unreachable',
    severity: 'critical',
    confidence: full ? 'high' : 'medium',
    title: full ? 'The server refuses new connections: maxclients reached' : 'The server cannot be reached',
    message: `${error}${lastUp ? ` Last good sample ${new Date(lastUp.at).toISOString()} with ${lastUp.connectedClients} clients connected.` : ''} Applications see ECONNREFUSED, timeouts or closed sockets until it is back.`,
    explanation:
      'The process stopped (shutdown, crash, OOM kill), the host or network path is down, or the server is too busy to answer within the timeout. When it comes back, watch reports a restart if its run_id changed.',
    evidence: { error, lastUpAt: lastUp ? new Date(lastUp.at).toISOString() : null },
    fix: [
      { command: cli('PING'), note: 'does it answer from here?' },
      {
        command: 'systemctl status redis-server; journalctl -u redis-server --since -10min',
        note: 'on the server host: did the process exit, and why (look for OOM kills: dmesg -T | grep -i oom)',
      },
    ],
  };
}
