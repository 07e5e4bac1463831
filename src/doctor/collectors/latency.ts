import { type Collected, type LatencyEvent, ok } from '../evidence.js';
import type { CollectorContext } from './context.js';

/** LATENCY LATEST: empty unless latency-monitor-threshold is set. */
export async function collectLatency({ redis }: CollectorContext): Promise<Collected<LatencyEvent[]>> {
  const reply = (await redis.call('LATENCY', 'LATEST')) as unknown[][];
  return ok(
    reply.map((row) => ({
      event: String(row[0]),
      at: Number(row[1]) * 1000,
      latestMs: Number(row[2]),
      maxMs: Number(row[3]),
    })),
  );
}
