import { describeCause, describeSummary, describeTarget } from './headline.js';
import type { Report } from './types.js';

const ICON = { critical: '🔴', warning: '🟠', info: '🔵' } as const;

/** For pasting into an incident ticket: findings as sections, evidence folded in <details>. */
export function renderMarkdown(report: Report): string {
  const out = [
    `## lifeline doctor: ${describeTarget(report)}`,
    '',
    `**${describeCause(report)}**`,
    '',
    `${describeSummary(report)} — collected ${report.startedAt} in ${report.durationMs} ms by redis-lifeline ${report.tool.version}.`,
    '',
  ];
  for (const r of report.results.filter((x) => x.status === 'finding')) {
    out.push(`### ${ICON[r.severity ?? 'info']} ${r.severity}: \`${r.ruleId}\` — ${r.title}`, '');
    out.push(r.message, '', r.explanation, '');
    if (r.fix.length) {
      out.push('**Fix**', '', '```sh');
      for (const fix of r.fix) out.push(fix.command + (fix.note ? `   # ${fix.note}` : ''));
      out.push('```', '');
    }
    out.push(
      '<details><summary>Evidence</summary>',
      '',
      '```json',
      JSON.stringify(r.evidence, null, 2),
      '```',
      '</details>',
      '',
    );
  }
  const skipped = report.results.filter((x) => x.status === 'skipped' || x.status === 'crashed');
  if (skipped.length) {
    out.push('### Not checked', '');
    for (const r of skipped) out.push(`- \`${r.ruleId}\` (${r.status}): ${r.reason}`);
    out.push('');
  }
  const passed = report.results.filter((x) => x.status === 'pass').map((x) => `\`${x.ruleId}\``);
  if (passed.length) out.push(`Passed: ${passed.join(', ')}.`, '');
  return out.join('\n');
}
