import { waitFor } from './with-redis.js';

/** An acknowledged write: its key and when the reply came (Date.now()). */
export interface Ack {
  key: string;
  at: number;
}

/**
 * An application writing INCR on keys of its own (`<prefix>:0`, `<prefix>:1`, ...) every `everyMs`, as
 * the failover tests run it: each key is written once, so a value of 2 read back means it ran twice and
 * a missing key that was acknowledged means the write was lost.
 */
export function incrWriter(client: { incr(key: string): Promise<unknown> }, prefix: string, everyMs = 20) {
  const acks: Ack[] = [];
  const failures: Error[] = [];
  let sent = 0;
  let pending = 0;
  let slowestMs = 0;
  let stop = false;
  const done = (async () => {
    for (let n = 0; !stop; n++) {
      const key = `${prefix}:${n}`;
      const sentAt = Date.now();
      sent++;
      pending++;
      const settled = () => {
        pending--;
        slowestMs = Math.max(slowestMs, Date.now() - sentAt);
      };
      client.incr(key).then(
        () => {
          settled();
          acks.push({ key, at: Date.now() });
        },
        (error: Error) => {
          settled();
          failures.push(error);
        },
      );
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    acks,
    failures,
    sent: () => sent,
    pending: () => pending,
    /** The longest a write took to settle (ms). */
    slowestMs: () => slowestMs,
    /** Stops writing and waits for every write to settle (at most `settleWithinMs`). */
    async stop(settleWithinMs = 15_000) {
      stop = true;
      await done;
      await waitFor(`${prefix}'s writes to settle`, () => pending === 0, settleWithinMs);
    },
  };
}

export type IncrWriter = ReturnType<typeof incrWriter>;

/** The failures by message (its first 50 characters), "N× message", for a test's log line. */
export function failureKinds(failures: readonly Error[]): string[] {
  const count = new Map<string, number>();
  for (const error of failures) {
    const m = error.message.slice(0, 50) || `(${error.constructor.name}, no message)`;
    count.set(m, (count.get(m) ?? 0) + 1);
  }
  return [...count].map(([m, n]) => `${n}× ${m}`);
}
