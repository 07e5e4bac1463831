import type { ScenarioMeasurement } from './run-scenario.js';

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
  /** fail: a duplicate, a hang or a silent loss. */
  status: 'ok' | 'fail' | 'error';
  summary: string;
}

const NOTICE = new Set(['error', 'close', 'end', 'reconnecting']);
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
  const recovered = m.commands.find(
    (c) => c.outcome === 'ok' && after(c.sentAt, m.clearAt) && c.settledAt !== undefined,
  );

  const writes = m.commands.filter((c) => c.kind === 'write');
  const runs = (seq: number) => m.executions[seq] ?? 0;
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
    status: 'ok',
    summary: '',
  };
  verdict.status = m.error
    ? 'error'
    : executedTwice || neverSettled || lostSilently || (messagesLost > 0 && !toldAboutMessageLoss)
      ? 'fail'
      : 'ok';
  verdict.summary = m.error ? `scenario could not run: ${m.error}` : summarize(verdict, m);
  return verdict;
}

function summarize(v: ScenarioVerdict, m: ScenarioMeasurement): string {
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
