import { endpointOf } from '../../core/redis-url.js';
import { describeCause, describeNodes, describeSummary, describeTarget, groupResults } from './headline.js';
import type { Report, TopologySummary } from './types.js';

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

/** A topology's nodes are all listed up to this many (and with -v); past it only those not ok. */
const LISTED_NODES = 12;

/**
 * One line per check, details indented, fix commands indented further; glyphs carry the meaning. For
 * a Sentinel or Cluster topology the nodes are listed under the header and each line starts with the
 * node it is about ("topology" for the whole); a result that is the same on several nodes shows once,
 * with the nodes it is on.
 */
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
  if (report.topology) lines.push(...topologyLines(report.topology, options.verbose, paint));
  lines.push(describeCause(report), '');
  const width = Math.max(...report.results.map((r) => r.category.length));
  const topology = Boolean(report.topology);
  const nodeWidth = Math.max(TOPOLOGY_WIDE.length, ...report.results.map((r) => r.node?.length ?? 0));
  const headOf = (r: { category: string; ruleId: string }, node: string) =>
    `${topology ? `${(node || TOPOLOGY_WIDE).padEnd(nodeWidth)}  ` : ''}${r.category.padEnd(width)}  ${r.ruleId}`;

  const groups = groupResults(report.results);
  const ofStatus = (...statuses: string[]) => groups.filter((g) => statuses.includes(g.result.status));
  for (const { result: r, nodes } of ofStatus('finding')) {
    const head = headOf(r, describeNodes(nodes));
    const on = nodes.length > 1 ? [`    on ${nodes.join(', ')}`] : [];
    if (r.severity === 'info' && !options.verbose) {
      // Info findings stay short: the observation and where to read more.
      lines.push(`${mark('info')} ${head}`, ...on, ...indent(r.message, 4), `    More: ${r.docs}`);
    } else {
      lines.push(`${mark(r.severity ?? 'info')} ${head}  (${r.severity}, confidence ${r.confidence})`, ...on);
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
    }
  }
  for (const { result: r, nodes } of ofStatus('crashed', 'skipped')) {
    const head = headOf(r, describeNodes(nodes));
    lines.push(
      r.status === 'crashed'
        ? `${mark('crashed')} ${head}  the check did not complete: ${r.reason}`
        : `${mark('skipped')} ${head}  skipped: ${r.reason}`,
    );
  }
  const passed = report.results.filter((r) => r.status === 'pass');
  if (options.verbose) {
    for (const { result: r, nodes } of ofStatus('pass'))
      lines.push(`${mark('pass')} ${headOf(r, describeNodes(nodes))}`);
  } else if (passed.length)
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

/** The node column of a result about the whole topology rather than one node. */
const TOPOLOGY_WIDE = 'topology';

/** "    master   127.0.0.1:6380  ok": every node (and sentinel) when few or -v, else those not ok. */
function topologyLines(
  topology: TopologySummary,
  verbose: boolean,
  paint: (code: string, text: string) => string,
): string[] {
  const rows = [
    ...topology.nodes.map((n) => ({ ...n, what: n.role, state: n.status, ok: n.status === 'ok' })),
    ...(topology.sentinels ?? []).map((s) => ({
      ...s,
      what: 'sentinel',
      state: s.reachable ? 'ok' : 'unreachable',
      ok: s.reachable,
    })),
  ];
  const all = verbose || rows.length <= LISTED_NODES;
  const shown = all ? rows : rows.filter((r) => !r.ok);
  const width = Math.max(...shown.map((r) => endpointOf(r).length));
  const lines = shown.map((r) => {
    const line = `    ${r.what.padEnd(8)} ${endpointOf(r).padEnd(width)}  ${r.state}${r.error ? `: ${r.error}` : ''}`;
    return r.ok ? line : paint('33', line);
  });
  if (!all) lines.push(paint('90', `    ${rows.length - shown.length} more ok (-v lists them)`));
  return lines;
}

function indent(text: string, spaces: number): string[] {
  return text.split('\n').map((line) => `${' '.repeat(spaces)}${line}`);
}
