import type { LabReport } from '../run-lab.js';

/** A table for docs and tickets: one row per scenario, the figures, and what the app saw. */
export function renderLabMarkdown(report: LabReport): string {
  const ms = (v: number | null) => (v === null ? 'never' : `${v} ms`);
  const rows = report.results.map(({ measurement: m, verdict: v }) => {
    const seen = [
      ...new Set(
        m.events
          .filter((e) => e.event === 'error')
          .map((e) => `${e.name ?? 'Error'}${e.code ? ` ${e.code}` : ''}: ${e.message ?? ''}`),
      ),
    ];
    const other = [
      ...new Set(
        m.events
          .filter((e) => e.event !== 'error' && e.event !== 'ready' && e.event !== 'connect')
          .map((e) => (e.event.startsWith('lifeline:') && e.message ? `${e.event} ${e.message}` : e.event)),
      ),
    ];
    const saw =
      [...seen.map((s) => `\`${s.replace(/\|/g, '\\|')}\``), ...other].slice(0, 4).join(', ') || '—';
    const verdict = v.status === 'ok' ? '✓' : v.status === 'fail' ? '✗' : '☠';
    return `| ${verdict} ${m.scenario} | ${saw} | ${ms(v.detectMs)} | ${ms(v.recoverMs)} | ${v.executedTwice} | ${v.neverSettled} | ${v.lostSilently}/${v.lostWithError} | ${m.published ? `${v.messagesLost}/${m.published}` : '—'} | ${m.doctor.mostLikelyCause ?? '—'} | ${v.summary} |`;
  });
  return [
    `### ${report.client}${report.optionsModule ? ` with ${report.optionsModule}` : ' (default options)'}`,
    '',
    '| scenario | the app saw | detect | recover | ran twice | hung | lost silently / with error | messages lost | doctor names | verdict |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `${report.summary.ok} ok, ${report.summary.fail} failed the app — ${Math.round(report.durationMs / 1000)} s, ${report.startedAt}.`,
    '',
  ].join('\n');
}
