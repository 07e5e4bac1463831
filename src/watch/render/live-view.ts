import { compareRuns, counterDelta, sameProcess } from '../../core/server-run.js';
import type { Incident, Sample } from '../types.js';
import { renderIncidentLine } from './render-incident-line.js';

interface TargetStatus {
  last: Sample | undefined;
  previousUp: Sample | undefined;
  kills: number;
  rejected: number;
  lastIncident: Incident | undefined;
}

const KEEP_INCIDENTS = 8;
const KEEP_NOTICES = 3;

/**
 * The terminal view: one row per target (connections, churn, kills and rejections since watch
 * started, the last incident) and the most recent incidents below. Pure text; the caller paints it.
 */
export class LiveView {
  private readonly status = new Map<string, TargetStatus>();
  private readonly recent: Incident[] = [];
  /** Notices about watch itself (stderr would tear the painted screen). */
  private readonly notices: string[] = [];

  constructor(targets: string[]) {
    for (const t of targets)
      this.status.set(t, {
        last: undefined,
        previousUp: undefined,
        kills: 0,
        rejected: 0,
        lastIncident: undefined,
      });
  }

  sample(sample: Sample): void {
    const s = this.status.get(sample.target);
    if (!s) return;
    const before = s.last?.up ? s.last : s.previousUp;
    if (sample.up && before?.counters && sample.counters) {
      const change = compareRuns({ ...before.server, at: before.at }, { ...sample.server, at: sample.at });
      const grew = (now: number | undefined, then: number | undefined) =>
        counterDelta(then, now, change) ?? 0;
      const b = before.counters;
      const c = sample.counters;
      s.kills +=
        grew(c.outputBufferKills, b.outputBufferKills) +
        grew(c.queryBufferKills, b.queryBufferKills) +
        grew(c.evictedClients, b.evictedClients);
      s.rejected += grew(c.rejectedConnections, b.rejectedConnections);
    }
    if (s.last?.up) s.previousUp = s.last;
    s.last = sample;
  }

  incident(incident: Incident): void {
    const s = this.status.get(incident.target);
    if (s) s.lastIncident = incident;
    this.recent.push(incident);
    if (this.recent.length > KEEP_INCIDENTS) this.recent.shift();
  }

  notice(message: string): void {
    this.notices.push(message);
    if (this.notices.length > KEEP_NOTICES) this.notices.shift();
  }

  render(now: Date, color: boolean): string {
    const rows = [['target', 'state', 'clients', 'new/s', 'kills', 'rejected', 'last incident']];
    for (const [target, s] of this.status) {
      const last = s.last;
      const prev = s.previousUp;
      const churn =
        last?.up && prev?.counters && last.counters && sameProcess({ ...prev.server }, { ...last.server })
          ? (last.counters.connectionsReceived - prev.counters.connectionsReceived) /
            ((last.at - prev.at) / 1000)
          : undefined;
      rows.push([
        target,
        !last ? 'starting' : last.up ? 'up' : 'DOWN',
        last?.gauges
          ? `${last.gauges.connectedClients}${last.gauges.maxclients ? `/${last.gauges.maxclients}` : ''}`
          : '-',
        churn === undefined || !Number.isFinite(churn) ? '-' : churn.toFixed(1),
        String(s.kills),
        String(s.rejected),
        s.lastIncident ? `${s.lastIncident.at.slice(11, 19)} ${s.lastIncident.kind}` : '-',
      ]);
    }
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    const table = rows.map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
    return [
      `lifeline watch — ${now.toISOString().slice(0, 19)}Z — Ctrl-C to stop`,
      '',
      ...table,
      '',
      this.recent.length ? 'Recent incidents:' : 'No incidents so far.',
      ...this.recent.map((i) => renderIncidentLine(i, { color })),
      ...(this.notices.length ? ['', 'Notices:', ...this.notices] : []),
    ].join('\n');
  }
}
