import type { Severity } from '../../doctor/report/types.js';
import type { Incident, IncidentKind } from '../types.js';

export interface AlertGrouperOptions {
  /** How long repeats of one (target, kind) are held back and counted. */
  windowMs?: number;
  /** The clock (epoch ms); inject one in tests. */
  now?: () => number;
}

interface Group {
  windowEnd: number;
  /** The most severe level alerted so far in this group. */
  severity: Severity;
  /** Occurrences absorbed in the current window. */
  absorbed: number;
  /** Connections the absorbed repeats closed, where they say. */
  connections: number | undefined;
  firstAt: string;
  lastAt: string;
  /** The most severe level among the absorbed repeats. */
  worst: Severity;
  latest: Incident | undefined;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * Kinds that are never held back: each is a distinct event (a failover names its own old and new
 * master), so a second one within the window is news, not a repeat.
 */
export const NEVER_GROUPED: ReadonlySet<IncidentKind> = new Set<IncidentKind>(['failover']);

/**
 * Groups repeated alerts so a problem that recurs every sample alerts once, then once per window.
 *
 * Per (target, kind): the first incident passes through at once and opens a window of windowMs. Repeats
 * inside the window are absorbed (counted; the latest one's message and evidence kept) unless they are
 * more severe than what was alerted, which passes through (an escalation is news). When a window ends
 * with absorbed repeats, flush() returns one summary of them and a new window opens at once, so a
 * problem that persists yields one summary per window; a window that ends with no repeats closes the
 * group, and the next incident of that kind is a first alert again.
 *
 * No timers: call flush() regularly (each sampling round) and drain() at shutdown.
 */
export class AlertGrouper {
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly groups = new Map<string, Group>();
  /** Summaries of windows that ended before flush() was called, found while offering. */
  private readonly ready: Incident[] = [];

  constructor({ windowMs = 5 * 60_000, now = Date.now }: AlertGrouperOptions = {}) {
    this.windowMs = Math.max(0, windowMs);
    this.now = now;
  }

  /** Groups currently open (for tests and status lines). */
  get openGroups(): number {
    return this.groups.size;
  }

  /** Whether offer() would hold back an incident of this target, kind and severity at `nowMs`. */
  willAbsorb(target: string, kind: IncidentKind, severity: Severity, nowMs: number = this.now()): boolean {
    if (NEVER_GROUPED.has(kind)) return false;
    const group = this.groups.get(groupKey({ target, kind }));
    if (!group || RANK[severity] > RANK[group.severity]) return false;
    return nowMs < group.windowEnd || group.absorbed > 0;
  }

  /** Returns the incident to alert now, or undefined when it was absorbed into its group. */
  offer(incident: Incident): Incident | undefined {
    if (NEVER_GROUPED.has(incident.kind)) return incident;
    const now = this.now();
    const key = groupKey(incident);
    let group = this.groups.get(key);
    if (group && now >= group.windowEnd) {
      if (group.absorbed > 0) {
        this.ready.push(summarize(group));
        resetWindow(group, now + this.windowMs);
      } else {
        this.groups.delete(key);
        group = undefined;
      }
    }
    if (!group) {
      this.groups.set(key, {
        windowEnd: now + this.windowMs,
        severity: incident.severity,
        absorbed: 0,
        connections: undefined,
        firstAt: '',
        lastAt: '',
        worst: incident.severity,
        latest: undefined,
      });
      return incident;
    }
    if (RANK[incident.severity] > RANK[group.severity]) {
      group.severity = incident.severity;
      return incident;
    }
    const count =
      Number.isFinite(incident.occurrences) && incident.occurrences > 0 ? incident.occurrences : 1;
    if (group.absorbed === 0) group.firstAt = incident.firstAt || incident.at;
    group.absorbed += count;
    if (incident.connections !== undefined)
      group.connections = (group.connections ?? 0) + incident.connections;
    group.lastAt = incident.lastAt || incident.at;
    if (group.latest === undefined || RANK[incident.severity] > RANK[group.worst]) {
      group.worst = incident.severity;
    }
    group.latest = incident;
    return undefined;
  }

  /**
   * Summaries of every group whose window has ended with absorbed repeats (a new window opens for
   * each); groups whose window ended quietly are closed.
   */
  flush(nowMs: number = this.now()): Incident[] {
    const out = this.ready.splice(0);
    for (const [key, group] of this.groups) {
      if (nowMs < group.windowEnd) continue;
      if (group.absorbed > 0) {
        out.push(summarize(group));
        resetWindow(group, nowMs + this.windowMs);
      } else {
        this.groups.delete(key);
      }
    }
    return out;
  }

  /** Summaries of every group with absorbed repeats, window ended or not; closes all groups (shutdown). */
  drain(): Incident[] {
    const out = this.ready.splice(0);
    for (const group of this.groups.values()) {
      if (group.absorbed > 0) out.push(summarize(group));
    }
    this.groups.clear();
    return out;
  }
}

const groupKey = (incident: Pick<Incident, 'target' | 'kind'>): string =>
  `${incident.target}\u0000${incident.kind}`;

function resetWindow(group: Group, windowEnd: number): void {
  group.windowEnd = windowEnd;
  group.absorbed = 0;
  group.connections = undefined;
  group.firstAt = '';
  group.lastAt = '';
  group.latest = undefined;
}

function summarize(group: Group): Incident {
  const { connections: _latestOnly, ...latest } = group.latest as Incident;
  const n = group.absorbed;
  return {
    ...latest,
    ...(group.connections !== undefined ? { connections: group.connections } : {}),
    id: `${latest.id}~repeats`,
    severity: group.worst,
    message: `Repeated ${n} time${n === 1 ? '' : 's'} since ${clock(group.firstAt)}: ${latest.message}`,
    occurrences: n,
    firstAt: group.firstAt,
    lastAt: group.lastAt,
  };
}

/** HH:MM:SS (UTC) of an ISO time; the text itself when it is not one. */
function clock(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(11, 19);
}
