import type { Report } from './types.js';

/**
 * Exactly the schemaVersion 1 contract of DESIGN.md. Raw evidence stays out (it can be large); what
 * could not be collected shows as skipped results with their reasons.
 */
export function renderJson(report: Report): string {
  const { schemaVersion, tool, target, startedAt, durationMs, summary, mostLikelyCause, results } = report;
  const contract = { schemaVersion, tool, target, startedAt, durationMs, summary, mostLikelyCause, results };
  return `${JSON.stringify(contract, null, 2)}\n`;
}
