import type { LabReport } from '../run-lab.js';
import { isErrorEvent } from './render-lab-text.js';

/** A table for docs and tickets: one row per scenario, the figures, and what the app saw. */
export function renderLabMarkdown(report: LabReport): string {
  const ms = (v: number | null) => (v === null ? 'never' : `${v} ms`);
  // Failover scenarios add two figures; a report without any keeps the single-server table.
  const failover = report.results.some((r) => r.measurement.topology);
  const rows = report.results.map(({ measurement: m, verdict: v }) => {
    const seen = [
      ...new Set(
        m.events
          .filter((e) => isErrorEvent(e.event))
          .map((e) => `${e.name ?? 'Error'}${e.code ? ` ${e.code}` : ''}: ${e.message ?? ''}`),
      ),
    ];
    const other = [
      ...new Set(
        m.events
          .filter((e) => !isErrorEvent(e.event) && e.event !== 'ready' && e.event !== 'connect')
          .map((e) => (e.event.startsWith('lifeline:') && e.message ? `${e.event} ${e.message}` : e.event)),
      ),
    ];
    // After a failover the app mostly sees rejected commands (READONLY, CLUSTERDOWN), not events.
    const rejected = m.topology ? rejectedWith(m.commands) : [];
    const saw =
      [...[...rejected, ...seen].map((s) => `\`${s.replace(/\|/g, '\\|')}\``), ...other]
        .slice(0, 4)
        .join(', ') || '—';
    const verdict = v.status === 'ok' ? '✓' : v.status === 'fail' ? '✗' : '☠';
    const failoverCells = failover
      ? ` ${v.ackedLost === null ? '—' : v.ackedLost} | ${v.staleMasterMs === null ? '—' : `${v.staleMasterMs} ms`} |`
      : '';
    return `| ${verdict} ${m.scenario} | ${saw} | ${ms(v.detectMs)} | ${ms(v.recoverMs)} | ${v.executedTwice} | ${v.neverSettled} | ${v.lostSilently}/${v.lostWithError} | ${m.published ? `${v.messagesLost}/${m.published}` : '—'} |${failoverCells} ${m.doctor.mostLikelyCause ?? '—'} | ${v.summary} |`;
  });
  return [
    `### ${report.client}${report.library && report.library !== report.client ? ` (${report.library})` : ''}${report.optionsModule ? ` with ${report.optionsModule}` : ' (default options)'}`,
    '',
    `| scenario | the app saw | detect | recover | ran twice | hung | lost silently / with error | messages lost |${failover ? ' acked lost | stale master |' : ''} doctor names | verdict |`,
    `|---|---|---|---|---|---|---|---|${failover ? '---|---|' : ''}---|---|`,
    ...rows,
    '',
    `${report.summary.ok} ok, ${report.summary.fail} failed the app${report.summary.error ? `, ${report.summary.error} could not run` : ''} — ${Math.round(report.durationMs / 1000)} s, ${report.startedAt}.`,
    '',
  ].join('\n');
}

/** The commands' rejections, most frequent first, each with its count: "SimpleError: READONLY ... ×499". */
function rejectedWith(commands: LabReport['results'][number]['measurement']['commands']): string[] {
  const counts = new Map<string, number>();
  for (const c of commands) if (c.error) counts.set(c.error, (counts.get(c.error) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([error, n]) => `${error.length > 80 ? `${error.slice(0, 80)}…` : error} ×${n}`);
}
