/** How node-redis fails a command, told apart by the error it rejects with. */

const LOST = /Socket closed unexpectedly|ECONNRESET|EPIPE|ETIMEDOUT|Socket timeout/;

/** node-redis rejects written commands when the socket drops; lifeline decides which to send again. */
export function isConnectionLoss(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return LOST.test(`${e?.code ?? ''} ${e?.message ?? ''}`);
}

/** The server is still loading its dataset (a restart with RDB/AOF): the command did not run. */
export const isLoading = (error: unknown): boolean => /^LOADING\b/.test(String((error as Error)?.message));

/** node-redis's own per-command timeout, which covers only the wait to be written. */
export const isQueueTimeout = (error: unknown): boolean =>
  (error as { constructor?: { name?: string } })?.constructor?.name === 'TimeoutError';
