// Benchmark settings read from the environment. Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.

/** process.env[name] as a positive integer; `fallback` when it is unset or anything else. */
export function positiveIntEnv(name, fallback) {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
