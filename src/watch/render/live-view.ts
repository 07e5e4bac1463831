import { killsDelta } from '../../core/server-kills.js';
import { compareRuns, counterDelta, intervalDelta } from '../../core/server-run.js';
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
      s.kills += killsDelta(before.counters, sample.counters, change);
      s.rejected +=
        counterDelta(before.counters.rejectedConnections, sample.counters.rejectedConnections, change) ?? 0;
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
      // A rate only over an interval of one run without a counter reset (core/server-run.ts).
      const accepted =
        last?.up && prev?.counters && last.counters
          ? intervalDelta(
              prev.counters.connectionsReceived,
              last.counters.connectionsReceived,
              compareRuns({ ...prev.server, at: prev.at }, { ...last.server, at: last.at }),
            )
          : undefined;
      const churn =
        accepted === undefined || !last || !prev ? undefined : accepted / ((last.at - prev.at) / 1000);
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
