// The targets for one `lifeline doctor` run, and the verdict on a doctor series against them.
// Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.

export const TARGET_WALL_MS = 2_000;
export const TARGET_RSS_MB = 200; // MB = 10^6 bytes (the stricter reading of "200 MB")

/** The targets as the result file records them. */
export const TARGETS = { medianWallMs: TARGET_WALL_MS, maxRssMB: TARGET_RSS_MB, rssUnit: 'MB = 10^6 bytes' };

/** The targets as the table's heading states them. */
export const TARGETS_TEXT = `median wall < ${TARGET_WALL_MS} ms, max RSS < ${TARGET_RSS_MB} MB`;

/**
 * The targets a doctor series (doctorSeries) misses, one sentence each; empty when it meets both. A
 * benchmark with targets of its own (a topology: 3000 ms) passes them as `wallMs` and `rssMB`.
 */
export function missedTargets(summary, { wallMs = TARGET_WALL_MS, rssMB = TARGET_RSS_MB } = {}) {
  const failures = [];
  if (summary.medianWallMs > wallMs)
    failures.push(`median doctor wall ${summary.medianWallMs} ms > ${wallMs} ms`);
  if (summary.maxRssMB > rssMB) failures.push(`max doctor peak RSS ${summary.maxRssMB} MB > ${rssMB} MB`);
  return failures;
}
