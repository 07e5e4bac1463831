/**
 * "Full jitter" backoff (AWS architecture blog): a uniformly random delay between 0 and an exponential
 * cap, so a fleet that lost the server at the same moment does not come back at the same moment.
 * `attempt` starts at 1.
 */
export function fullJitterDelay(
  attempt: number,
  { baseMs, capMs }: { baseMs: number; capMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}
