import type { ScenarioMeasurement } from './run-scenario.js';
import type { TrackedCommand } from './scenarios/app-traffic.js';

/** The figures a person acts on, and whether the client failed the app. */
export interface ScenarioVerdict {
  /** ms from the fault to the first thing the app saw (event, error or rejected command). */
  detectMs: number | null;
  /** ms from the fault clearing to the first command that succeeded. */
  recoverMs: number | null;
  /** Writes that resolved OK but never ran on the server. */
  lostSilently: number;
  /** Writes that were rejected and never ran: lost, but the app was told. */
  lostWithError: number;
  /** Writes that ran more than once. */
  executedTwice: number;
  /** Writes that were rejected although they ran (an ambiguous error). */
  ranButRejected: number;
  /** Promises that stayed pending for HANG_MS or more (or are still pending): the app hung on them. */
  neverSettled: number;
  /** Pub/sub messages published but never received, and whether the app saw any event about it. */
  messagesLost: number;
  toldAboutMessageLoss: boolean;
  /**
   * Failover scenarios: writes the client acknowledged that the final master does not have, or has with
   * another value than the one acknowledged. null for single-server scenarios.
   */
  ackedLost: number | null;
  /**
   * Failover scenarios: how long after the promotion acknowledged writes still went to the old master
   * (the settle time of the last acknowledged write after the promotion that the final master lacks); 0
   * when none did. null for single-server scenarios, or when no promotion was seen.
   */
  staleMasterMs: number | null;
  /** Failover scenarios: every write accounted for. */
  writes?: FailoverWrites;
  /**
   * fail: a duplicate, a hang, a silent loss, or no recovery once the fault cleared (after a failover:
   * no write reached the new master).
   */
  status: 'ok' | 'fail' | 'error';
  summary: string;
}

/** A failover scenario's writes: sent = acknowledged + rejected + pending. */
export interface FailoverWrites {
  sent: number;
  acknowledged: number;
  rejected: number;
  /** Still pending when the run ended (after its settle bound). */
  pending: number;
  /** Acknowledged after the promotion, yet missing from the final master: they went to the old master. */
  toStaleMaster: number;
  /** ms from the first rejected write to the last (null: none rejected). */
  rejectedOverMs: number | null;
}

/**
 * What counts as the app being told: the library's connection events, and its node-level ones (ioredis
 * Cluster 'node error', node-redis Cluster 'node-*', node-redis Sentinel 'topology-change'). Not ioredis
 * Cluster's '-node': it comes at every connect too, as the pool settles.
 */
const NOTICE = new Set([
  'error',
  'close',
  'end',
  'reconnecting',
  'node error',
  'node-error',
  'node-disconnect',
  'node-reconnecting',
  'topology-change',
]);
/** The event lifeline(client) emits when a resubscribe leaves a window of lost messages. */
export const PUBSUB_GAP_EVENT = 'lifeline:pubsub-gap';
/** A promise pending this long has hung: no app waits 5 s for a cache on purpose. */
export const HANG_MS = 5000;

export function judge(m: ScenarioMeasurement): ScenarioVerdict {
  const after = (t: number | undefined, from: number | undefined) =>
    from !== undefined && t !== undefined && t >= from;
  const firstEvent = m.events.find((e) => NOTICE.has(e.event) && after(e.at, m.faultAt));
  const firstRejected = m.commands.find((c) => c.outcome === 'error' && after(c.settledAt, m.faultAt));
  const detectedAt = Math.min(
    firstEvent?.at ?? Number.POSITIVE_INFINITY,
    firstRejected?.settledAt ?? Number.POSITIVE_INFINITY,
  );
  const writes = m.commands.filter((c) => c.kind === 'write');
  const runs = (seq: number) => m.executions[seq] ?? 0;
  // After a failover, recovered means a write acknowledged and really held by the new master (a write
  // acknowledged by the old one is not a recovery): the first one sent after the promotion.
  const newMaster = m.failover?.newMaster;
  const recovered = m.topology
    ? writes.find(
        (c) =>
          c.outcome === 'ok' &&
          after(c.sentAt, m.clearAt) &&
          runs(c.seq) > 0 &&
          (newMaster === undefined || c.node === newMaster),
      )
    : m.commands.find((c) => c.outcome === 'ok' && after(c.sentAt, m.clearAt) && c.settledAt !== undefined);

  const lostSilently = writes.filter((c) => c.outcome === 'ok' && runs(c.seq) === 0).length;
  const lostWithError = writes.filter((c) => c.outcome === 'error' && runs(c.seq) === 0).length;
  const executedTwice = writes.filter((c) => runs(c.seq) > 1).length;
  const ranButRejected = writes.filter((c) => c.outcome === 'error' && runs(c.seq) > 0).length;
  const neverSettled = m.commands.filter(
    (c) => c.outcome === undefined || (c.settledAt ?? 0) - c.sentAt >= HANG_MS,
  ).length;
  const messagesLost = m.published - m.received;
  // Told means an event that names the gap; a bare close or "Socket closed unexpectedly" says nothing
  // about which messages were lost, so the app cannot act on it.
  const toldAboutMessageLoss = m.events.some((e) => e.event === PUBSUB_GAP_EVENT);

  // A failover scenario that could not run to the end has no figures: its read-back is missing.
  const failover = m.topology && !m.error ? failoverFigures(m, writes, runs) : undefined;

  const verdict: ScenarioVerdict = {
    detectMs:
      Number.isFinite(detectedAt) && m.faultAt !== undefined ? Math.max(0, detectedAt - m.faultAt) : null,
    recoverMs:
      recovered?.settledAt !== undefined && m.clearAt !== undefined ? recovered.settledAt - m.clearAt : null,
    lostSilently,
    lostWithError,
    executedTwice,
    ranButRejected,
    neverSettled,
    messagesLost,
    toldAboutMessageLoss,
    ackedLost: failover?.ackedLost ?? null,
    staleMasterMs: failover?.staleMasterMs ?? null,
    ...(failover ? { writes: failover.writes } : {}),
    status: 'ok',
    summary: '',
  };
  const failedOver = failover && (failover.ackedLost > 0 || verdict.recoverMs === null);
  // The fault cleared and nothing the app sent afterwards succeeded: the client never came back.
  const neverRecovered = !m.topology && m.clearAt !== undefined && verdict.recoverMs === null;
  verdict.status = m.error
    ? 'error'
    : executedTwice ||
        neverSettled ||
        lostSilently ||
        (messagesLost > 0 && !toldAboutMessageLoss) ||
        failedOver ||
        neverRecovered
      ? 'fail'
      : 'ok';
  verdict.summary = m.error ? `scenario could not run: ${m.error}` : summarize(verdict, m);
  return verdict;
}

