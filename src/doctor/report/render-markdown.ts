import { endpointOf } from '../../core/redis-url.js';
import { describeCause, describeNodes, describeSummary, describeTarget, groupResults } from './headline.js';
import type { Report, TopologySummary } from './types.js';

const ICON = { critical: '🔴', warning: '🟠', info: '🔵' } as const;

/**
 * For pasting into an incident ticket: findings as sections, evidence folded in <details>. A Sentinel
 * or Cluster topology adds a table of its nodes, and each finding names the node(s) it is about (the
 * same finding on several nodes shows once).
 */
export function renderMarkdown(report: Report): string {
  const out = [
    `## lifeline doctor: ${describeTarget(report)}`,
    '',
    `**${describeCause(report)}**`,
    '',
    `${describeSummary(report)} — collected ${report.startedAt} in ${report.durationMs} ms by redis-lifeline ${report.tool.version}.`,
    '',
  ];
  if (report.topology) out.push(...topologyTable(report.topology));
  const groups = groupResults(report.results);
  for (const { result: r, nodes } of groups.filter((g) => g.result.status === 'finding')) {
    const where =
      nodes.length === 1 ? ` on \`${nodes[0]}\`` : nodes.length > 1 ? ` on ${nodes.length} nodes` : '';
    out.push(`### ${ICON[r.severity ?? 'info']} ${r.severity}: \`${r.ruleId}\`${where} — ${r.title}`, '');
    if (nodes.length > 1) out.push(`On ${nodes.map((n) => `\`${n}\``).join(', ')}.`, '');
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
  const notChecked = groups.filter((g) => g.result.status === 'skipped' || g.result.status === 'crashed');
  if (notChecked.length) {
    out.push('### Not checked', '');
    for (const { result: r, nodes } of notChecked) {
      const where = nodes.length ? ` on ${describeNodes(nodes)}` : '';
      out.push(`- \`${r.ruleId}\`${where} (${r.status}): ${r.reason}`);
    }
    out.push('');
  }
  const passed = [...new Set(report.results.filter((x) => x.status === 'pass').map((x) => x.ruleId))];
  if (passed.length) out.push(`Passed: ${passed.map((id) => `\`${id}\``).join(', ')}.`, '');
  return out.join('\n');
}

function topologyTable(topology: TopologySummary): string[] {
  const rows = [
    ...topology.nodes.map((n) => [n.role, endpointOf(n), n.status, n.error ?? '']),
    ...(topology.sentinels ?? []).map((s) => [
      'sentinel',
      endpointOf(s),
      s.reachable ? 'ok' : 'unreachable',
      s.error ?? '',
    ]),
  ];
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    '| role | node | status | error |',
    '|---|---|---|---|',
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
  ];
}
