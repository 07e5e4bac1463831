import type { Report } from './types.js';

/**
 * Exactly the schemaVersion 1 contract of DESIGN.md. Raw evidence stays out (it can be large); what
 * could not be collected shows as skipped results with their reasons. A Sentinel or Cluster report
 * adds `topology` (a standalone one has none) and `node` on the results that are about one node.
 */
export function renderJson(report: Report): string {
  const { schemaVersion, tool, target, startedAt, durationMs, summary, mostLikelyCause, results } = report;
  const contract = {
    schemaVersion,
    tool,
    target,
    ...(report.topology ? { topology: report.topology } : {}),
    startedAt,
    durationMs,
    summary,
    mostLikelyCause,
    results,
  };
  return `${JSON.stringify(contract, null, 2)}\n`;
}
