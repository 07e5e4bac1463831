import { describeCause, describeSummary, describeTarget } from './headline.js';
import type { Report } from './types.js';

export interface TextOptions {
  color: boolean;
  /** Show each finding's evidence and every passed rule. */
  verbose: boolean;
}

const MARKS: Record<string, [string, string]> = {
  critical: ['[✗]', '31'],
  warning: ['[!]', '33'],
  info: ['[i]', '36'],
  pass: ['[✓]', '32'],
  skipped: ['[-]', '90'],
  crashed: ['[☠]', '35'],
};

/** One line per check, details indented, fix commands indented further; glyphs carry the meaning. */
export function renderText(report: Report, options: TextOptions): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const mark = (key: string) => {
    const [glyph, code] = MARKS[key] ?? ['[?]', '0'];
    return paint(code, glyph);
  };
  const lines = [`lifeline doctor — ${describeTarget(report)} (collected in ${report.durationMs} ms)`];
  for (const [source, reason] of Object.entries(report.unavailable)) {
    lines.push(paint('90', `    not available: ${source}: ${reason}`));
  }
  lines.push(describeCause(report), '');
  const width = Math.max(...report.results.map((r) => r.category.length));

  for (const r of report.results) {
    const head = `${r.category.padEnd(width)}  ${r.ruleId}`;
    if (r.status === 'finding' && r.severity === 'info' && !options.verbose) {
      // Info findings stay short: the observation and where to read more.
      lines.push(`${mark('info')} ${head}`, ...indent(r.message, 4), `    More: ${r.docs}`);
    } else if (r.status === 'finding') {
      lines.push(`${mark(r.severity ?? 'info')} ${head}  (${r.severity}, confidence ${r.confidence})`);
      lines.push(...indent(r.message, 4), ...indent(r.explanation, 4));
      if (options.verbose) lines.push('    Evidence:', ...indent(JSON.stringify(r.evidence, null, 2), 6));
      if (r.fix.length) {
        lines.push('    Fix:');
        for (const fix of r.fix) {
          lines.push(`      ${fix.command}`);
          if (fix.note) lines.push(paint('90', `        # ${fix.note}`));
          if (fix.risk) lines.push(paint('90', `        # risk: ${fix.risk}`));
        }
      }
      lines.push(`    More: ${r.docs}`);
    } else if (r.status === 'crashed') {
      lines.push(`${mark('crashed')} ${head}  the check did not complete: ${r.reason}`);
    } else if (r.status === 'skipped') {
      lines.push(`${mark('skipped')} ${head}  skipped: ${r.reason}`);
    } else if (options.verbose) {
      lines.push(`${mark('pass')} ${head}`);
    }
  }
  const passed = report.results.filter((r) => r.status === 'pass');
  if (!options.verbose && passed.length)
    lines.push(
      `${mark('pass')} ${passed.length} ${passed.length === 1 ? 'check' : 'checks'} passed (-v lists them)`,
    );
  lines.push(
    '',
    describeCause(report),
    `${describeSummary(report)}.   -v shows evidence · --json for machines`,
  );
  return `${lines.join('\n')}\n`;
}

function indent(text: string, spaces: number): string[] {
  return text.split('\n').map((line) => `${' '.repeat(spaces)}${line}`);
}
