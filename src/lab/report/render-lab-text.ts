import type { SeenEvent } from '../clients/client-under-test.js';
import type { LabReport } from '../run-lab.js';

/** One block per scenario: a verdict line, the figures, and what the app saw, verbatim. */
export function renderLabText(report: LabReport, options: { color: boolean }): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const mark = { ok: paint('32', '[✓]'), fail: paint('31', '[✗]'), error: paint('35', '[☠]') };
  const lines = [
    `lifeline lab — client ${report.client}${report.library && report.library !== report.client ? ` (${report.library})` : ''}${report.optionsModule ? ` with ${report.optionsModule}` : ''}`,
    '',
  ];
  const ms = (v: number | null) => (v === null ? 'never' : `${v} ms`);
  for (const { measurement: m, verdict: v } of report.results) {
    lines.push(`${mark[v.status]} ${m.scenario.padEnd(24)} ${v.summary}`);
    lines.push(
      `      detect ${ms(v.detectMs)} · recover ${ms(v.recoverMs)} · ran twice ${v.executedTwice} · never settled ${v.neverSettled} · lost ${v.lostSilently + v.lostWithError}` +
        (m.published ? ` · messages ${m.received}/${m.published}` : '') +
        (v.ackedLost === null
          ? ''
          : ` · acked lost ${v.ackedLost} · stale master ${v.staleMasterMs === null ? 'no promotion seen' : `${v.staleMasterMs} ms`}`) +
        ` · doctor: ${m.doctor.mostLikelyCause ?? 'nothing'}`,
    );
    if (v.writes) {
      const w = v.writes;
      lines.push(
        `      writes: ${w.sent} sent, ${w.acknowledged} acknowledged, ${w.rejected} rejected, ${w.pending} pending`,
      );
    }
    const seen = summarizeEvents(m.events);
    if (seen.length) lines.push(`      app saw: ${seen.join('; ')}`);
    const errors = [...new Set(m.commands.filter((c) => c.error).map((c) => c.error))].slice(0, 3);
    if (errors.length) lines.push(`      rejected with: ${errors.join('; ')}`);
  }
  const s = report.summary;
  lines.push(
    '',
    `${s.ok} ok, ${s.fail} failed the app${s.error ? `, ${s.error} could not run` : ''} (${Math.round(report.durationMs / 1000)} s).` +
      (s.fail
        ? '   Failed = a write ran twice, a promise never settled, or data was lost without a word' +
          (report.results.some((r) => r.verdict.writes)
            ? ' (after a failover: an acknowledged write lost, or no write reached the new master).'
            : '.')
        : ''),
  );
  return `${lines.join('\n')}\n`;
}

/** "error ECONNRESET: read ECONNRESET ×3; close; reconnecting" — verbatim, repeats folded. */
function summarizeEvents(events: SeenEvent[]): string[] {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.event === 'ready' || e.event === 'connect') continue;
    const detail =
      isErrorEvent(e.event) && e.message
        ? ` ${e.name ?? ''}${e.code ? ` ${e.code}` : ''}: "${e.message}"`
        : e.event.startsWith('lifeline:') && e.message
          ? ` ${e.message}`
          : '';
    const text = `${e.role === 'subscriber' ? 'subscriber ' : ''}${e.event}${detail}`;
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts].slice(0, 6).map(([text, n]) => (n > 1 ? `${text} ×${n}` : text));
}

/** 'error', and the node-level errors of a Cluster client ('node error', 'node-error'): they carry one. */
export const isErrorEvent = (event: string): boolean => event === 'error' || /[ -]error$/.test(event);
