import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** The faults a chaos run draws from: network faults through the proxy, server faults on the server. */
export const FAULT_KINDS = [
  'reset', // every connection through the proxy reset (RST)
  'blackhole', // bytes vanish both ways for 1–6 s (half-open), then the connections are reset
  'reply-drop', // the next reply is swallowed and that connection reset: the command ran, the client cannot know
  'slow-replies', // replies 0.5–1.5 s late for a while
  'kill-9', // the server killed, down 0.5–3 s, restarted from its AOF
  'shutdown', // SHUTDOWN (SIGTERM), down 0.5–3 s, restarted
  'client-kill', // CLIENT KILL of every normal and pub/sub connection
  'idle-timeout', // `timeout 1` for a few seconds: idle connections reaped
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  /** ms after the run started. */
  atMs: number;
  /** How long it lasts (blackhole, slow replies, time down, timeout in force); 0 for a single blow. */
  holdMs: number;
  /** Extra delay of slow replies, ms. */
  latencyMs: number;
}

/**
 * Pure and seeded: the same seed gives the same faults at the same times, so a failing run can be
 * replayed. Faults never overlap; each is followed by 1–3 s of calm so recovery is observable.
 */
export function faultSchedule(seed: number, durationMs: number): Fault[] {
  const rng = xoroshiro128plus(seed);
  const faults: Fault[] = [];
  let at = uniformInt(rng, 500, 1500);
  while (at < durationMs) {
    const kind = FAULT_KINDS[uniformInt(rng, 0, FAULT_KINDS.length - 1)] as FaultKind;
    const holdMs =
      kind === 'blackhole'
        ? uniformInt(rng, 1000, 6000)
        : kind === 'kill-9' || kind === 'shutdown'
          ? uniformInt(rng, 500, 3000)
          : kind === 'slow-replies' || kind === 'idle-timeout'
            ? uniformInt(rng, 1500, 3000)
            : 0;
    const latencyMs = kind === 'slow-replies' ? uniformInt(rng, 500, 1500) : 0;
    faults.push({ kind, atMs: at, holdMs, latencyMs });
    at += holdMs + uniformInt(rng, 1000, 3000);
  }
  return faults;
}
