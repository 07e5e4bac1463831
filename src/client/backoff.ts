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

/**
 * node-redis keeps its reconnect strategy private once the client exists, so lifeline cannot swap it:
 * pass this one at creation, `createClient({ socket: { reconnectStrategy: lifelineReconnectStrategy() } })`.
 * Unlike node-redis's default it also reconnects after a socket timeout.
 */
export function lifelineReconnectStrategy(backoff = { baseMs: 50, capMs: 500 }): (retries: number) => number {
  return (retries) => fullJitterDelay(retries + 1, backoff);
}