/** Acknowledged writes lost, writes to the old master after the promotion, every write accounted for. */
function failoverFigures(
  m: ScenarioMeasurement,
  writes: TrackedCommand[],
  runs: (seq: number) => number,
): { ackedLost: number; staleMasterMs: number | null; writes: FailoverWrites } {
  const acknowledged = writes.filter((c) => c.outcome === 'ok');
  // INCR on a fresh key acknowledges the value it set: the final master must hold exactly that.
  const lost = acknowledged.filter((c) => String(runs(c.seq)) !== c.reply);
  const promotedAt = m.clearAt;
  const stale =
    promotedAt === undefined
      ? []
      : acknowledged.filter((c) => runs(c.seq) === 0 && (c.settledAt ?? 0) > promotedAt);
  const rejected = writes.filter((c) => c.outcome === 'error');
  const rejectedAt = rejected.map((c) => c.settledAt ?? 0);
  return {
    ackedLost: lost.length,
    staleMasterMs:
      promotedAt === undefined ? null : Math.max(0, ...stale.map((c) => (c.settledAt ?? 0) - promotedAt)),
    writes: {
      sent: writes.length,
      acknowledged: acknowledged.length,
      rejected: rejected.length,
      pending: writes.filter((c) => c.outcome === undefined).length,
      toStaleMaster: stale.length,
      rejectedOverMs: rejected.length ? Math.max(...rejectedAt) - Math.min(...rejectedAt) : null,
    },
  };
}

function summarize(v: ScenarioVerdict, m: ScenarioMeasurement): string {
  if (v.writes) return summarizeFailover(v, v.writes);
  const parts: string[] = [];
  if (v.executedTwice) parts.push(`${v.executedTwice} write${v.executedTwice > 1 ? 's' : ''} ran twice`);
  if (v.neverSettled)
    parts.push(
      `${v.neverSettled} promise${v.neverSettled > 1 ? 's' : ''} hung ≥ ${HANG_MS / 1000} s or never settled`,
    );
  if (v.lostSilently)
    parts.push(`${v.lostSilently} write${v.lostSilently > 1 ? 's' : ''} resolved but never ran`);
  if (v.messagesLost > 0)
    parts.push(
      `${v.messagesLost} of ${m.published} messages lost${v.toldAboutMessageLoss ? '' : ' and nothing told the app'}`,
    );
  if (v.ranButRejected)
    parts.push(`${v.ranButRejected} rejected write${v.ranButRejected > 1 ? 's' : ''} had run anyway`);
  if (v.lostWithError)
    parts.push(`${v.lostWithError} write${v.lostWithError > 1 ? 's' : ''} rejected (app told)`);
  const dropped = m.events.some((e) => NOTICE.has(e.event) || e.event.startsWith('lifeline:'));
  if (v.detectMs === null && !dropped && !m.commands.some((c) => c.outcome === 'error')) {
    parts.push('no drop: the connection stayed up through the fault');
  } else if (v.detectMs === null) parts.push('the app was never told');
  if (v.recoverMs === null) parts.push('did not recover within the bound');
  else parts.push(`recovered ${v.recoverMs} ms after the fault cleared`);
  return parts.join('; ');
}

/** A failover scenario in one line: losses first, then errors, then when the app reached the new master. */
function summarizeFailover(v: ScenarioVerdict, w: FailoverWrites): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (v.ackedLost) {
    const stale = w.toStaleMaster
      ? ` (${w.toStaleMaster} of them written to the old master up to ${v.staleMasterMs} ms after the promotion)`
      : '';
    parts.push(`${plural(v.ackedLost, 'acknowledged write')} lost${stale}`);
  }
  if (v.executedTwice) parts.push(`${plural(v.executedTwice, 'write')} ran twice`);
  if (w.rejected) {
    const span = w.rejected === 1 ? '' : w.rejectedOverMs ? ` over ${w.rejectedOverMs} ms` : ' at once';
    parts.push(`${plural(w.rejected, 'write')} rejected${span}`);
  }
  if (w.pending) parts.push(`${plural(w.pending, 'write')} never settled`);
  if (v.neverSettled > w.pending) {
    parts.push(`${plural(v.neverSettled - w.pending, 'command')} settled only after ≥ ${HANG_MS / 1000} s`);
  }
  if (v.staleMasterMs === null) parts.push('no promotion seen within the bound');
  else if (v.recoverMs === null) parts.push('no write reached the new master before the run ended');
  else parts.push(`first write to the new master ${v.recoverMs} ms after the promotion`);
  parts.push(`${w.acknowledged} of ${w.sent} writes acknowledged`);
  return parts.join('; ');
}
