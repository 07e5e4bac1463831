import type { Report } from './types.js';

/** The schemaVersion 1 contract, and nothing else (raw evidence stays out: it can be large). */
export function renderJson(report: Report): string {
  const {
    schemaVersion,
    tool,
    target,
    startedAt,
    durationMs,
    summary,
    mostLikelyCause,
    results,
    unavailable,
  } = report;
  return `${JSON.stringify({ schemaVersion, tool, target, startedAt, durationMs, summary, mostLikelyCause, results, unavailable }, null, 2)}\n`;
}
