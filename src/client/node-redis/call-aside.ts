import type { NodeRedisInternals } from './internals.js';

/** How long lifeline's own connection aside may take, from connect to INFO's reply. */
const ASIDE_TIMEOUT_MS = 2000;
const noop = () => undefined;

/** One command on a connection of its own (duplicate(): the client's options), closed after. */
export async function callAside(handle: NodeRedisInternals, args: readonly string[]): Promise<unknown> {
  if (!handle.duplicate) throw new Error('no duplicate()');
  const aside = handle.duplicate();
  aside.on('error', noop); // a failure is the promise's, not the application's
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      aside.connect().then(() => aside.sendCommand(args)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), ASIDE_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    try {
      aside.destroy();
    } catch {
      // never connected: nothing to close
    }
  }
}
