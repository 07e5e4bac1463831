import type { Info } from '../../../src/core/parse-info.js';
import { parseRedisUrl } from '../../../src/core/redis-url.js';
import { targetIdentity } from '../../../src/doctor/evidence.js';
import {
  type DetectContext,
  newDetectorMemory,
  type Round,
} from '../../../src/watch/detectors/detect-context.js';
import { resolveWatchOptions } from '../../../src/watch/options.js';
import { counters, gauges, serverFacts } from '../../../src/watch/sampling/read-info.js';

/** The target the captures' doctor evidence names (test/support/fixture-evidence.ts), as watch knows it. */
export const CAPTURE_TARGET = targetIdentity(parseRedisUrl('redis://127.0.0.1:6390'));

/** One successful round of watch on this INFO and CONFIG (no CLIENT LIST, no log lines unless given). */
export function adviceRound(
  info: Info,
  at: number,
  config: Record<string, string>,
  more: Partial<Round> = {},
): Round {
  const facts = { server: serverFacts(info), counters: counters(info), gauges: gauges(info, config) };
  return {
    sample: { target: CAPTURE_TARGET.url, at, up: true, durationMs: 1, ...facts },
    info,
    logEvents: [],
    ...more,
  };
}

/** Nothing from earlier rounds but the one given. */
const NO_HISTORY = { prevList: undefined, previousRunEnd: undefined, downSince: undefined, ownConnects: 0 };

/** What the detectors and the advice read of a round, with the log followed unless said otherwise. */
export const adviceContext = (
  cur: Round,
  prev: Round | undefined,
  config: Record<string, string>,
  more: Partial<DetectContext> = {},
): DetectContext => ({
  cur,
  prev,
  config,
  ...NO_HISTORY,
  logFollowed: true,
  options: resolveWatchOptions({ urls: [] }),
  memory: newDetectorMemory(),
  cli: (...args) => `redis-cli ${args.join(' ')}`,
  ...more,
});
