import type { Cause } from '../core/causes.js';
import type { Burst } from './bursts.js';
import {
  type Coverage,
  canEndIn,
  clientOfLibName,
  type ServerEvent,
  type ServerFacts,
} from './server-events.js';

export interface MatchSettings {
  /** How long before a burst's first error a server event can be its cause, ms. */
  windowMs: number;
  /** Allowance for clock skew between the app's host and the server's, ms. */
  skewMs: number;
}

export const MATCH_DEFAULTS: MatchSettings = { windowMs: 5000, skewMs: 500 };

/** A burst and what the server did about then. */
export interface Correlation {
  burst: Burst;
  /** The server event taken as the burst's cause: the latest compatible one in its window. */
  cause: ServerEvent | undefined;
  /** Other compatible events in the window (corroboration: the same restart in the log and in watch). */
  alsoMatched: ServerEvent[];
  /** Events during the burst, after its start (a restart's "started again"): context, not causes. */
  during: ServerEvent[];
  /** Events in the window that cannot have caused these errors, and why. */
  ruledOut: { event: ServerEvent; why: string }[];
  /** The window the match was looked for in, epoch ms. */
  window: { from: number; to: number };
  /** What the burst is called: the matched event's cause, or the verdict from its socket events. */
  verdict: { cause: Cause | 'unknown'; title: string; evidence: string[] };
}

/** Events listed as during a burst at most (a burst hours long can span thousands). */
const MAX_DURING = 10;

/** The index of the first event whose span opens at or after `at`. */
function firstFrom(sorted: readonly ServerEvent[], at: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as ServerEvent).from < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const SOURCE_RANK: Record<ServerEvent['source'], number> = { log: 0, history: 1, info: 2 };

const dominant = (burst: Burst): string => burst.events[0]?.event ?? 'unknown';

/**
 * Whether a server event of this cause can have produced some of the burst's errors. The server's own
 * error replies say which: "max number of clients" only a full server, LOADING a restart, READONLY a
 * failover.
 */
function fits(cause: Cause, burst: Burst): boolean {
  return burst.messages.some((m) => {
    if (m.event !== 'server-error') return canEndIn(cause, m.event);
    if (/max number of clients|Connection not ready/.test(m.text)) return cause === 'maxclients';
    if (/LOADING/.test(m.text))
      return cause === 'server-restart' || cause === 'server-crash' || cause === 'oom-kill';
    if (/READONLY|MASTERDOWN|CLUSTERDOWN/.test(m.text)) return cause === 'failover';
    return canEndIn(cause, m.event);
  });
}

/**
 * Lines each burst up with the server's events. The cause must be just before the burst or at its
 * very start: from `windowMs` before its first error to `skew + the timestamps' resolution` after (a
 * client notices a close at once; a log with whole seconds may show its error "before" the kill). An
 * event later than that, even inside the burst, is never its cause. Among candidates: compatible with
 * the burst's socket events (a kill does not answer "max number of clients"), not another client's
 * (the kill line's lib-name against the clients the errors name), the latest first, the server log
 * before watch's history before INFO.
 */
export function matchBursts(
  bursts: readonly Burst[],
  events: readonly ServerEvent[],
  coverage: readonly Coverage[],
  facts: ServerFacts | undefined,
  settings: MatchSettings = MATCH_DEFAULTS,
): Correlation[] {
  const sorted = [...events].sort((a, b) => a.from - b.from);
  // Events are short spans: a binary search to the first that can reach the window keeps 10^5 bursts
  // against 10^5 events fast.
  const longest = sorted.reduce((m, e) => Math.max(m, e.to - e.from), 0);
  return bursts.map((burst) => {
    const after = settings.skewMs + burst.precisionMs;
    const window = { from: burst.first - settings.windowMs, to: burst.first + after };
    const near: ServerEvent[] = [];
    const during: ServerEvent[] = [];
    for (let i = firstFrom(sorted, window.from - longest); i < sorted.length; i++) {
      const e = sorted[i] as ServerEvent;
      if (e.from > burst.last && e.from > window.to) break;
      if (e.from <= window.to) {
        if (e.to >= window.from) near.push(e);
      } else if (during.length < MAX_DURING) during.push(e);
    }
    const ruledOut: Correlation['ruledOut'] = [];
    const candidates: ServerEvent[] = [];
    const eventsSeen = burst.events.map((e) => e.event);
    for (const e of near) {
      if (!fits(e.cause, burst)) {
        ruledOut.push({ event: e, why: `${e.cause} does not end in ${eventsSeen.join('/')} errors` });
        continue;
      }
      const lib = clientOfLibName(e.client?.libName);
      if (lib && burst.clients.length > 0 && !burst.clients.includes(lib)) {
        ruledOut.push({
          event: e,
          why: `it closed a ${lib} client; these errors are ${burst.clients.join(', ')}'s`,
        });
        continue;
      }
      candidates.push(e);
    }
    candidates.sort(
      (a, b) =>
        Math.min(b.at, window.to) - Math.min(a.at, window.to) ||
        SOURCE_RANK[a.source] - SOURCE_RANK[b.source],
    );
    const cause = candidates[0];
    // Only events of the same cause corroborate it (the same restart in the log and in watch); an
    // earlier event of another cause is not also the cause of these errors.
    const alsoMatched = candidates.slice(1).filter((e) => e.cause === cause?.cause);
    for (const e of candidates.slice(1))
      if (e.cause !== cause?.cause)
        ruledOut.push({ event: e, why: `the later ${cause?.title} is the nearer cause` });
    const base = { burst, cause, alsoMatched, during, ruledOut, window };
    if (cause) {
      const lead = burst.first - cause.at;
      const evidence = [
        `${cause.source === 'log' ? 'server log' : cause.source === 'history' ? 'watch history' : 'INFO'}: ${cause.title} at ${clock(cause.at)}, ${lead >= 0 ? `${seconds(lead)} before` : `${seconds(-lead)} after`} the first error`,
        ...alsoMatched.map((e) => `also: ${e.title} (${e.source}) at ${clock(e.at)}`),
        ...during.slice(0, 3).map((e) => `during the burst: ${e.title} at ${clock(e.at)}`),
      ];
      return { ...base, verdict: { cause: cause.cause, title: cause.title, evidence } };
    }
    return { ...base, verdict: unmatchedVerdict(burst, window, coverage, facts, ruledOut, during) };
  });
}

