// Summaries of a benchmark's measured series. Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
export const max = (xs) => Math.max(...xs);
export const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
/** Bytes as MB (10^6 bytes), one decimal. */
export const mb = (bytes) => round(bytes / 1e6);

/** Median and max wall time of runs shaped { wallMs }. */
const summarizeWall = (runs) => ({
  medianWallMs: round(median(runs.map((r) => r.wallMs))),
  maxWallMs: round(max(runs.map((r) => r.wallMs))),
});

/** Wall, report duration, peak RSS and CPU of doctor runs (the samples measureDoctor returns). */
const summarizeDoctor = (runs) => ({
  ...summarizeWall(runs),
  medianReportDurationMs: median(runs.map((r) => r.reportDurationMs)),
  medianRssMB: round(median(runs.map((r) => r.maxRssMB))),
  maxRssMB: round(max(runs.map((r) => r.maxRssMB))),
  medianCpuMs: round(median(runs.map((r) => r.cpuMs))),
});

/** The doctor's median wall time over the floor's, two decimals. */
export const medianRatio = (doctor, floor) => round(doctor.medianWallMs / floor.medianWallMs, 2);

/** Doctor runs (measureDoctor) as a series: their summary, then every sample rounded. */
export const doctorSeries = (runs) => ({
  ...summarizeDoctor(runs),
  samples: runs.map((r) => ({ ...r, wallMs: round(r.wallMs), maxRssMB: round(r.maxRssMB) })),
});

/** Floor runs ({ wallMs }) as a series: their summary, then every wall time rounded. */
export const floorSeries = (runs) => ({ ...summarizeWall(runs), samples: runs.map((r) => round(r.wallMs)) });
