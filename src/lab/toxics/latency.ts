import { defineToxic } from './define-toxic.js';
import { sleep } from './sleep.js';

/**
 * Delays every chunk by latency ± jitter (a whole number of ms drawn from [latency - jitter,
 * latency + jitter), as Toxiproxy), less the time it already waited since the proxy received it. A
 * chunk that waited its full delay leaves with its time moved on by that wait, so a second latency
 * toxic in the chain adds its own delay (Toxiproxy's LatencyToxic moves the chunk's timestamp).
 */
export default defineToxic<{ latency: number; jitter: number }>({
  type: 'latency',
  description: 'Adds a delay of latency ± jitter to all data going through.',
  scope: 'stream',
  attributes: {
    latency: { default: 0, doc: 'time in milliseconds' },
    jitter: { default: 0, doc: 'time in milliseconds' },
  },
  async transform(chunk, { attributes: a, signal }) {
    const jitter = a.jitter > 0 ? Math.floor(Math.random() * 2 * a.jitter) - a.jitter : 0;
    const wait = a.latency + jitter - (performance.now() - chunk.receivedAt);
    if (!(await sleep(wait, signal))) return [chunk]; // interrupted: the chunk goes on at once
    return [{ ...chunk, receivedAt: chunk.receivedAt + wait }];
  },
});