/** What a burst with no server event is, from its socket events and what the server sources cover. */
function unmatchedVerdict(
  burst: Burst,
  window: { from: number; to: number },
  coverage: readonly Coverage[],
  facts: ServerFacts | undefined,
  ruledOut: Correlation['ruledOut'],
  during: readonly ServerEvent[],
): Correlation['verdict'] {
  const covering = coverage.filter((c) => c.from <= window.to && c.to >= window.from);
  const evidence: string[] = [];
  if (covering.length > 0)
    evidence.push(
      `no kill, eviction, restart, crash or failover in ${covering.map((c) => `the ${c.source === 'log' ? 'server log' : 'watch history'}`).join(' or ')} from ${clock(window.from)} to ${clock(window.to)}`,
    );
  else if (coverage.length > 0)
    evidence.push(
      `the server timeline given (${coverage.map((c) => `${c.source} ${clock(c.from)}–${clock(c.to)}`).join(', ')}) does not cover ${clock(burst.first)}`,
    );
  else evidence.push('no server timeline given (--log, --history or a URL)');
  for (const r of ruledOut) evidence.push(`not ${r.event.title} at ${clock(r.event.at)}: ${r.why}`);
  for (const e of during.slice(0, 3))
    evidence.push(`during the burst, after its start: ${e.title} at ${clock(e.at)}`);
  if (facts?.startedAt !== undefined && facts.startedAt < burst.first)
    evidence.push(
      `INFO: the server process (run_id ${facts.runId?.slice(0, 8) ?? '?'}) has been up since ${clock(facts.startedAt)}, before the burst`,
    );
  const messages = burst.messages.map((m) => m.text).join(' ');
  const event = dominant(burst);
  if (event === 'server-error') {
    if (/max number of clients|Connection not ready/.test(messages)) {
      const rejected = facts?.counters.rejected_connections;
      if (rejected !== undefined)
        evidence.push(`INFO: rejected_connections=${rejected} since the server started`);
      if (facts?.maxclients !== undefined) evidence.push(`maxclients is ${facts.maxclients}`);
      evidence.push(
        'the server replies "max number of clients reached" and logs nothing: its own words are the event',
      );
      return {
        cause: 'maxclients',
        title: 'server full: maxclients reached (connections refused by the server)',
        evidence,
      };
    }
    if (/LOADING/.test(messages))
      return { cause: 'server-restart', title: 'server loading its dataset (just restarted)', evidence };
    if (/READONLY|MASTERDOWN/.test(messages))
      return { cause: 'failover', title: 'writes to a replica: a failover happened', evidence };
    return { cause: 'unknown', title: 'the server answered with an error reply', evidence };
  }
  if (covering.length === 0) {
    // Nothing says what the server did then: the words' own likely causes, not a verdict.
    if (burst.causes.length > 0)
      evidence.push(
        `what these words usually mean (lifeline explain): ${burst.causes.map((c) => `${c.cause} ${Math.round(c.likelihood * 100)}%`).join(', ')}`,
      );
    return {
      cause: 'unknown',
      title:
        coverage.length > 0
          ? 'outside the server timeline given: cannot tell'
          : 'no server timeline to check it against: pass --log, --history or the URL',
      evidence,
    };
  }
  switch (event) {
    case 'reset':
    case 'eof':
    case 'closed': {
      if (facts?.idleTimeoutS)
        evidence.push(
          `the server closes clients idle for ${facts.idleTimeoutS} s (timeout), logging it only at verbose level`,
        );
      evidence.push('CLIENT KILL is not logged either');
      return {
        cause: facts?.idleTimeoutS ? 'idle-timeout' : 'network',
        title: `no server event: the network path (a load balancer, NAT or firewall reset), an idle reset${facts?.idleTimeoutS ? ' (the server timeout)' : ''} or a CLIENT KILL`,
        evidence,
      };
    }
    case 'timeout':
      return {
        cause: 'network',
        title: 'no server event: a client-side timeout (slow path, slow command or a paused process)',
        evidence,
      };
    case 'refused':
      return {
        cause: 'unknown',
        title:
          'nothing listened: the server was down or restarting without a trace here, or a wrong host/port',
        evidence,
      };
    case 'unreachable':
      return {
        cause: 'network',
        title: 'the address did not resolve or route: DNS or the network',
        evidence,
      };
    case 'tls':
      return { cause: 'tls', title: 'TLS failed: certificates or versions', evidence };
    default:
      return { cause: 'unknown', title: 'no server event', evidence };
  }
}

/** "2026-12-07 12:02:14.512Z": UTC to the millisecond, for every renderer. */
export const clock = (ms: number): string =>
  Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString().replace('T', ' ') : '?';

export const seconds = (ms: number): string =>
  ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
