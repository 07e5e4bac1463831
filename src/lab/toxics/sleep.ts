import { setTimeout as wait } from 'node:timers/promises';

/** Waits `ms`, or less when `signal` aborts; resolves true when the full wait elapsed. */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await wait(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Waits until `signal` aborts (the toxic is removed or updated, or the connection closes). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
