import type { Cause } from '../core/causes.js';
import { mayReplyUnbounded } from '../core/command-facts.js';

/** Why a connection dropped, as far as the client and (after reconnecting) the server can tell. */
export type DisconnectCause = Cause;

export interface DisconnectFacts {
  /** The socket error just before the close (none: a clean EOF from the server). */
  error: { code?: string; message: string } | undefined;
  /**
   * lifeline tore the socket down itself: a missed heartbeat or a stuck command, or to follow a
   * failover (a sentinel's +switch-master, or a READONLY from a demoted master; `failover` says from
   * where to where).
   */
  killedBy: 'heartbeat' | 'watchdog' | 'failover' | undefined;
  failover?: {
    by: '+switch-master' | 'READONLY' | 'MASTERDOWN';
    from: string;
    to?: string | undefined;
    masterName?: string;
  };
  /** The server whose connection dropped ("host:port"). */
  endpoint: string;
  /** The client is back on another server than the one it lost (known on recovery). */
  movedTo?: string;
  /** ms since the server last sent anything. */
  quietMs: number;
  /** Commands written and unanswered at the time. */
  inFlight: { name: string; bytes: number }[];
  subscribed: boolean;
  /** The server's `timeout` (seconds), when it could be read at connect. */
  serverTimeoutS: number | undefined;
  /** A reconnect attempt was refused (ECONNREFUSED): nothing listens where the server was. */
  reconnectRefused: boolean;
}

/** What the server says changed across the disconnect (INFO on the new connection vs the last one). */
export interface ServerDeltas {
  /** Another server process answers: restarted, or (serverReplaced) another one that was already up. */
  runIdChanged: boolean;
  serverReplaced?: boolean;
  evictedClients: number;
  outputBufferKills: number;
  queryBufferKills: number;
  clientKills: number;
  rejectedConnections: number;
  roleChanged: boolean;
}

export interface Attribution {
  cause: DisconnectCause;
  confidence: 'high' | 'medium' | 'low';
  evidence: Record<string, unknown>;
}

const BIG_REQUEST_BYTES = 1024 * 1024;

/**
 * Pure: the facts of one disconnect (and, when known, the server's deltas) → the most likely cause.
 * Server evidence beats client-side inference.
 */
export function attribute(facts: DisconnectFacts, deltas?: ServerDeltas): Attribution {
  const evidence: Record<string, unknown> = {
    error: facts.error
      ? `${facts.error.code ?? ''} ${facts.error.message}`.trim()
      : 'EOF (the server closed)',
    quietMs: Math.round(facts.quietMs),
    inFlight: facts.inFlight.map((c) => c.name),
    ...(deltas ? { serverDeltas: deltas } : {}),
  };
  const found = (
    cause: DisconnectCause,
    confidence: Attribution['confidence'],
    extra: Record<string, unknown> = {},
  ) => ({
    cause,
    confidence,
    evidence: { ...evidence, ...extra },
  });

  if (facts.killedBy === 'failover')
    return found('failover', 'high', { killedBy: 'failover', ...facts.failover });
  if (facts.killedBy) return found('half-open', 'high', { killedBy: facts.killedBy });
  // Back on another server: whatever that one's INFO says, this connection's server was left behind.
  if (facts.movedTo) return found('failover', 'high', { from: facts.endpoint, to: facts.movedTo });
  if (deltas?.serverReplaced)
    return found('failover', 'high', { why: 'another server that was already up answers' });
  if (deltas?.runIdChanged) return found('server-restart', 'high');
  if (deltas?.roleChanged || /READONLY|MASTERDOWN|UNBLOCKED/.test(facts.error?.message ?? ''))
    return found('failover', 'high');
  if (deltas?.evictedClients) return found('client-eviction', 'high');
  if (deltas?.outputBufferKills) return found('output-buffer-limit', 'high');
  if (deltas?.queryBufferKills) return found('query-buffer-limit', 'high');
  // Refused reconnects hurt more than the kill that preceded them: name them first.
  if (deltas?.rejectedConnections) return found('maxclients', 'medium');
  if (deltas?.clientKills) return found('client-kill', 'medium');
  if (/max number of clients/.test(facts.error?.message ?? '')) return found('maxclients', 'high');

  // Refused right after the drop: the server went away (shut down, crashed, killed) rather than
  // closing this one connection; a subscriber's EOF then says nothing about its output buffer.
  if (facts.reconnectRefused)
    return found('server-restart', 'low', { why: 'the reconnect was refused: the server was down' });
  const code = facts.error?.code;
  const bytesInFlight = facts.inFlight.reduce((n, c) => n + c.bytes, 0);
  if (code === 'ETIMEDOUT') return found('half-open', 'medium');
  if (code === 'ECONNREFUSED') return found('server-restart', 'low');
  if (!facts.error) {
    if (facts.subscribed)
      return found('output-buffer-limit', 'medium', {
        why: 'subscribers are exempt from timeout; a slow subscriber is the usual EOF',
      });
    // In flight are names only, not arguments: any range read counts (core/command-facts.ts).
    if (facts.inFlight.some((c) => mayReplyUnbounded(c.name))) return found('output-buffer-limit', 'medium');
    if (
      facts.serverTimeoutS &&
      facts.inFlight.length === 0 &&
      facts.quietMs >= facts.serverTimeoutS * 1000 * 0.9
    ) {
      return found('idle-timeout', 'high', { serverTimeoutS: facts.serverTimeoutS });
    }
    return found('unknown', 'low', {
      why: 'a clean close: CLIENT KILL, a restart or a server limit; the server did not say',
    });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    if (bytesInFlight >= BIG_REQUEST_BYTES) return found('query-buffer-limit', 'medium', { bytesInFlight });
    // The server closed on a big reply while more commands were unread: the kernel turns that into a RST.
    if (facts.inFlight.some((c) => mayReplyUnbounded(c.name))) return found('output-buffer-limit', 'medium');
    if (facts.quietMs >= 1000)
      return found('lb-idle-reset', 'medium', { why: 'a reset after the connection sat idle' });
    return found('network', 'low');
  }
  return found('unknown', 'low');
}
