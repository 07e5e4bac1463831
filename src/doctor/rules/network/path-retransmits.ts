import type { HostSocket } from '../../evidence.js';
import { defineRule } from '../define-rule.js';
import { ownersOf, remoteOf } from './host-socket-facts.js';

/**
 * What counts as loss. Now: any socket with a retransmission timeout unrecovered (retrnsmt ≥ 1) or a
 * keepalive probe unanswered — on a healthy path the peer acknowledges within one RTO (≥ 200 ms), so
 * catching one at the instant of the read is rare and several at once is the path or the peer failing.
 * Since the connection opened (ss): ≥ 3 retransmissions and ≥ 1% of the segments sent, since an
 * occasional retransmission on a long-lived connection is ordinary congestion, not a lossy path.
 */
const TOTAL_MIN = 3;
const TOTAL_RATIO = 0.01;

const lossyNow = (s: HostSocket): boolean =>
  s.retransmits > 0 || (s.timer === 'keepalive' && s.probesOut > 0);
const lossyOverall = (s: HostSocket): boolean =>
  s.totalRetransmits !== undefined &&
  s.totalRetransmits >= TOTAL_MIN &&
  (s.segsOut === undefined || s.totalRetransmits >= s.segsOut * TOTAL_RATIO);

export default defineRule({
  id: 'path-retransmits',
  cause: 'network',
  title: 'Connections from this host to the server retransmit: loss on the path',
  category: 'network',
  severity: 'warning',
  tier: 'symptom',
  needs: ['hostSockets'],
  check(e) {
    if (e.hostSockets.status !== 'ok') return undefined;
    const facts = e.hostSockets.value;
    const now = facts.sockets.filter(lossyNow);
    const overall = facts.sockets.filter((s) => !lossyNow(s) && lossyOverall(s));
    const lossy = [...now, ...overall];
    if (lossy.length === 0) return undefined;
    const who = ownersOf(lossy);
    const remote = remoteOf(facts, lossy);
    const worst = Math.max(...now.map((s) => Math.max(s.retransmits, s.probesOut)), 0);
    const parts: string[] = [];
    if (now.length > 0)
      parts.push(
        `${now.length} socket${now.length === 1 ? ' is' : 's are'} retransmitting or probing unanswered now (up to ${worst} timeouts in a row)`,
      );
    if (overall.length > 0)
      parts.push(
        `${overall.length} socket${overall.length === 1 ? ' has' : 's have'} retransmitted ≥ ${TOTAL_MIN} segments and ≥ ${TOTAL_RATIO * 100}% of those sent`,
      );
    return {
      // Several timeouts in a row: the peer or the path is gone for seconds already.
      severity: worst >= 3 ? 'critical' : 'warning',
      confidence: now.length > 0 ? 'high' : 'medium',
      message: `Packets to ${remote} are being lost: ${parts.join('; ')}${who.text ? ` — ${who.text}` : ''}.`,
      explanation:
        'A retransmission means a segment was not acknowledged in time. A few on a busy path are congestion; a socket retransmitting now, or many over its life, means loss between this host and the server (a saturated link, a dropping firewall or NAT, an MTU black hole) or a server that stopped answering. Commands stall for the retransmission timeout (200 ms, doubling each time) and libraries time out and reconnect; with tcp_retries2=15 a dead path is given up after about 15 minutes.',
      evidence: {
        retransmittingNow: now.length,
        lossyOverall: overall.length,
        processes: who.owners,
        sockets: lossy.slice(0, 10).map((s) => ({
          local: s.local,
          state: s.state,
          retransmits: s.retransmits,
          ...(s.probesOut > 0 ? { probesOut: s.probesOut } : {}),
          ...(s.totalRetransmits !== undefined ? { totalRetransmits: s.totalRetransmits } : {}),
          ...(s.segsOut !== undefined ? { segsOut: s.segsOut } : {}),
          ...(s.rttMs !== undefined ? { rttMs: s.rttMs } : {}),
          pid: s.pid,
          comm: s.comm,
        })),
        ...(facts.ss === 'used' ? {} : { ss: facts.ss.reason }),
      },
      fix: [
        {
          command: `ss -tino dst ${remote}`,
          note: 'retrans:<now>/<total>, rtt and lastsnd per socket; run it a few times',
        },
        {
          command: 'nstat -az TcpRetransSegs TcpExtTCPTimeouts TcpExtTCPLostRetransmit',
          note: 'host-wide counters',
        },
        {
          command: `mtr -rwc 50 ${remote.replace(/^\[?(.*?)\]?:\d+$/, '$1')}`,
          note: 'where on the path packets are lost (and tracepath for an MTU black hole)',
        },
      ],
    };
  },
});
