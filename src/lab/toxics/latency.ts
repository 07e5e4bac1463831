import { defineToxic } from './define-toxic.js';
import { sleep } from './sleep.js';

/** Delays every chunk by latency ± jitter, counted from when the proxy received it. */
export default defineToxic<{ latency: number; jitter: number }>({
  type: 'latency',
  description: 'Adds a delay of latency ± jitter to all data going through.',
  scope: 'stream',
  attributes: {
    latency: { default: 0, doc: 'time in milliseconds' },
    jitter: { default: 0, doc: 'time in milliseconds' },
  },
  async transform(chunk, { attributes: a, signal }) {
    const jitter = a.jitter ? (Math.random() * 2 - 1) * a.jitter : 0;
    await sleep(chunk.receivedAt + a.latency + jitter - performance.now(), signal);
    return [chunk]; // interrupted or not, the chunk goes on
  },
});
