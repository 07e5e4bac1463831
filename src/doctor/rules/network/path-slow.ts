import { defineRule } from '../define-rule.js';

/**
 * Thresholds (docs/rules/path-slow.md). An application and its Redis share a region: the round trip is
 * 0.1–2 ms and Redis answers PING in microseconds, so a median of 20 ms is another region, a saturated
 * link or an overloaded proxy on the path. A PING of 200 ms or more waited as long as Linux's minimum
 * retransmission timeout: a lost segment, or a server that stalled; two of them are needed, since one
 * alone can be this host pausing (a busy CPU, a GC). The TCP connect is answered by a kernel (the
 * server's or the first proxy's), not by Redis, but it is one sample: 100 ms is a path that is far or
 * queueing, and 1 s or more is a SYN that was lost and sent again.
 */
export const PATH_SLOW = { p50Ms: 20, stallMs: 200, stalls: 2, connectMs: 100, synRetryMs: 1_000 } as const;

export default defineRule({
  id: 'path-slow',
  cause: 'network',
  title: 'From this host the server is slow to reach: slow round trips, stalls or a reset',
  category: 'network',
  severity: 'warning',
  tier: 'symptom',
  // The probe is not an EvidenceSource (it is absent from captured evidence): checked below.
  needs: [],
  check(e) {
    const probe = e.pathProbe;
    if (probe === undefined) return { skip: 'no path probe in this evidence' };
    if (probe.status !== 'ok') return { skip: probe.reason };
    const p = probe.value;
    if (p.failure?.serverSaid !== undefined)
      return { skip: `the server refused the probe ("${p.failure.serverSaid}"), not the path` };
    const reasons: string[] = [];
    if (p.failure)
      reasons.push(
        `the probe connection ${p.failure.kind === 'timeout' ? 'timed out' : p.failure.kind === 'refused' ? 'was refused' : p.failure.kind === 'reset' ? 'was reset' : p.failure.kind === 'closed' ? 'was closed by the other end' : 'failed'} after ${p.pingsAnswered} of ${p.pingsPlanned} PINGs (${p.failure.message})`,
      );
    const connectSlow = p.connectMs !== undefined && p.connectMs >= PATH_SLOW.connectMs;
    if (p.connectMs !== undefined && p.connectMs >= PATH_SLOW.synRetryMs)
      reasons.push(`the TCP connect took ${p.connectMs} ms: a SYN was lost and sent again`);
    else if (connectSlow) reasons.push(`the TCP connect took ${p.connectMs} ms`);
    if (p.p50Ms !== undefined && p.p50Ms >= PATH_SLOW.p50Ms)
      reasons.push(`the median PING round trip is ${p.p50Ms} ms`);
    const stalls = p.samplesMs.filter((ms) => ms >= PATH_SLOW.stallMs).length;
    if (stalls >= PATH_SLOW.stalls)
      reasons.push(
        `${stalls} of ${p.pingsAnswered} PINGs took ${PATH_SLOW.stallMs} ms or more, up to ${p.maxMs} ms (retransmission timeouts, or stalls)`,
      );
    if (reasons.length === 0) return undefined;
    const figures = [
      p.connectMs !== undefined ? `connect ${p.connectMs} ms` : undefined,
      p.tlsMs !== undefined ? `TLS ${p.tlsMs} ms` : undefined,
      p.p50Ms !== undefined ? `PING p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms over ${p.pingsAnswered}` : undefined,
    ].filter(Boolean);
    const host = p.address.replace(/^\[?(.*?)\]?:\d+$/, '$1');
    const port = p.address.replace(/^.*:/, '');
    return {
      severity: p.failure ? 'critical' : 'warning',
      // The kernel answers a connect: a slow one, or a failure, is the path. Slow PINGs alone may be a busy server.
      confidence: p.failure || connectSlow ? 'high' : 'medium',
      message: `From this host, ${p.address}: ${reasons.join('; ')}${figures.length ? ` (${figures.join('; ')})` : ''}.`,
      explanation:
        'The doctor opened one connection from this host and sent PINGs one at a time, as a person would with telnet and redis-cli. A Redis in the same region answers in about a millisecond. Slow round trips make every command of the application slow and push it past its command timeout, after which the client drops the connection and reconnects; a stall of 200 ms or more is a retransmission timeout (loss) or a server that blocked; a reset or an unanswered PING is the connection being dropped right now.' +
        (connectSlow || p.failure
          ? ''
          : ' The TCP connect was fast, so the path up to the first hop that answers SYNs is fine: if the median is slow while the server is idle, look at proxies or TLS terminators on the path; if LATENCY LATEST or SLOWLOG show stalls, the server is the slow part.'),
      evidence: {
        address: p.address,
        ...(p.connectMs !== undefined ? { connectMs: p.connectMs } : {}),
        ...(p.tlsMs !== undefined ? { tlsMs: p.tlsMs } : {}),
        pingsPlanned: p.pingsPlanned,
        pingsAnswered: p.pingsAnswered,
        ...(p.p50Ms !== undefined ? { p50Ms: p.p50Ms, p99Ms: p.p99Ms, maxMs: p.maxMs } : {}),
        samplesMs: p.samplesMs,
        stalls,
        ...(p.failure ? { failure: p.failure } : {}),
        thresholds: PATH_SLOW,
      },
      fix: [
        {
          command: `redis-cli -h ${host} -p ${port} --latency-history -i 5`,
          note: 'round trips from this host over time (add --tls and --askpass as the server needs)',
        },
        {
          command: `mtr -rwc 50 -T -P ${port} ${host}`,
          note: 'per-hop loss and delay over TCP to the server port',
        },
        {
          command: `ss -tino dst ${p.address}`,
          note: "the kernel's rtt and retrans of the application's own connections",
        },
      ],
    };
  },
});
