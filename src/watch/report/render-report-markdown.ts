import { formatDuration } from '../../core/units.js';
import { describeCounts, describeWindow, oneLine } from './render-report-text.js';
import { formatTime, type Timeline } from './timeline.js';

const ICON = { critical: '🔴', warning: '🟠', info: '🔵' } as const;

/** For an incident ticket: the text report as tables, fix commands as shell blocks. */
export function renderReportMarkdown(timeline: Timeline): string {
  const out = [
    `## lifeline report: ${describeWindow(timeline)}`,
    '',
    `${cell(describeCounts(timeline))}. Rendered by ${cell(timeline.generatedBy)}.`,
    '',
    '| target | server | samples | downtime | restarts | rejected | killed | peak clients |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const t of timeline.targets) {
    const peak =
      t.totals.peakConnected === undefined
        ? '–'
        : `${t.totals.peakConnected}${t.totals.maxclients !== undefined ? ` / ${t.totals.maxclients}` : ''}`;
    out.push(
      `| ${cell(t.target)} | ${t.server ? cell(`${t.server.product} ${t.server.version}`) : '–'} | ${t.samples} | ${t.downtime.length ? formatDuration(t.totals.downMs) : '–'} | ${t.totals.restarts} | ${t.totals.rejected} | ${t.totals.kills} | ${peak} |`,
    );
  }
  if (timeline.skippedLines > 0)
    out.push('', `${timeline.skippedLines} line(s) skipped: not lifeline watch history records.`);
  out.push('', '### Incidents', '');
  if (timeline.incidents.length === 0) out.push('No incidents.');
  else {
    out.push('| time (UTC) | target | severity | incident | message |', '|---|---|---|---|---|');
    for (const i of timeline.incidents) {
      const times = i.occurrences > 1 ? ` (×${i.occurrences})` : '';
      out.push(
        `| ${formatTime(Date.parse(i.at))} | ${cell(i.target)} | ${ICON[i.severity]} ${i.severity} | ${code(i.kind)} | ${cell(i.message)}${times} |`,
      );
    }
  }
  if (timeline.latestByKind.length > 0) out.push('', '### Fix', '');
  for (const i of timeline.latestByKind) {
    out.push(
      `#### ${code(i.kind)} — most recent on ${cell(i.target)} at ${formatTime(Date.parse(i.at))}`,
      '',
    );
    const fix = i.fix[0];
    if (fix) {
      const body = [oneLine(fix.command)];
      if (fix.note) body.push(`# ${oneLine(fix.note)}`);
      if (fix.risk) body.push(`# risk: ${oneLine(fix.risk)}`);
      out.push(...fenced(body, 'sh'));
    } else out.push('No fix command recorded.');
    if (i.docs) out.push('', `More: ${cell(i.docs)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** Untrusted text in a table cell or a line: one line, no table breaks, no HTML. */
export function cell(text: string): string {
  return oneLine(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([`*_[\]])/g, '\\$1');
}

/** A code span that survives backticks in the text. */
function code(text: string): string {
  const safe = oneLine(text).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(safe.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${safe} ${fence}` : `${fence}${safe}${fence}`;
}

function fenced(lines: string[], lang: string): string[] {
  const longest = Math.max(2, ...lines.flatMap((l) => (l.match(/`+/g) ?? []).map((run) => run.length)));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${lang}`, ...lines, fence];
}
