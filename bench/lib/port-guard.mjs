// The one Redis the benchmarks must never talk to. Not a benchmark itself: bench/run.mjs only runs bench/*.mjs.

/** Throws for port 6379: the benchmarks only ever talk to the throwaway servers they start. */
export function assertPort(port) {
  if (port === 6379) throw new Error('refusing to touch the Redis on port 6379');
}
