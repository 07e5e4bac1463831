import { formatDuration } from '../../core/units.js';
import type { Incident } from '../types.js';
import { formatTime, type TargetTimeline, type Timeline } from './timeline.js';

export interface ReportTextOptions {
  color: boolean;
}

const PAINT = { critical: '31', warning: '33', info: '36' } as const;

/** For a terminal: a summary, one line per incident, then the fix for the latest incident of each kind. */
export function renderReportText(timeline: Timeline, options: ReportTextOptions = { color: false }): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines = [`lifeline report — ${describeWindow(timeline)}`, `  ${describeCounts(timeline)}`];
  for (const t of timeline.targets) lines.push(`  ${oneLine(t.target)}: ${describeTarget(t)}`);
  if (timeline.skippedLines > 0)
    lines.push(`  ${timeline.skippedLines} line(s) skipped: not lifeline watch history records`);
  lines.push('');

  if (timeline.incidents.length === 0) lines.push('No incidents.');
  else lines.push('Incidents (UTC)');
  const kindWidth = Math.max(0, ...timeline.incidents.map((i) => oneLine(i.kind).length));
  const targetWidth = Math.max(0, ...timeline.incidents.map((i) => oneLine(i.target).length));
  for (const i of timeline.incidents) {
    const severity = paint(PAINT[i.severity], i.severity.padEnd(8));
    lines.push(
      `  ${formatTime(Date.parse(i.at))}  ${oneLine(i.target).padEnd(targetWidth)}  ${severity}  ${oneLine(i.kind).padEnd(kindWidth)}  ${oneLine(i.message)}${repeats(i)}`,
    );
  }

  if (timeline.latestByKind.length > 0) lines.push('', 'Fix (for the most recent incident of each kind)');
  for (const i of timeline.latestByKind) {
    lines.push(`  ${oneLine(i.kind)}  (${oneLine(i.target)}, ${formatTime(Date.parse(i.at))})`);
    const fix = i.fix[0];
    if (fix) {
      lines.push(`    ${oneLine(fix.command)}`);
      if (fix.note) lines.push(paint('90', `      # ${oneLine(fix.note)}`));
      if (fix.risk) lines.push(paint('90', `      # risk: ${oneLine(fix.risk)}`));
    } else lines.push('    (no fix command recorded)');
    if (i.docs) lines.push(`    More: ${oneLine(i.docs)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function describeWindow(timeline: Timeline): string {
  const { from, to } = timeline.window;
  const n = timeline.targets.length;
  return `${n} target${n === 1 ? '' : 's'}, ${formatTime(from)} to ${formatTime(to)} (${formatDuration(to - from)})`;
}

export function describeCounts(timeline: Timeline): string {
  const s = timeline.bySeverity;
  const runs = timeline.runs === 1 ? '1 watch run' : `${timeline.runs} watch runs`;
  return `${plural(timeline.samples, 'sample')} from ${runs}; ${plural(timeline.incidents.length, 'incident')}: ${s.critical} critical, ${s.warning} warning, ${s.info} info`;
}

export function describeTarget(t: TargetTimeline): string {
  const parts = [
    t.server ? `${oneLine(t.server.product)} ${oneLine(t.server.version)}` : 'server unknown',
    plural(t.samples, 'sample'),
  ];
  if (t.downtime.length > 0)
    parts.push(
      `down ${formatDuration(t.totals.downMs)} in ${t.downtime.length} span${t.downtime.length === 1 ? '' : 's'}${t.downtime.at(-1)?.ongoing ? ' (still down at the end)' : ''}`,
    );
  parts.push(
    plural(t.totals.restarts, 'restart'),
    `${t.totals.rejected} rejected`,
    `${t.totals.kills} killed`,
  );
  if (t.totals.peakConnected !== undefined)
    parts.push(
      `peak ${t.totals.peakConnected}${t.totals.maxclients !== undefined ? `/${t.totals.maxclients}` : ''} clients`,
    );
  return parts.join(', ');
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const repeats = (i: Incident) => (i.occurrences > 1 ? ` (×${i.occurrences})` : '');

/**
 * History text is untrusted: one line, no control characters (an escape sequence in a client name
 * must not reach the terminal).
 */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}
